# collect-pnp.ps1: eca's Windows Plug and Play collector (pnp-devices.json, see probes/windows/README.md).
# Read-only. Lists the present device nodes of the classes eca judges (and the USB, storage, HID
# and Bluetooth enumerators' nodes whatever their class, so a device with no driver is not missed),
# with the properties eca needs under Windows' own names, as one JSON array on standard output.
# Missing properties are left out, never invented. When it fails it writes
# {"CollectorError": "...", "LanguageMode": "..."} instead (still exit 0). By hand:
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File collect-pnp.ps1 > pnp-devices.json
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Runs in PowerShell's Constrained Language Mode too (AppLocker and WDAC enforce it for
# -EncodedCommand scripts): cmdlets, operators and the core types about_Language_Modes allows only;
# no Add-Type, no New-Object, no .NET calls on other types (test/windows-clm.test.ts checks this).
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
  $classes = @('USB', 'USBDevice', 'HIDClass', 'Keyboard', 'Mouse', 'DiskDrive', 'SCSIAdapter', 'WPD',
    'Image', 'Camera', 'MEDIA', 'AudioEndpoint', 'Net', 'Biometric', 'Bluetooth', 'SmartCardReader',
    'Ports', 'Modem', 'AndroidUsbDeviceClass')
  $enumerators = '^(USB|NUSB3|IUSB3|AMDUSB30|USBSTOR|SCSI|HID|BTHENUM|BTHLE|BTHLEDEVICE)\\'
  $nodes = @(Get-PnpDevice -PresentOnly | Where-Object {
      ($classes -contains $_.Class) -or ($_.InstanceId -match $enumerators) })
  $keys = @('DEVPKEY_Device_Parent', 'DEVPKEY_Device_ContainerId', 'DEVPKEY_Device_InLocalMachineContainer',
    'DEVPKEY_Device_LocationPaths', 'DEVPKEY_Device_RemovalPolicy', 'DEVPKEY_Device_Capabilities',
    'DEVPKEY_Device_BusReportedDeviceDesc', 'DEVPKEY_Bluetooth_DeviceAddress', 'DEVPKEY_Bluetooth_ClassOfDevice',
    'DEVPKEY_Bluetooth_DeviceVIDSource', 'DEVPKEY_Bluetooth_DeviceVID', 'DEVPKEY_Bluetooth_DevicePID',
    'DEVPKEY_Bluetooth_DeviceProductVersion', 'DEVPKEY_Device_ProblemCode')
  $data = @{}
  if ($nodes.Count -gt 0) {
    $ids = @($nodes | ForEach-Object { $_.InstanceId })
    # One call for every node and key; a key this Windows does not know fails the call, so then ask key by key.
    $found = $null
    try { $found = @(Get-PnpDeviceProperty -InstanceId $ids -KeyName $keys -ErrorAction Stop) } catch { $found = $null }
    if ($null -eq $found) {
      $found = @(foreach ($key in $keys) {
          try { Get-PnpDeviceProperty -InstanceId $ids -KeyName $key -ErrorAction SilentlyContinue } catch { }
        })
    }
    foreach ($property in $found) {
      if ($null -ne $property.Data) {
        $data["$($property.InstanceId)|$($property.KeyName)"] = $property.Data
      }
    }
  }
  $out = @(foreach ($node in $nodes) {
    $get = { param($name) $data["$($node.InstanceId)|$name"] }
    $entry = [ordered]@{ InstanceId = $node.InstanceId }
    foreach ($name in 'Class', 'FriendlyName', 'Manufacturer', 'Present', 'Status', 'Service') {
      if ($null -ne $node.$name -and "$($node.$name)" -ne '') { $entry[$name] = $node.$name }
    }
    foreach ($name in 'HardwareID', 'CompatibleID') {
      if ($null -ne $node.$name) { $entry[$name] = @($node.$name | ForEach-Object { [string]$_ }) }
    }
    $value = & $get 'DEVPKEY_Device_Parent'; if ($null -ne $value) { $entry.Parent = [string]$value }
    $value = & $get 'DEVPKEY_Device_ContainerId'
    if ($null -ne $value) { $entry.ContainerId = '{' + ([guid]"$value").ToString().ToUpperInvariant() + '}' }
    $value = & $get 'DEVPKEY_Device_InLocalMachineContainer'; if ($null -ne $value) { $entry.InLocalMachineContainer = [bool]$value }
    $value = & $get 'DEVPKEY_Device_LocationPaths'; if ($null -ne $value) { $entry.LocationPaths = @($value | ForEach-Object { [string]$_ }) }
    $value = & $get 'DEVPKEY_Device_RemovalPolicy'; if ($null -ne $value) { $entry.RemovalPolicy = [int64]$value }
    # CM_DEVCAP_REMOVABLE is bit 0x4 of the device capabilities.
    $value = & $get 'DEVPKEY_Device_Capabilities'; if ($null -ne $value) { $entry.Removable = (([int64]$value -band 4) -ne 0) }
    $value = & $get 'DEVPKEY_Device_BusReportedDeviceDesc'; if ($null -ne $value) { $entry.BusReportedDeviceDesc = [string]$value }
    # The CM_PROB_* problem code (cfgmgr32.h; Microsoft Learn "Device Manager error messages"), 0 for
    # none: 22 (CM_PROB_DISABLED) is a node someone has disabled, which eca must leave alone.
    $value = & $get 'DEVPKEY_Device_ProblemCode'
    if ($null -ne $value -and [int64]$value -ne 0) { $entry.ProblemCode = [int64]$value }
    $value = & $get 'DEVPKEY_Bluetooth_DeviceAddress'; if ($null -ne $value) { $entry.BluetoothAddress = [string]$value }
    $value = & $get 'DEVPKEY_Bluetooth_ClassOfDevice'; if ($null -ne $value) { $entry.BluetoothClassOfDevice = [int64]$value }
    foreach ($name in 'VIDSource', 'VID', 'PID', 'ProductVersion') {
      $value = & $get "DEVPKEY_Bluetooth_Device$name"; if ($null -ne $value) { $entry["BluetoothDevice$name"] = [int64]$value }
    }
    [pscustomobject]$entry
  })
  ConvertTo-AsciiJson $out
  exit 0
} catch {
  # On standard output with exit 0, so the reason (and the language mode that may explain it)
  # reaches the agent, which reads standard output only, and a capture records it.
  ConvertTo-AsciiJson ([pscustomobject][ordered]@{ CollectorError = "collect-pnp.ps1: $($_.Exception.Message)"; LanguageMode = $mode })
  exit 0
}
