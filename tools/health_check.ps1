<#
.SYNOPSIS
    Health Check Automatizzato PSTT Tool - Kafka Integration (runbook: "Health Check Giornaliero").

.DESCRIPTION
    Runs `pstt check`: API, worker, Kafka, today's messages and success rate, latency, failed Kafka
    jobs of the last 24 h, memory, disk, metrics store. Prints the runbook's lines, appends them to
    data\logs\health_check_YYYYMMDD.log and, with -Email, mails them (SMTP_* variables) when
    something is wrong. Exit code: 0 ok, 1 warning, 2 critical, 3 the check could not run.
    The API token comes from PSTT_API_TOKEN or data\api-admin-token.

.EXAMPLE
    .\tools\health_check.ps1 -Email

.EXAMPLE
    # Task Scheduler, every day at 08:00
    $action = New-ScheduledTaskAction -Execute "PowerShell.exe" -Argument "-File <install folder>\tools\health_check.ps1 -Email"
    $trigger = New-ScheduledTaskTrigger -Daily -At 08:00
    Register-ScheduledTask -TaskName "PSTT_Kafka_HealthCheck" -Action $action -Trigger $trigger
#>
param(
    [string]$ApiUrl,
    [switch]$Email,
    [switch]$Json
)

[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
$root = Split-Path -Parent $PSScriptRoot

$cliArgs = @((Join-Path $root 'bin\pstt.js'), 'check')
if ($ApiUrl) { $cliArgs += @('--api-url', $ApiUrl) }
if ($Email) { $cliArgs += '--email' }
if ($Json) { $cliArgs += '--json' }

Push-Location $root
try {
    & node @cliArgs
    $code = $LASTEXITCODE
} finally {
    Pop-Location
}

if ($code -eq 1 -or $code -eq 2) {
    Write-Warning "⚠️ issue(s) trovati! Report: data\logs\health_check_$(Get-Date -Format 'yyyyMMdd').log"
}
exit $code
