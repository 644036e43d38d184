<#
.SYNOPSIS
  Installs the Endpoint Compliance Agent (eca.exe) to run at boot as LocalSystem, restarting on failure.

.DESCRIPTION
  The supported way to install eca on Windows is the MSI (npm run build:msi; packaging/README.md,
  "Windows"), which installs it as a real service through WinSW. This script is for a machine where
  the MSI cannot be used.

  Copies eca.exe to "%ProgramFiles%\eca", creates "%ProgramData%\eca" (config, state, logs) readable
  only by SYSTEM and Administrators, then registers the agent in one of two ways:

  -As Service (the default when -ServiceHost is given): a Windows service "eca" registered with
     New-Service, with recovery actions set by `sc.exe failure` (restart after 5 s, 5 s, 30 s; the
     failure count resets after a day) and `sc.exe failureflag` (also restart after a non-zero exit).
     The Service Control Manager expects the process to answer its start request within 30 s
     (StartServiceCtrlDispatcher). eca.exe is a plain console program and does not do that itself, so
     a service host must sit between the SCM and eca.exe: pass its path with -ServiceHost (for example
     WinSW or NSSM, configured to run "eca.exe run --config ..."; the MSI uses WinSW 1.17). Without
     one the SCM reports error 1053 and stops the process.

  -As Task (the default without -ServiceHost): a scheduled task "eca" that starts at boot as SYSTEM
     and never times out; a cmd.exe loop restarts eca.exe 5 s after any exit (the task itself is
     retried every minute if it fails to start). This works with eca.exe as it is today. stderr
     (the JSON log) is appended to %ProgramData%\eca\logs\eca.log.

  Run from an elevated PowerShell:
    powershell -ExecutionPolicy Bypass -File install-service.ps1 -Source .\dist\eca.exe
  Remove with -Uninstall.

.PARAMETER Source
  The built eca.exe (npm run build:sea on Windows writes dist\eca.exe).
#>
[CmdletBinding()]
param(
  [string]$Source = (Join-Path $PSScriptRoot "..\..\dist\eca.exe"),
  [ValidateSet("Service", "Task", "")]
  [string]$As = "",
  [string]$ServiceHost = "",
  [switch]$Uninstall
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Name = "eca"
$DisplayName = "Endpoint Compliance Agent"
$Description = "Checks USB and Bluetooth devices against the personal devices guidance and reports findings."
$InstallDir = Join-Path $env:ProgramFiles "eca"
$Exe = Join-Path $InstallDir "eca.exe"
$DataDir = Join-Path $env:ProgramData "eca"
$StateDir = Join-Path $DataDir "state"
$LogDir = Join-Path $DataDir "logs"
$Config = Join-Path $DataDir "config.yaml"

if ($As -eq "") { $As = if ($ServiceHost -ne "") { "Service" } else { "Task" } }

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw "Run this script from an elevated (Administrator) PowerShell."
}

function Remove-Eca {
  if (Get-Service -Name $Name -ErrorAction SilentlyContinue) {
    Stop-Service -Name $Name -Force -ErrorAction SilentlyContinue
    & sc.exe delete $Name | Out-Null
  }
  if (Get-ScheduledTask -TaskName $Name -ErrorAction SilentlyContinue) {
    Stop-ScheduledTask -TaskName $Name -ErrorAction SilentlyContinue
    Unregister-ScheduledTask -TaskName $Name -Confirm:$false
  }
}

if ($Uninstall) {
  Remove-Eca
  Write-Host "Removed the $Name service/task. $InstallDir and $DataDir are left in place."
  return
}

if (-not (Test-Path $Source)) { throw "eca.exe not found at $Source (build it with: npm run build:sea)" }
Remove-Eca

# Program: Program Files is writable only by Administrators and SYSTEM already.
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
Copy-Item -Force -Path $Source -Destination $Exe

# Data: config, state (outbox), logs. Only SYSTEM and Administrators: the outbox holds findings and
# the config may point at a token file. Inheritance is cut so Users get nothing.
foreach ($dir in @($DataDir, $StateDir, $LogDir)) { New-Item -ItemType Directory -Force -Path $dir | Out-Null }
& icacls.exe $DataDir /inheritance:r /grant:r "*S-1-5-18:(OI)(CI)F" "*S-1-5-32-544:(OI)(CI)F" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls failed on $DataDir" }
if (-not (Test-Path $Config)) {
  $example = Join-Path $PSScriptRoot "..\config.example.yaml"
  if (Test-Path $example) {
    Copy-Item -Path $example -Destination $Config
    Write-Host "Wrote $Config from config.example.yaml: set endpoint.url before relying on delivery."
  }
}

$Arguments = "run --config `"$Config`" --state-dir `"$StateDir`""

if ($As -eq "Service") {
  if ($ServiceHost -eq "") {
    Write-Warning "No -ServiceHost: the SCM will time out (error 1053) because eca.exe does not answer service control requests."
    $BinaryPath = "`"$Exe`" $Arguments"
  } else {
    if (-not (Test-Path $ServiceHost)) { throw "Service host not found at $ServiceHost" }
    $BinaryPath = "`"$ServiceHost`""
  }
  New-Service -Name $Name -BinaryPathName $BinaryPath -DisplayName $DisplayName `
    -Description $Description -StartupType Automatic | Out-Null
  # Recovery: restart after 5 s, again after 5 s, then every 30 s; forget failures after a day.
  & sc.exe failure $Name reset= 86400 actions= restart/5000/restart/5000/restart/30000 | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "sc.exe failure returned $LASTEXITCODE" }
  # Also treat a stop with a non-zero exit code as a failure (not only a crash).
  & sc.exe failureflag $Name 1 | Out-Null
  # Start after the network stack so the first delivery does not fail needlessly.
  & sc.exe config $Name start= delayed-auto | Out-Null
  # The service gets its own SID (NT SERVICE\eca), usable in ACLs.
  & sc.exe sidtype $Name unrestricted | Out-Null
  Start-Service -Name $Name
  Write-Host "Installed service $Name ($BinaryPath)."
} else {
  $log = Join-Path $LogDir "eca.log"
  # Task Scheduler's restart settings only cover a task that fails to start, not a process that
  # exits, so cmd.exe supervises: run eca, append its stderr (the JSON log) to the log file, wait
  # 5 s (ping: `timeout` needs a console), run it again, for ever.
  $loop = "for /l %i in (0,0,1) do (`"$Exe`" $Arguments 2>>`"$log`" & ping -n 6 127.0.0.1 >nul)"
  $action = New-ScheduledTaskAction -Execute "$env:SystemRoot\System32\cmd.exe" `
    -Argument "/d /s /c `"$loop`"" -WorkingDirectory $DataDir
  $trigger = New-ScheduledTaskTrigger -AtStartup
  $taskPrincipal = New-ScheduledTaskPrincipal -UserId "SYSTEM" -LogonType ServiceAccount -RunLevel Highest
  $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -StartWhenAvailable -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
    -ExecutionTimeLimit ([TimeSpan]::Zero) -MultipleInstances IgnoreNew -Priority 7
  Register-ScheduledTask -TaskName $Name -Description $Description -Action $action -Trigger $trigger `
    -Principal $taskPrincipal -Settings $settings | Out-Null
  Start-ScheduledTask -TaskName $Name
  Write-Host "Installed scheduled task $Name (SYSTEM, at startup, restart on failure). Log: $log"
}

Write-Host "Config: $Config   State: $StateDir   Status: eca status from an elevated prompt (named pipe \\.\pipe\eca-status, authenticated by the status key in $StateDir)"
