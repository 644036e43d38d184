// The in-process replacement for collect-pnp.ps1 chosen in BENCHMARKS.md ("Windows scan"), pure
// half: which nodes to list and how a device node's raw properties (DEVPROPTYPE + bytes, as
// CM_Get_DevNode_PropertyW returns them) become the same PnpDevice objects the PowerShell collector
// writes, so the parsers, captures and goldens are shared. The FFI half is cfgmgr32.ts.
// Sources: devpkey.h / devpropdef.h as transcribed in github.com/smourier/DirectN (PROPERTYKEY.cs:
// DEVPKEY_Device_* ids) and the winpnp package's Bluetooth table (DEVPKEY_Bluetooth_* ids 1–12).

import type { PnpDevice } from "./pnp-document.ts";

export interface DevPropKey {
  /** Format id, lowercase, no braces. */
  fmtid: string;
  pid: number;
}

const DEVICE = "a45c254e-df1c-4efd-8020-67d146a850e0";
const RELATIONS = "4340a6c5-93fa-4706-972c-7b648008a5a7";
const CONTAINER = "8c7ed206-3f8a-4827-b3ab-ae9e1faefc6c";
const DEVICE_2 = "540b947e-8b40-45bc-a8a2-6a0b894cbda2";
const BLUETOOTH = "2bd67d8b-8beb-48d5-87e0-6cda3428040a";

/** The DEVPKEYs collect-pnp.ps1 reads, by the field of PnpDevice they fill. */
export const DEVPKEYS = {
  DeviceDesc: { fmtid: DEVICE, pid: 2 },
  HardwareID: { fmtid: DEVICE, pid: 3 },
  CompatibleID: { fmtid: DEVICE, pid: 4 },
  Service: { fmtid: DEVICE, pid: 6 },
  Class: { fmtid: DEVICE, pid: 9 },
  Manufacturer: { fmtid: DEVICE, pid: 13 },
  FriendlyName: { fmtid: DEVICE, pid: 14 },
  Capabilities: { fmtid: DEVICE, pid: 17 },
  RemovalPolicy: { fmtid: DEVICE, pid: 33 },
  LocationPaths: { fmtid: DEVICE, pid: 37 },
  Parent: { fmtid: RELATIONS, pid: 8 },
  ContainerId: { fmtid: CONTAINER, pid: 2 },
  InLocalMachineContainer: { fmtid: CONTAINER, pid: 4 },
  BusReportedDeviceDesc: { fmtid: DEVICE_2, pid: 4 },
  BluetoothAddress: { fmtid: BLUETOOTH, pid: 1 },
  BluetoothDeviceVIDSource: { fmtid: BLUETOOTH, pid: 6 },
  BluetoothDeviceVID: { fmtid: BLUETOOTH, pid: 7 },
  BluetoothDevicePID: { fmtid: BLUETOOTH, pid: 8 },
  BluetoothDeviceProductVersion: { fmtid: BLUETOOTH, pid: 9 },
  BluetoothClassOfDevice: { fmtid: BLUETOOTH, pid: 10 },
} as const satisfies Record<string, DevPropKey>;

export type DevPKeyName = keyof typeof DEVPKEYS;

/** DEVPROPTYPE values (devpropdef.h). */
export const DEVPROP_TYPE = {
  BYTE: 0x03,
  UINT16: 0x05,
  UINT32: 0x07,
  GUID: 0x0d,
  BOOLEAN: 0x11,
  STRING: 0x12,
  STRING_LIST: 0x2012,
} as const;

/** The setup classes and enumerators collect-pnp.ps1 lists (test/windows-cfgmgr32.test.ts holds them equal). */
export const LISTED_CLASSES: ReadonlySet<string> = new Set([
  "USB",
  "USBDevice",
  "HIDClass",
  "Keyboard",
  "Mouse",
  "DiskDrive",
  "SCSIAdapter",
  "WPD",
  "Image",
  "Camera",
  "MEDIA",
  "AudioEndpoint",
  "Net",
  "Biometric",
  "Bluetooth",
  "SmartCardReader",
  "Ports",
  "Modem",
  "AndroidUsbDeviceClass",
]);
export const LISTED_ENUMERATORS: ReadonlySet<string> = new Set([
  "USB",
  "NUSB3",
  "IUSB3",
  "AMDUSB30",
  "USBSTOR",
  "SCSI",
  "HID",
  "BTHENUM",
  "BTHLE",
  "BTHLEDEVICE",
]);

export type PropertyValue = string | string[] | number | boolean;

/** A DEVPROPKEY as the 20 bytes CfgMgr32 takes: the GUID in its mixed-endian layout, then the pid. */
export function devPropKeyBytes(key: DevPropKey): Uint8Array {
  const hex = key.fmtid.replaceAll("-", "");
  const bytes = new Uint8Array(20);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Number.parseInt(hex.slice(0, 8), 16), true);
  view.setUint16(4, Number.parseInt(hex.slice(8, 12), 16), true);
  view.setUint16(6, Number.parseInt(hex.slice(12, 16), 16), true);
  for (let i = 0; i < 8; i++) bytes[8 + i] = Number.parseInt(hex.slice(16 + i * 2, 18 + i * 2), 16);
  view.setUint32(16, key.pid, true);
  return bytes;
}

/** UTF-16LE bytes as a string, an odd last byte dropped (NULs kept). */
export function utf16(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength - (bytes.byteLength % 2)).toString(
    "utf16le",
  );
}

/** The GUID whose 16 bytes (mixed-endian, as in memory) start at `offset`: "{A5DCBF10-6530-11D2-901F-00C04FB951ED}". */
export function guidAt(view: DataView, offset: number): string {
  const hex = (value: number, digits: number) => value.toString(16).padStart(digits, "0");
  const tail = Array.from({ length: 8 }, (_, i) => hex(view.getUint8(offset + 8 + i), 2)).join("");
  return `{${hex(view.getUint32(offset, true), 8)}-${hex(view.getUint16(offset + 4, true), 4)}-${hex(view.getUint16(offset + 6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}}`.toUpperCase();
}

/** One property's bytes → its value; undefined for a type eca does not read or a short buffer. */
export function decodeProperty(type: number, bytes: Uint8Array): PropertyValue | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case DEVPROP_TYPE.STRING:
      return utf16(bytes).replace(/\0+$/, "");
    case DEVPROP_TYPE.STRING_LIST:
      return utf16(bytes)
        .split("\0")
        .filter((item) => item !== "");
    case DEVPROP_TYPE.BYTE:
      return bytes.byteLength >= 1 ? view.getUint8(0) : undefined;
    case DEVPROP_TYPE.UINT16:
      return bytes.byteLength >= 2 ? view.getUint16(0, true) : undefined;
    case DEVPROP_TYPE.UINT32:
      return bytes.byteLength >= 4 ? view.getUint32(0, true) : undefined;
    case DEVPROP_TYPE.BOOLEAN:
      // DEVPROP_TRUE is 0xFF, DEVPROP_FALSE 0.
      return bytes.byteLength >= 1 ? view.getUint8(0) !== 0 : undefined;
    case DEVPROP_TYPE.GUID:
      return bytes.byteLength >= 16 ? guidAt(view, 0) : undefined;
    default:
      return undefined;
  }
}

/** Whether collect-pnp.ps1 would list a node of this class and instance id. */
export function isListed(instanceId: string, setupClass: string | undefined): boolean {
  const enumerator = instanceId.slice(0, instanceId.indexOf("\\")).toUpperCase();
  return (setupClass !== undefined && LISTED_CLASSES.has(setupClass)) || LISTED_ENUMERATORS.has(enumerator);
}

const STRINGS = [
  "Class",
  "Manufacturer",
  "Service",
  "Parent",
  "ContainerId",
  "BusReportedDeviceDesc",
  "BluetoothAddress",
] as const;
const LISTS = ["HardwareID", "CompatibleID", "LocationPaths"] as const;
const NUMBERS = [
  "RemovalPolicy",
  "BluetoothClassOfDevice",
  "BluetoothDeviceVIDSource",
  "BluetoothDeviceVID",
  "BluetoothDevicePID",
  "BluetoothDeviceProductVersion",
] as const;

/**
 * A present node's properties → the object collect-pnp.ps1 writes for it. `read` gives a decoded
 * property or undefined; `problem` is the node's CM problem code (0: none).
 */
export function pnpDeviceFromProperties(
  instanceId: string,
  read: (name: DevPKeyName) => PropertyValue | undefined,
  problem: number,
): PnpDevice {
  const device: PnpDevice = { InstanceId: instanceId };
  const record = device as unknown as Record<string, unknown>;
  for (const name of STRINGS) {
    const value = read(name);
    if (typeof value === "string" && value !== "") record[name] = value;
  }
  // Win32_PnPEntity's Name, which Get-PnpDevice shows as FriendlyName: the friendly name, else the description.
  const name = read("FriendlyName") ?? read("DeviceDesc");
  if (typeof name === "string" && name !== "") device.FriendlyName = name;
  for (const list of LISTS) {
    const value = read(list);
    if (Array.isArray(value)) record[list] = value;
  }
  for (const number of NUMBERS) {
    const value = read(number);
    if (typeof value === "number") record[number] = value;
  }
  const inMachine = read("InLocalMachineContainer");
  if (typeof inMachine === "boolean") device.InLocalMachineContainer = inMachine;
  const capabilities = read("Capabilities");
  // CM_DEVCAP_REMOVABLE.
  if (typeof capabilities === "number") device.Removable = (capabilities & 0x4) !== 0;
  device.Present = true;
  device.Status = problem === 0 ? "OK" : "Error";
  // What collect-pnp.ps1 reads as DEVPKEY_Device_ProblemCode, here from CM_Get_DevNode_Status.
  if (problem !== 0) device.ProblemCode = problem;
  return device;
}
