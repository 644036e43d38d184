# collect-bluetooth.ps1: eca's Windows Bluetooth registry collector (see probes/windows/README.md,
# bluetooth-registry.json). Read-only. Reads what BTHPORT keeps about remote devices under
# HKLM\SYSTEM\CurrentControlSet\Services\BTHPORT\Parameters: each Devices\<address> key's Name,
# COD, LastSeen, LastConnected, VID, PID, Version and VIDType where present, and the NAMES of the
# link keys under Keys\<radio> (a value per BR/EDR device, a subkey per LE device), never their
# values. Keys is readable by SYSTEM only; run otherwise, its error is recorded and Devices kept.
# By hand (as SYSTEM, or as an administrator for Devices alone):
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File collect-bluetooth.ps1 > bluetooth-registry.json
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# JSON with every non-ASCII character escaped (\uXXXX): what reaches the agent is the same whatever
# code page the console uses (a service has no console of its own to set to UTF-8).
function ConvertTo-AsciiJson($value) {
  $json = ConvertTo-Json -InputObject $value -Depth 4 -Compress
  [regex]::Replace($json, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
}
try {
  $base = 'HKLM:\SYSTEM\CurrentControlSet\Services\BTHPORT\Parameters'
  $address = '^[0-9A-Fa-f]{12}$'
  $devices = New-Object System.Collections.ArrayList
  $keys = New-Object System.Collections.ArrayList
  $errors = New-Object System.Collections.ArrayList
  if (Test-Path -LiteralPath "$base\Devices") {
    foreach ($key in Get-ChildItem -LiteralPath "$base\Devices") {
      if ($key.PSChildName -notmatch $address) { continue }
      $entry = [ordered]@{ Address = $key.PSChildName }
      $name = $key.GetValue('Name')
      if ($name -is [byte[]]) { $entry.Name = [Text.Encoding]::UTF8.GetString($name).TrimEnd([char]0) }
      elseif ($name -is [string]) { $entry.Name = $name }
      foreach ($value in 'COD', 'VID', 'PID', 'Version', 'VIDType') {
        $raw = $key.GetValue($value)
        if ($raw -is [int]) { $entry[$value] = [BitConverter]::ToUInt32([BitConverter]::GetBytes([int32]$raw), 0) }
      }
      foreach ($value in 'LastSeen', 'LastConnected') {
        $raw = $key.GetValue($value)
        if ($raw -is [byte[]] -and $raw.Length -eq 8) { $raw = [BitConverter]::ToInt64($raw, 0) }
        if ($raw -is [long] -and $raw -gt 0) { $entry[$value] = [DateTime]::FromFileTimeUtc($raw).ToString('o') }
      }
      [void]$devices.Add([pscustomobject]$entry)
    }
  }
  try {
    if (Test-Path -LiteralPath "$base\Keys") {
      foreach ($radio in Get-ChildItem -LiteralPath "$base\Keys" -ErrorAction Stop) {
        [void]$keys.Add([pscustomobject][ordered]@{
            Radio     = $radio.PSChildName
            Devices   = @($radio.GetValueNames() | Where-Object { $_ -match $address })
            LEDevices = @($radio.GetSubKeyNames() | Where-Object { $_ -match $address })
          })
      }
    }
  } catch {
    [void]$errors.Add("Keys: $($_.Exception.Message)")
  }
  $document = [ordered]@{ Devices = @($devices.ToArray()); Keys = @($keys.ToArray()) }
  if ($errors.Count -gt 0) { $document.Errors = @($errors.ToArray()) }
  [Console]::Out.Write((ConvertTo-AsciiJson ([pscustomobject]$document)))
  exit 0
} catch {
  [Console]::Error.WriteLine("collect-bluetooth.ps1: $($_.Exception.Message)")
  exit 1
}
