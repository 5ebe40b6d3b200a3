<#
.SYNOPSIS
    Procedura 4 del runbook: Verifica Giornaliera (servizio, Kafka, metriche di oggi, job Kafka falliti).

.DESCRIPTION
    The runbook's daily_check.ps1 on the PSTT REST API. Metrics and history need a token with the
    read role: -Token, else PSTT_API_TOKEN, else the generated data\api-admin-token.
    Exit code 1 when the service or Kafka is down (as in the runbook); warnings keep exit code 0.
    For the full check with thresholds, logs and e-mail use tools\health_check.ps1.

.EXAMPLE
    .\tools\daily_check.ps1
#>
param(
    [string]$ApiUrl = $(if ($env:PSTT_API_URL) { $env:PSTT_API_URL } else { 'http://localhost:8000' }),
    [string]$ServiceName = 'PSTT_Service',
    [string]$Token = $env:PSTT_API_TOKEN
)

[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
$root = Split-Path -Parent $PSScriptRoot
if (-not $Token) {
    $dataDir = if ($env:PSTT_DATA_DIR) { $env:PSTT_DATA_DIR } else { Join-Path $root 'data' }
    $tokenFile = Join-Path $dataDir 'api-admin-token'
    if (Test-Path $tokenFile) { $Token = (Get-Content $tokenFile -Raw).Trim() }
}
$headers = @{}
if ($Token) { $headers['Authorization'] = "Bearer $Token" }

# 1. Status servizio: the Windows service when there is one, and the API answering in any case
$service = Get-Service $ServiceName -ErrorAction SilentlyContinue
if ($service -and $service.Status -ne 'Running') {
    Write-Host "❌ Servizio non running! ($ServiceName = $($service.Status))"
    exit 1
}
try {
    Invoke-RestMethod "$ApiUrl/healthz" -TimeoutSec 10 -ErrorAction Stop | Out-Null
} catch {
    Write-Host "❌ Servizio non running! ($ApiUrl non risponde: $($_.Exception.Message))"
    exit 1
}

# 2. Health check Kafka (an unhealthy answer is HTTP 503, which Invoke-RestMethod throws)
try {
    $health = Invoke-RestMethod "$ApiUrl/api/kafka/health" -TimeoutSec 10 -ErrorAction Stop
} catch {
    $health = $null
}
if (-not $health -or -not $health.connected) {
    Write-Host "❌ Kafka non connesso!"
    exit 1
}

# 3. Metriche di oggi
try {
    $metrics = Invoke-RestMethod "$ApiUrl/api/kafka/metrics/summary?period=today" -Headers $headers -TimeoutSec 10 -ErrorAction Stop
    Write-Host "✅ Messaggi inviati oggi: $($metrics.total_messages)"
    Write-Host "✅ Success rate: $($metrics.success_rate)%"
    if ($metrics.success_rate -lt 98) {
        Write-Warning "⚠️ Success rate < 98%!"
    }
} catch {
    Write-Warning "⚠️ Metriche non disponibili: $($_.Exception.Message)"
}

# 4. Job Kafka falliti nelle ultime 24h (assigned first: Windows PowerShell does not enumerate a piped JSON array)
try {
    $since = [uri]::EscapeDataString((Get-Date).ToUniversalTime().AddHours(-24).ToString('o'))
    $history = Invoke-RestMethod "$ApiUrl/api/scheduler/history?limit=1000&status=error&since=$since" -Headers $headers -TimeoutSec 10 -ErrorAction Stop
    $failed = @($history | Where-Object { $_.export_format -eq 'kafka' })
    if ($failed.Count -gt 0) {
        Write-Warning "⚠️ $($failed.Count) job Kafka falliti nelle ultime 24h"
    }
} catch {
    Write-Warning "⚠️ History non disponibile: $($_.Exception.Message)"
}

Write-Host "✅ Daily check completato"
