// systeminformation (si) as a cross-platform source: names and serials that libusb cannot read
// without opening devices, and a FALLBACK where libusb is missing. What si gives depends on the OS
// (node_modules/systeminformation/lib/usb.js and bluetooth.js):
// - Linux: `lsusb -v` → VID:PID, bus and device number, iManufacturer and iSerial strings, the
//   usb.ids names; no interface classes (only the first interface's class name, as `type`).
// - macOS: `ioreg -p IOUSB` → names and serial, but NOT the VID:PID or location; `non-removable`.
//   `system_profiler SPBluetoothDataType -json` → paired devices with address and connected state.
// - Windows: WMI CIM_LogicalDevice → PnP device ids (VID/PID and often the serial inside), names;
//   devices si cannot give a type (phones, most vendor-specific devices) are DROPPED by si.
//   Win32_PNPEntity → Bluetooth device names only, no address.
// The mapping functions are pure and tested on recorded si outputs (test/fixtures/systeminformation/).

import { usbObservationId } from "./linux/usb-sysfs-parse.ts";
import { Probe, type ProbeOptions } from "./probe.ts";
import type { BluetoothObservation, Observation, Snapshot, SourceName, UsbObservation } from "./types.ts";

/** One item of `si.usb()`; every field may be null (si's typings promise more than it delivers). */
export interface SiUsbItem {
  id?: number | string | null;
  bus?: number | null;
  deviceId?: number | string | null;
  name?: string | null;
  type?: string | null;
  /** Windows/Linux: null. macOS: the lowercased `non-removable` value ("yes"/"no"), or true if absent. */
  removable?: boolean | string | null;
  vendor?: string | null;
  manufacturer?: string | null;
  maxPower?: string | null;
  serialNumber?: string | null;
}

/** One item of `si.bluetoothDevices()`. */
export interface SiBluetoothItem {
  device?: string | null;
  name?: string | null;
  manufacturer?: string | null;
  macDevice?: string | null;
  macHost?: string | null;
  batteryPercent?: number | null;
  type?: string | null;
  connected?: boolean | null;
}

/** The OSes whose si output we know how to read. */
export type SiPlatform = "linux" | "darwin" | "win32";

function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** Windows fills Manufacturer with driver-class placeholders such as "(Standard USB HUBs)": not a name. */
function vendorName(value: unknown): string | undefined {
  const name = text(value);
  return name === undefined || /^\(.*\)$/.test(name) ? undefined : name;
}

interface UsbIdentity {
  vendorId?: string;
  productId?: string;
  serial?: string;
  /** Not a kernel port path: si has none. Unique within one si answer, so ids stay distinct. */
  portPath: string;
  isRootHub: boolean;
  removable?: UsbObservation["removable"];
}

/** Windows generates instance ids containing "&" when the device has no usable serial number. */
const WINDOWS_DEVICE_ID = /^(?:USB|HID)\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})[^\\]*\\(.+)$/i;

/** How to read each OS's si item: the shape of `id`, `deviceId` and `removable` differs per OS. */
const IDENTITY: Record<SiPlatform, (item: SiUsbItem, index: number) => UsbIdentity | undefined> = {
  linux(item, index) {
    const match = /^([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(String(item.id ?? ""));
    const bus = typeof item.bus === "number" ? item.bus : undefined;
    const device = typeof item.deviceId === "number" ? item.deviceId : undefined;
    const identity: UsbIdentity = {
      portPath: bus !== undefined && device !== undefined ? `bus${bus}-device${device}` : `item${index}`,
      // Linux numbers the root hub 1 on every bus.
      isRootHub: device === 1,
    };
    if (match?.[1] && match[2]) {
      identity.vendorId = match[1].toLowerCase();
      identity.productId = match[2].toLowerCase();
    }
    const serial = text(item.serialNumber);
    if (serial !== undefined) identity.serial = serial;
    return identity;
  },
  darwin(item, index) {
    const address = typeof item.id === "number" ? item.id : undefined;
    const identity: UsbIdentity = {
      portPath: address !== undefined ? `address${address}` : `item${index}`,
      isRootHub: /root hub/i.test(item.name ?? ""),
      // si sets "yes"/"no" from IOKit's `non-removable` and `true` when the key is absent: only
      // the strings are evidence.
      removable: item.removable === "yes" ? "fixed" : item.removable === "no" ? "removable" : "unknown",
    };
    const serial = text(item.serialNumber);
    if (serial !== undefined) identity.serial = serial;
    return identity;
  },
  win32(item, index) {
    const deviceId = text(typeof item.deviceId === "string" ? item.deviceId : undefined);
    // Host controllers (PCI\..., ROOT\USB\...) are not USB devices.
    if (item.type === "Controller") return undefined;
    const identity: UsbIdentity = {
      portPath: deviceId ?? `item${index}`,
      isRootHub: /^USB\\ROOT_HUB/i.test(deviceId ?? ""),
    };
    const match = WINDOWS_DEVICE_ID.exec(deviceId ?? "");
    if (match?.[1] && match[2]) {
      identity.vendorId = match[1].toLowerCase();
      identity.productId = match[2].toLowerCase();
      const instance = match[3] ?? "";
      if (!instance.includes("&")) identity.serial = instance;
    }
    return identity;
  },
};

/** What si cannot tell, per OS, so IT support reads the gap next to the device. */
const USB_LIMITS: Record<SiPlatform, string> = {
  linux: "systeminformation (lsusb -v) gives no interface classes; product is the usb.ids name",
  darwin: "systeminformation (ioreg) gives no vendor/product id and no interface classes",
  win32: "systeminformation (WMI) gives no interface classes; it leaves out devices it cannot type",
};

/** One `si.usb()` item → an observation, or undefined for what is not a USB device. Pure. */
export function observationFromSiUsb(
  item: SiUsbItem,
  index: number,
  platform: SiPlatform,
): UsbObservation | undefined {
  const identity = IDENTITY[platform](item, index);
  if (!identity) return undefined;
  const warnings = [USB_LIMITS[platform]];
  const type = text(item.type);
  if (type !== undefined) warnings.push(`systeminformation's own guess at the type: ${type}`);
  const observation: UsbObservation = {
    bus: "usb",
    source: "systeminformation",
    id: usbObservationId(identity.vendorId, identity.productId, identity.serial, `si:${identity.portPath}`),
    interfaces: [],
    portPath: `si:${identity.portPath}`,
    parents: [],
    isRootHub: identity.isRootHub,
  };
  if (identity.vendorId !== undefined) observation.vendorId = identity.vendorId;
  if (identity.productId !== undefined) observation.productId = identity.productId;
  if (identity.serial !== undefined) observation.serial = identity.serial;
  const manufacturer = vendorName(item.manufacturer) ?? vendorName(item.vendor);
  if (manufacturer !== undefined) observation.manufacturer = manufacturer;
  const product = text(item.name);
  if (product !== undefined) observation.product = product;
  const power = /^\s*(\d+)\s*mA\s*$/.exec(item.maxPower ?? "");
  if (power) observation.maxPowerMilliamps = Number(power[1]);
  if (identity.removable !== undefined) observation.removable = identity.removable;
  observation.warnings = warnings;
  return observation;
}

const ADDRESS = /^([0-9A-F]{2}[:-]){5}[0-9A-F]{2}$/i;

function normaliseAddress(value: unknown): string | undefined {
  const candidate = text(value);
  if (candidate === undefined || !ADDRESS.test(candidate)) return undefined;
  return candidate.toUpperCase().replaceAll("-", ":");
}

/**
 * One `si.bluetoothDevices()` item → an observation; undefined without a usable address (Windows
 * gives none), since an observation is keyed by address. Pure.
 */
export function observationFromSiBluetooth(
  item: SiBluetoothItem,
  platform: SiPlatform,
): BluetoothObservation | undefined {
  const address = normaliseAddress(item.macDevice);
  if (address === undefined) return undefined;
  const warnings: string[] = [];
  // macOS's system_profiler lists paired devices (its own heading says so); elsewhere si does not say.
  const paired = platform === "darwin";
  if (!paired) warnings.push("systeminformation does not report whether the device is paired");
  if (typeof item.connected !== "boolean") {
    warnings.push("systeminformation does not report whether the device is connected");
  }
  const observation: BluetoothObservation = {
    bus: "bluetooth",
    source: "systeminformation",
    id: `bt:${address}`,
    address,
    uuids: [],
    paired,
    bonded: false,
    connected: item.connected === true,
  };
  const adapter = normaliseAddress(item.macHost) ?? text(item.macHost);
  if (adapter !== undefined) observation.adapter = adapter;
  const name = text(item.name);
  if (name !== undefined) observation.name = name;
  if (warnings.length > 0) observation.warnings = warnings;
  return observation;
}

/** Both si answers → a snapshot. Pure: what the probe does after asking si. */
export function snapshotFromSi(
  usb: SiUsbItem[] | null | undefined,
  bluetooth: SiBluetoothItem[] | null | undefined,
  platform: SiPlatform,
): Snapshot {
  const observations: Observation[] = [];
  const unavailable: Snapshot["unavailable"] = [];
  if (Array.isArray(usb)) {
    const seen = new Map<string, number>();
    usb.forEach((item, index) => {
      const observation = observationFromSiUsb(item, index, platform);
      if (!observation) return;
      // macOS addresses repeat across buses: keep ids distinct within one answer.
      const count = (seen.get(observation.id) ?? 0) + 1;
      seen.set(observation.id, count);
      if (count > 1) observation.id = `${observation.id}#${count}`;
      observations.push(observation);
    });
  } else {
    unavailable.push({ source: "systeminformation", reason: "usb: systeminformation gave no answer" });
  }
  if (Array.isArray(bluetooth)) {
    const withoutAddress: string[] = [];
    for (const item of bluetooth) {
      const observation = observationFromSiBluetooth(item, platform);
      if (observation) observations.push(observation);
      else withoutAddress.push(text(item.name) ?? "unnamed");
    }
    if (withoutAddress.length > 0) {
      unavailable.push({
        source: "systeminformation",
        reason: `bluetooth: ${withoutAddress.length} device(s) reported without an address, so they cannot be checked: ${withoutAddress.join(", ")}`,
      });
    }
  } else {
    unavailable.push({ source: "systeminformation", reason: "bluetooth: systeminformation gave no answer" });
  }
  return { observations, unavailable };
}

// ---------------------------------------------------------------------------------------------
// I/O: systeminformation, lazily loaded (it shells out to lsusb/ioreg/system_profiler/PowerShell).

interface SiModule {
  usb(): Promise<SiUsbItem[] | null>;
  bluetoothDevices(): Promise<SiBluetoothItem[] | null>;
}

function siPlatform(platform: NodeJS.Platform): SiPlatform | undefined {
  return platform === "linux" || platform === "darwin" || platform === "win32" ? platform : undefined;
}

class SystemInformationProbe extends Probe {
  readonly name: SourceName = "systeminformation";

  async snapshot(): Promise<Snapshot> {
    const platform = siPlatform(process.platform);
    if (!platform) {
      return unavailable(`systeminformation's USB and Bluetooth readers do not support ${process.platform}`);
    }
    let si: SiModule;
    try {
      // Literal specifier: the SEA bundler resolves only literal imports.
      const loaded = (await import("systeminformation")) as unknown as SiModule & { default?: SiModule };
      si = loaded.default ?? loaded;
    } catch (error) {
      return unavailable(`the systeminformation module could not load: ${message(error)}`);
    }
    const [usb, bluetooth] = await Promise.all([
      si.usb().catch(() => null),
      si.bluetoothDevices().catch(() => null),
    ]);
    return snapshotFromSi(usb, bluetooth, platform);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unavailable(reason: string): Snapshot {
  return { observations: [], unavailable: [{ source: "systeminformation", reason }] };
}

export function createSystemInformationProbe(_options: ProbeOptions): Probe {
  return new SystemInformationProbe();
}
