# collect-bluetooth.ps1: eca's Windows Bluetooth registry collector (see probes/windows/README.md,
# bluetooth-registry.json). Read-only. Reads what BTHPORT keeps about remote devices under
# HKLM\SYSTEM\CurrentControlSet\Services\BTHPORT\Parameters: each Devices\<address> key's Name,
# COD, LastSeen, LastConnected, VID, PID, Version and VIDType where present, and the NAMES of the
# link keys under Keys\<radio> (a value per BR/EDR device, a subkey per LE device), never their
# values. Keys is readable by SYSTEM only; run otherwise, its error is recorded and Devices kept.
# A binary Name is written as NameHex (its bytes in hex) for the agent to decode as UTF-8.
# When it fails it writes {"CollectorError": "...", "LanguageMode": "..."} instead (still exit 0).
# By hand (as SYSTEM, or as an administrator for Devices alone):
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File collect-bluetooth.ps1 > bluetooth-registry.json
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Runs in PowerShell's Constrained Language Mode too (AppLocker and WDAC enforce it for
# -EncodedCommand scripts): cmdlets, operators and the core types about_Language_Modes allows only;
# no Add-Type, no New-Object, no .NET calls on other types (so no RegistryKey.GetValue, BitConverter
# or Text.Encoding: registry values come from Get-ItemProperty; test/windows-clm.test.ts checks this).
$mode = "$($ExecutionContext.SessionState.LanguageMode)"
# JSON with every non-ASCII character escaped (\uXXXX): what reaches the agent is the same whatever
# code page the console uses (a service has no console of its own to set to UTF-8). -split with a
# capturing group keeps each non-ASCII character as its own piece.
function ConvertTo-AsciiJson($value) {
  $json = ConvertTo-Json -InputObject $value -Depth 4 -Compress
  -join @(foreach ($piece in ($json -split '([^\x00-\x7F])')) {
      if ($piece.Length -eq 1 -and [int][char]$piece -gt 127) { '\u{0:x4}' -f [int][char]$piece } else { $piece }
    })
}
try {
  $base = 'HKLM:\SYSTEM\CurrentControlSet\Services\BTHPORT\Parameters'
  $address = '^[0-9A-Fa-f]{12}$'
  $errors = @()
  $devices = @()
  if (Test-Path -LiteralPath "$base\Devices") {
    $devices = @(foreach ($key in Get-ChildItem -LiteralPath "$base\Devices") {
        if ($key.PSChildName -notmatch $address) { continue }
        $values = Get-ItemProperty -LiteralPath $key.PSPath
        $entry = [ordered]@{ Address = $key.PSChildName }
        $name = $values.Name
        if ($name -is [byte[]]) { $entry.NameHex = -join @($name | ForEach-Object { '{0:x2}' -f $_ }) }
        elseif ($name -is [string]) { $entry.Name = $name }
        foreach ($value in 'COD', 'VID', 'PID', 'Version', 'VIDType') {
          # A REG_DWORD reads as a signed int: values from 0x80000000 up come back negative.
          $raw = $values.$value
          if ($raw -is [int]) { $entry[$value] = if ($raw -lt 0) { [int64]$raw + 4294967296 } else { [int64]$raw } }
        }
        foreach ($value in 'LastSeen', 'LastConnected') {
          # A FILETIME, as REG_QWORD or as 8 bytes of REG_BINARY (little-endian).
          $raw = $values.$value
          if ($raw -is [byte[]] -and $raw.Length -eq 8 -and $raw[7] -lt 128) {
            $filetime = [int64]0
            for ($i = 7; $i -ge 0; $i--) { $filetime = $filetime * 256 + $raw[$i] }
            $raw = $filetime
          }
          if ($raw -is [long] -and $raw -gt 0) { $entry[$value] = [datetime]::FromFileTimeUtc($raw).ToString('o') }
        }
        [pscustomobject]$entry
      })
  }
  $keys = @()
  try {
    if (Test-Path -LiteralPath "$base\Keys") {
      $keys = @(foreach ($radio in Get-ChildItem -LiteralPath "$base\Keys" -ErrorAction Stop) {
          # Property lists a key's value names (one per BR/EDR link key); the values are never read.
          [pscustomobject][ordered]@{
            Radio     = $radio.PSChildName
            Devices   = @($radio.Property | Where-Object { $_ -match $address })
            LEDevices = @(Get-ChildItem -LiteralPath $radio.PSPath -ErrorAction Stop |
                ForEach-Object { $_.PSChildName } | Where-Object { $_ -match $address })
          }
        })
    }
  } catch {
    $errors += "Keys: $($_.Exception.Message)"
  }
  $document = [ordered]@{ Devices = $devices; Keys = $keys; LanguageMode = $mode }
  if ($errors.Count -gt 0) { $document.Errors = $errors }
  ConvertTo-AsciiJson ([pscustomobject]$document)
  exit 0
} catch {
  # On standard output with exit 0, so the reason (and the language mode that may explain it)
  # reaches the agent, which reads standard output only, and a capture records it.
  ConvertTo-AsciiJson ([pscustomobject][ordered]@{ CollectorError = "collect-bluetooth.ps1: $($_.Exception.Message)"; LanguageMode = $mode })
  exit 0
}
