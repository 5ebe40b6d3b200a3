<#
.SYNOPSIS
    Start, stop, restart or show PSTT (the worker and the API that `npm start` runs).

.DESCRIPTION
    With a Windows service named -ServiceName (e.g. `npm start` registered with NSSM or WinSW) it drives
    that service; otherwise it runs `npm start` in the background, its process id kept in
    data\pstt-service.pid and its output in data\logs\pstt-service.log.
    stop is the runbook's procedure 2 made safe: `pstt drain` pauses every scheduling and waits for the
    running exports (up to -DrainTimeout) before stopping; it refuses to stop while an export still runs,
    unless -Force. start waits for the API, shows /api/kafka/health (procedure 1) and runs `pstt resume`,
    which re-enables only what drain paused.

.EXAMPLE
    .\tools\manage_service.ps1 -action restart

.EXAMPLE
    .\tools\manage_service.ps1 -action stop -DrainTimeout 20m
#>
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('start', 'stop', 'restart', 'status')]
    [string]$Action,
    [string]$ServiceName = 'PSTT_Service',
    [string]$ApiUrl = $(if ($env:PSTT_API_URL) { $env:PSTT_API_URL } else { 'http://localhost:8000' }),
    [string]$DrainTimeout = '10m',
    [switch]$Force
)

[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
$root = Split-Path -Parent $PSScriptRoot
$dataDir = if ($env:PSTT_DATA_DIR) { $env:PSTT_DATA_DIR } else { Join-Path $root 'data' }
$pidFile = Join-Path $dataDir 'pstt-service.pid'
$service = Get-Service $ServiceName -ErrorAction SilentlyContinue

function Invoke-Pstt([string[]]$CliArgs) {
    Push-Location $root
    try {
        & node (Join-Path $root 'bin\pstt.js') @CliArgs | Out-Host
        return $LASTEXITCODE
    } finally {
        Pop-Location
    }
}

function Get-PsttProcess {
    if (-not (Test-Path $pidFile)) { return $null }
    Get-Process -Id ([int](Get-Content $pidFile -Raw)) -ErrorAction SilentlyContinue
}

function Show-KafkaHealth {
    try {
        $h = Invoke-RestMethod "$ApiUrl/api/kafka/health" -TimeoutSec 10 -ErrorAction Stop
        Write-Host "✅ Kafka: status=$($h.status) connected=$($h.connected) producer_ready=$($h.producer_ready)"
        return $true
    } catch {
        Write-Host "❌ Kafka: $($_.Exception.Message)"
        return $false
    }
}

function Start-Pstt {
    if ($service) {
        Start-Service $ServiceName
    } elseif (Get-PsttProcess) {
        Write-Host "PSTT already running (pid $((Get-PsttProcess).Id))"
    } else {
        $logs = Join-Path $dataDir 'logs'
        New-Item -ItemType Directory -Force $logs | Out-Null
        $p = Start-Process -FilePath 'npm.cmd' -ArgumentList 'start' -WorkingDirectory $root -WindowStyle Hidden -PassThru `
            -RedirectStandardOutput (Join-Path $logs 'pstt-service.log') -RedirectStandardError (Join-Path $logs 'pstt-service.err.log')
        Set-Content $pidFile $p.Id
    }
    # Wait for the API rather than a blind 30 s (first start installs and starts services: minutes).
    $deadline = (Get-Date).AddMinutes(10)
    while ($true) {
        try { Invoke-RestMethod "$ApiUrl/healthz" -TimeoutSec 5 -ErrorAction Stop | Out-Null; break } catch { }
        if ((Get-Date) -gt $deadline) { Write-Host "❌ API non raggiungibile su $ApiUrl"; exit 1 }
        Start-Sleep -Seconds 2
    }
    Write-Host "✅ Servizio: Running"
    Show-KafkaHealth | Out-Null
    Invoke-Pstt @('resume') | Out-Null
}

function Stop-Pstt {
    if (-not $Force) {
        $code = Invoke-Pstt @('drain', '--timeout', $DrainTimeout)
        if ($code -ne 0) {
            Write-Host "❌ Export ancora in corso: servizio non fermato (-Force per fermarlo comunque)"
            exit 1
        }
    }
    if ($service) {
        Stop-Service $ServiceName
        (Get-Service $ServiceName).WaitForStatus('Stopped', [TimeSpan]::FromMinutes(2))
    } else {
        $p = Get-PsttProcess
        # npm start's worker and API are its children: end the whole tree.
        if ($p) { taskkill.exe /PID $p.Id /T /F | Out-Null }
        Remove-Item $pidFile -ErrorAction SilentlyContinue
    }
    Write-Host "✅ Servizio: Stopped"
}

switch ($Action) {
    'start' { Start-Pstt }
    'stop' { Stop-Pstt }
    'restart' { Stop-Pstt; Start-Pstt }
    'status' {
        if ($service) {
            Write-Host "Servizio ${ServiceName}: $($service.Status)"
        } else {
            $p = Get-PsttProcess
            Write-Host $(if ($p) { "PSTT (npm start): Running, pid $($p.Id)" } else { 'PSTT (npm start): Stopped' })
        }
        if (-not (Show-KafkaHealth)) { exit 1 }
    }
}
