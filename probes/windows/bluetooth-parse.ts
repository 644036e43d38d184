// Pure parsing of what Windows keeps about remote Bluetooth devices into BluetoothObservations,
// the shape BlueZ's probes fill, so a paired car or phone gets the same kind and rule as on Linux.
//
// Two sources:
// - Plug and Play nodes (pnp-devices.json). Windows creates nodes for paired devices only:
//   BTHENUM\Dev_<address>\... for a BR/EDR device, BTHLE\Dev_<address>\... for an LE one, and one
//   node per service: BTHENUM\{<service uuid>}_VID&<source><vendor>_PID&<product>\...&<address>_C00000000
//   (BR/EDR profiles) and BTHLEDEVICE\{<service uuid>}_Dev_VID&<source><vendor>_PID&<product>_REV&<version>_<address>\...
//   (GATT services). Service nodes give the service UUIDs and the Device ID; device nodes carry
//   DEVPKEY_Bluetooth_DeviceAddress, _ClassOfDevice and the LE appearance.
// - bluetooth-registry.json: HKLM\SYSTEM\CurrentControlSet\Services\BTHPORT\Parameters\Devices\<address>
//   (Name, COD, LastSeen, LastConnected, VID/PID where written) and the names, never the values,
//   of the link keys under ...\Parameters\Keys\<radio>: a value per BR/EDR device, a subkey per LE
//   device. A device with a key is bonded, including ones not around now, as BlueZ's store shows.
// Sources: Microsoft Learn "Bluetooth Device Identifiers" (BTHENUM/BTHLE ids); "Device ID
// profile" (VID source 0x0001 Bluetooth SIG, 0x0002 USB-IF); the BTHPORT layout as read by
// RegRipper's bthport.pl (github.com/sleuthkit/autopsy thirdparty/rr-full/plugins) and
// github.com/lpimem/dual-boot-bluetooth-pair (Keys: BR/EDR as values, LE as subkeys).

import type { BluetoothObservation, SourceName } from "../types.ts";
import { collectorFailure, type PnpDevice } from "./pnp-document.ts";

const SOURCE: SourceName = "windows-bluetooth";

/** "BTHENUM\Dev_887598C2F5F2\..." or "BTHLE\Dev_c0ffee123456\...". */
const DEVICE_NODE = /^(BTHENUM|BTHLE)\\Dev_([0-9A-F]{12})\\/i;
/**
 * "BTHENUM\{0000111f-...}_VID&0001004c_PID&7613\7&2a22be62&0&44A10EB22CB4_C00000000"; some stacks
 * put a word before VID ("_HCIBYPASS_VID&0001054C_PID&0D58"), devices without a Device ID record
 * "_LOCALMFG&<radio maker>".
 */
const PROFILE_NODE =
  /^BTHENUM\\\{([0-9A-F-]{36})\}_(?:(?:[A-Z]+_)?VID&([0-9A-F]{4})([0-9A-F]{4})_PID&([0-9A-F]{4})|LOCALMFG&[0-9A-F]{4})\\.*&([0-9A-F]{12})_C[0-9A-F]{8}$/i;
/** "BTHLEDEVICE\{00001812-...}_Dev_VID&02046d_PID&b023_REV&0011_c8a1b2c3d4e5\8&...". */
const GATT_NODE =
  /^BTHLEDEVICE\\\{([0-9A-F-]{36})\}_Dev_VID&([0-9A-F]{2})([0-9A-F]{4})_PID&([0-9A-F]{4})_REV&([0-9A-F]{4})_([0-9A-F]{12})\\/i;

/**
 * GAP appearances that stand for the class of the HID node Windows creates below a paired
 * keyboard or mouse (Assigned Numbers 2.6.3: 0x03C1 Keyboard, 0x03C2 Mouse), used only when the
 * device itself gave neither a Class of Device nor an appearance (LE devices, whose appearance the
 * listing lacks). The observation then says so in its warnings.
 */
const HID_CLASS_APPEARANCES: Record<string, number> = { keyboard: 0x03c1, mouse: 0x03c2 };

/** Device ID vendor id sources (Device ID profile): 1 Bluetooth SIG company ids, 2 USB-IF vendor ids. */
const VID_SOURCES: Record<number, "bluetooth" | "usb"> = { 1: "bluetooth", 2: "usb" };

/** "c0ffee123456" → "C0:FF:EE:12:34:56"; undefined for anything else or the all-zero local address. */
export function formatAddress(raw: string | undefined): string | undefined {
  const hex = raw?.replace(/[:-]/g, "").trim();
  if (!hex || !/^[0-9A-F]{12}$/i.test(hex) || /^0{12}$/.test(hex)) return undefined;
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

function modalias(source: number, vendor: string, product: string, version: string): string | undefined {
  const kind = VID_SOURCES[source];
  return kind
    ? `${kind}:v${vendor.toUpperCase()}p${product.toUpperCase()}d${version.toUpperCase()}`
    : undefined;
}

interface Gathered {
  address: string;
  name?: string;
  classOfDevice?: number;
  appearance?: number;
  uuids: Set<string>;
  modalias?: string;
  bonded: boolean;
  /** Seen as a PnP node: Windows made the device part of the machine's device tree when it paired. */
  inPnp: boolean;
  /** BTHPORT recorded a LastConnected time: Windows connects only to devices it paired. */
  connectedOnce: boolean;
  /** Setup class and instance id of a Keyboard or Mouse node below the device. */
  hidChild?: { kind: string; instanceId: string };
  warnings: string[];
}

function gather(map: Map<string, Gathered>, address: string): Gathered {
  let entry = map.get(address);
  if (!entry) {
    entry = { address, uuids: new Set(), bonded: false, inPnp: false, connectedOnce: false, warnings: [] };
    map.set(address, entry);
  }
  return entry;
}

function clean(text: string | undefined): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const cleaned = text?.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return cleaned ? cleaned : undefined;
}

function u24(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= 0xffffff
    ? value
    : undefined;
}

function u16(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= 0xffff ? value : undefined;
}

/** Folds the Bluetooth PnP nodes of a listing into per-address facts. */
function fromPnp(devices: readonly PnpDevice[], map: Map<string, Gathered>): void {
  const addressOf = new Map<string, string>();
  for (const node of devices) {
    if (node.Present === false) continue;
    const id = node.InstanceId;
    const device = DEVICE_NODE.exec(id);
    if (device) {
      const address = formatAddress(node.BluetoothAddress) ?? formatAddress(device[2]);
      if (!address) continue;
      const entry = gather(map, address);
      addressOf.set(id.toUpperCase(), address);
      entry.inPnp = true;
      entry.name ??= clean(node.FriendlyName);
      entry.classOfDevice ??= u24(node.BluetoothClassOfDevice);
      entry.appearance ??= u16(node.BluetoothAppearance);
      const vendor = u16(node.BluetoothDeviceVID);
      const product = u16(node.BluetoothDevicePID);
      if (vendor !== undefined && product !== undefined && node.BluetoothDeviceVIDSource !== undefined) {
        const hex = (value: number) => value.toString(16).padStart(4, "0");
        const version = hex(u16(node.BluetoothDeviceProductVersion) ?? 0);
        // The device node's Device ID has its version: it wins over a profile node's.
        entry.modalias =
          modalias(node.BluetoothDeviceVIDSource, hex(vendor), hex(product), version) ?? entry.modalias;
      }
      continue;
    }
    const profile = PROFILE_NODE.exec(id);
    if (profile) {
      const address = formatAddress(profile[5]);
      if (!address) continue; // local services carry the all-zero address
      const entry = gather(map, address);
      addressOf.set(id.toUpperCase(), address);
      entry.inPnp = true;
      entry.uuids.add((profile[1] ?? "").toLowerCase());
      // The profile id has no version: d0000 stands for "not reported".
      if (profile[2] && profile[3] && profile[4]) {
        entry.modalias ??= modalias(Number.parseInt(profile[2], 16), profile[3], profile[4], "0000");
      }
      entry.classOfDevice ??= u24(node.BluetoothClassOfDevice);
      continue;
    }
    const gatt = GATT_NODE.exec(id);
    if (gatt) {
      const address = formatAddress(gatt[6]);
      if (!address) continue;
      const entry = gather(map, address);
      addressOf.set(id.toUpperCase(), address);
      entry.inPnp = true;
      entry.uuids.add((gatt[1] ?? "").toLowerCase());
      if (gatt[2] && gatt[3] && gatt[4] && gatt[5]) {
        entry.modalias ??= modalias(Number.parseInt(gatt[2], 16), gatt[3], gatt[4], gatt[5]);
      }
    }
  }
  const byId = new Map(devices.map((node) => [node.InstanceId.toUpperCase(), node]));
  // Keyboard and Mouse nodes hang below a device's HID service node (BTHENUM\{00001124-...} or
  // BTHLEDEVICE\{00001812-...}), possibly through a HID collection node.
  for (const node of devices) {
    const kind = node.Class?.toLowerCase();
    if (node.Present === false || kind === undefined || HID_CLASS_APPEARANCES[kind] === undefined) continue;
    let parent = node.Parent;
    for (let depth = 0; parent && depth < 4; depth++) {
      const address = addressOf.get(parent.toUpperCase());
      if (address) {
        const entry = map.get(address);
        if (entry) entry.hidChild ??= { kind, instanceId: node.InstanceId };
        break;
      }
      parent = byId.get(parent.toUpperCase())?.Parent;
    }
  }
  for (const entry of map.values()) {
    const child = entry.hidChild;
    if (!child || entry.classOfDevice !== undefined || entry.appearance !== undefined) continue;
    entry.appearance = HID_CLASS_APPEARANCES[child.kind];
    entry.warnings.push(
      `appearance 0x${entry.appearance?.toString(16).toUpperCase().padStart(4, "0")} stands for Windows' ${child.kind} node ${child.instanceId} below the device; the device's own appearance is not in the listing`,
    );
  }
}

/** One BTHPORT\Parameters\Devices\<address> key as collect-bluetooth.ps1 records it. */
export interface BthportDevice {
  Address: string;
  /** The binary Name value decoded as UTF-8, NUL removed. */
  Name?: string;
  COD?: number;
  /** FILETIME values as ISO 8601 UTC. */
  LastSeen?: string;
  LastConnected?: string;
  VID?: number;
  PID?: number;
  Version?: number;
  /** Device ID vendor id source when written (1 Bluetooth SIG, 2 USB-IF). */
  VIDType?: number;
}

/** The names under BTHPORT\Parameters\Keys\<radio>: which devices have a stored key. */
export interface BthportKeys {
  Radio: string;
  /** BR/EDR link keys: one value per device address. */
  Devices?: string[];
  /** LE long-term keys: one subkey per device address. */
  LEDevices?: string[];
}

export interface BluetoothRegistry {
  Devices?: BthportDevice[];
  Keys?: BthportKeys[];
  /** What the collector could not read ("Keys: Requested registry access is not allowed."). */
  Errors?: string[];
}

export class BluetoothRegistryError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "BluetoothRegistryError";
  }
}

function list<T>(value: unknown): T[] {
  if (Array.isArray(value)) return value as T[];
  // ConvertTo-Json writes a list of one as the item itself.
  return value !== null && typeof value === "object" ? [value as T] : [];
}

/** Parses bluetooth-registry.json; throws only when the document as a whole is unusable. */
export function parseBluetoothRegistry(
  text: string,
  file = "bluetooth-registry.json",
): { registry: BluetoothRegistry; warnings: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new BluetoothRegistryError(
      file,
      `is not JSON (${(error as Error).message}); record it again with probes/windows/collect-bluetooth.ps1`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new BluetoothRegistryError(
      file,
      'must be an object {"Devices": [...], "Keys": [...]} (see probes/windows/README.md)',
    );
  }
  const failure = collectorFailure(parsed);
  if (failure !== undefined) throw new BluetoothRegistryError(file, failure);
  const record = parsed as Record<string, unknown>;
  const warnings: string[] = [];
  const devices: BthportDevice[] = [];
  list<Record<string, unknown>>(record.Devices).forEach((entry, index) => {
    if (entry === null || typeof entry !== "object" || typeof entry.Address !== "string") {
      warnings.push(`${file}: Devices[${index}] has no Address string; left out`);
      return;
    }
    const device: BthportDevice = { Address: entry.Address };
    for (const name of ["Name", "LastSeen", "LastConnected"] as const) {
      if (typeof entry[name] === "string") device[name] = entry[name];
      else if (entry[name] !== undefined && entry[name] !== null) {
        warnings.push(`${file}: Devices[${index}].${name} should be a string; ignored`);
      }
    }
    for (const name of ["COD", "VID", "PID", "Version", "VIDType"] as const) {
      const value = entry[name];
      if (typeof value === "number" && Number.isInteger(value)) device[name] = value;
      else if (value !== undefined && value !== null) {
        warnings.push(`${file}: Devices[${index}].${name} should be an integer; ignored`);
      }
    }
    // A binary Name as its bytes in hex (collect-bluetooth.ps1 cannot decode UTF-8 in Constrained
    // Language Mode): decoded here, NULs removed.
    if (device.Name === undefined && typeof entry.NameHex === "string") {
      if (/^(?:[0-9a-f]{2})*$/i.test(entry.NameHex)) {
        device.Name = new TextDecoder("utf-8").decode(Buffer.from(entry.NameHex, "hex")).replace(/\0+$/, "");
      } else warnings.push(`${file}: Devices[${index}].NameHex is not hex bytes; ignored`);
    }
    devices.push(device);
  });
  const keys: BthportKeys[] = [];
  list<Record<string, unknown>>(record.Keys).forEach((entry, index) => {
    if (entry === null || typeof entry !== "object" || typeof entry.Radio !== "string") {
      warnings.push(`${file}: Keys[${index}] has no Radio string; left out`);
      return;
    }
    const strings = (value: unknown) =>
      (typeof value === "string" ? [value] : Array.isArray(value) ? value : []).filter(
        (item): item is string => typeof item === "string",
      );
    keys.push({ Radio: entry.Radio, Devices: strings(entry.Devices), LEDevices: strings(entry.LEDevices) });
  });
  const errors = (
    Array.isArray(record.Errors) ? record.Errors : typeof record.Errors === "string" ? [record.Errors] : []
  )
    .filter((item): item is string => typeof item === "string")
    .map((error) => `${file}: the collector could not read ${error}`);
  warnings.push(...errors);
  return { registry: { Devices: devices, Keys: keys, Errors: errors }, warnings };
}

function fromRegistry(registry: BluetoothRegistry, map: Map<string, Gathered>, warnings: string[]): void {
  for (const device of registry.Devices ?? []) {
    const address = formatAddress(device.Address);
    if (!address) {
      warnings.push(`BTHPORT Devices key "${device.Address}" is not a Bluetooth address; left out`);
      continue;
    }
    const entry = gather(map, address);
    entry.name ??= clean(device.Name);
    entry.classOfDevice ??= u24(device.COD);
    if (device.LastConnected !== undefined) entry.connectedOnce = true;
    if (entry.modalias === undefined && device.VID !== undefined && device.PID !== undefined) {
      const hex = (value: number) => value.toString(16).padStart(4, "0");
      if (u16(device.VID) !== undefined && u16(device.PID) !== undefined) {
        // VIDType absent: the SIG company id space, which is what BTHPORT records by default.
        entry.modalias = modalias(
          device.VIDType ?? 1,
          hex(device.VID),
          hex(device.PID),
          hex(u16(device.Version) ?? 0),
        );
      }
    }
  }
  for (const radio of registry.Keys ?? []) {
    for (const raw of [...(radio.Devices ?? []), ...(radio.LEDevices ?? [])]) {
      const address = formatAddress(raw);
      if (address) gather(map, address).bonded = true;
    }
  }
}

/**
 * Paired devices from the PnP listing and the BTHPORT registry → one observation per address.
 * Either input may be absent (a source that did not answer). Pure.
 */
export function bluetoothObservationsFromWindows(
  devices: readonly PnpDevice[] | undefined,
  registry: BluetoothRegistry | undefined,
): { observations: BluetoothObservation[]; warnings: string[] } {
  const map = new Map<string, Gathered>();
  const warnings: string[] = [];
  if (devices) fromPnp(devices, map);
  if (registry) fromRegistry(registry, map, warnings);
  const observations = [...map.values()]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((entry): BluetoothObservation => {
      const observation: BluetoothObservation = {
        bus: "bluetooth",
        source: SOURCE,
        id: `bt:${entry.address}`,
        address: entry.address,
        uuids: [...entry.uuids].sort(),
        // Windows makes PnP nodes only for paired devices, keeps a key only for bonded ones, and
        // connects only to paired ones; a BTHPORT Devices entry alone may be a device only seen.
        paired: entry.inPnp || entry.bonded || entry.connectedOnce,
        bonded: entry.bonded,
        // Neither source says whether the link is up now.
        connected: false,
      };
      if (entry.name !== undefined) observation.name = entry.name;
      if (entry.classOfDevice !== undefined) observation.classOfDevice = entry.classOfDevice;
      if (entry.appearance !== undefined) observation.appearance = entry.appearance;
      if (entry.modalias !== undefined) observation.modalias = entry.modalias;
      if (entry.warnings.length > 0) observation.warnings = entry.warnings;
      return observation;
    });
  return { observations, warnings };
}
