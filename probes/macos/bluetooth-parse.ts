// Pure parsers for what a Mac says about Bluetooth devices: `system_profiler -json
// SPBluetoothDataType` in each of its key generations, and the system Bluetooth preferences
// (/Library/Preferences/com.apple.Bluetooth.plist as `plutil -convert xml1` prints it), which keep
// past pairings. Text in, BluetoothObservations out, in the same terms BlueZ gives on Linux (Class
// of Device, service UUIDs, Device ID modalias), so probes/classify/bluetooth.ts judges a Mac's car,
// headset or keyboard as it judges a Linux laptop's. Recorded outputs: test/fixtures/macos-bluetooth/.
//
// system_profiler key generations (sources in the fixtures' README):
// - macOS 10.15–12.2: one list, `device_title` (some builds `device_list`), each device with
//   `device_addr` ("10-4F-A8-D8-06-ED"), `device_isconnected`/`device_ispaired` ("attrib_Yes"),
//   `device_classOfDevice` ("0x04 0x01 0x240404": major, minor, the whole CoD),
//   `device_minorClassOfDevice_string`, and `device_services` as names ("Headset, Hands-Free unit").
// - macOS 12.3 and later: `device_connected` and `device_not_connected` lists (every device listed
//   is paired), each with `device_address`, `device_minorType`, `device_services`
//   ("0x800019 < HFP AVRCP A2DP ACL >": a mask and the names of its bits), `device_vendorID` and
//   `device_productID` ("0x004C"); no Class of Device.
// - `device_paired` (reported for macOS 14 and later) is read like `device_not_connected`.

import {
  bluetoothCompanies,
  macosServiceBits,
  macosServiceNames,
  serviceUuids,
} from "../classify/bluetooth-data.ts";
import type { BluetoothObservation } from "../types.ts";
import { asDict, type PlistDict, type PlistValue, parseXmlPlist } from "./bluetooth-plist.ts";

/** Where in a document something is wrong, and what: the probe reports it as the source's reason. */
export class MacosBluetoothParseError extends Error {
  constructor(file: string, place: string, problem: string) {
    super(`${file}: ${place}: ${problem}`);
    this.name = "MacosBluetoothParseError";
  }
}

export interface ParsedBluetooth {
  observations: BluetoothObservation[];
  /** Entries skipped or values not understood; the rest is still reported. */
  warnings: string[];
}

const SOURCE = "macos-bluetooth" as const;

/** "10-4f-a8-d8-06-ed", "10:4F:A8:D8:06:ED" → "10:4F:A8:D8:06:ED"; undefined if not six octets. */
export function normaliseAddress(text: string): string | undefined {
  const octets = text.trim().split(/[:-]/);
  if (octets.length !== 6 || !octets.every((octet) => /^[0-9A-Fa-f]{2}$/.test(octet))) return undefined;
  return octets.join(":").toUpperCase();
}

function fullUuid(short: number): string {
  return `0000${short.toString(16).padStart(4, "0")}-0000-1000-8000-00805f9b34fb`;
}

/** Service names BlueZ and the SIG use ("Hands-Free unit"), for the legacy comma-separated list. */
const uuidByName = new Map(
  Object.entries(serviceUuids).map(([short, name]) => [name.toLowerCase(), Number(short)]),
);

/**
 * Decodes `device_services`: "0x800019 < HFP AVRCP A2DP ACL >" (12.3+) or "Headset, Hands-Free
 * unit" (before). Returns the service UUIDs and what could not be understood.
 */
export function decodeMacosServices(text: string): { uuids: string[]; unknown: string[] } {
  const uuids = new Set<string>();
  const unknown: string[] = [];
  const masked = /^\s*0x([0-9A-Fa-f]+)\s*(?:<([^>]*)>)?\s*$/.exec(text);
  if (masked) {
    const mask = Number.parseInt(masked[1] as string, 16);
    let names = (masked[2] ?? "").split(/\s+/).filter(Boolean);
    let known = 0;
    for (const [bit] of macosServiceBits) known |= bit;
    if (names.length === 0) {
      names = macosServiceBits.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name);
    }
    const unnamedBits = mask & ~known;
    if (unnamedBits !== 0) unknown.push(`service bits 0x${unnamedBits.toString(16)}`);
    for (const name of names) {
      const short = macosServiceNames[name];
      if (short === undefined) unknown.push(name);
      else if (short !== null) uuids.add(fullUuid(short));
    }
    return { uuids: [...uuids], unknown };
  }
  for (const name of text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const short = uuidByName.get(name.toLowerCase()) ?? macosServiceNames[name];
    if (typeof short === "number") uuids.add(fullUuid(short));
    else if (short !== null) unknown.push(name);
  }
  return { uuids: [...uuids], unknown };
}

function hex16(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffff) return value;
  if (typeof value !== "string") return undefined;
  const match = /^\s*0x([0-9A-Fa-f]{1,4})\b/.exec(value);
  return match ? Number.parseInt(match[1] as string, 16) : undefined;
}

/**
 * A Device ID modalias from macOS's vendor and product ids. macOS prints the vendor id without
 * saying whose numbering it is (Bluetooth SIG company id, or USB-IF vendor id): ids in the SIG
 * company table (bluetooth-data.ts) are taken as SIG ids (0x004C Apple), the rest as USB (0x05AC
 * Apple's USB id, 0x046D Logitech). The version is not printed: 0000.
 */
export function macosModalias(vendor: unknown, product: unknown): string | undefined {
  const vendorId = hex16(vendor);
  const productId = hex16(product);
  if (vendorId === undefined || productId === undefined) return undefined;
  const source = bluetoothCompanies[vendorId] ? "bluetooth" : "usb";
  const four = (value: number) => value.toString(16).toUpperCase().padStart(4, "0");
  return `${source}:v${four(vendorId)}p${four(productId)}d0000`;
}

/** "0x04 0x01 0x240404" or "0x240404" → 0x240404. */
function classOfDevice(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffffff) return value;
  if (typeof value !== "string") return undefined;
  const last = value.trim().split(/\s+/).at(-1) ?? "";
  const match = /^0x([0-9A-Fa-f]{1,6})$/.exec(last);
  return match ? Number.parseInt(match[1] as string, 16) : undefined;
}

const yes = (value: unknown): boolean | undefined =>
  value === "attrib_Yes" || value === "Yes" || value === true
    ? true
    : value === "attrib_No" || value === "No" || value === false
      ? false
      : undefined;

/** The lists a controller section may hold, and what being in each says. */
const DEVICE_LISTS: readonly { key: string; connected?: boolean }[] = [
  { key: "device_connected", connected: true },
  { key: "device_not_connected", connected: false },
  { key: "device_paired" },
  { key: "device_title" },
  { key: "device_list" },
];

function observationFrom(
  name: string,
  props: Record<string, unknown>,
  listed: { key: string; connected?: boolean },
  place: string,
  warnings: string[],
): BluetoothObservation | undefined {
  const rawAddress = props.device_address ?? props.device_addr;
  const address = typeof rawAddress === "string" ? normaliseAddress(rawAddress) : undefined;
  if (!address) {
    warnings.push(`${place} "${name}": no usable address (${JSON.stringify(rawAddress ?? null)}), skipped`);
    return undefined;
  }
  const connected = listed.connected ?? yes(props.device_isconnected) ?? false;
  // Every device system_profiler lists is one the Mac is paired with ("Devices (Paired, Configured,
  // etc.)"); only the legacy layout says so per device.
  const paired = yes(props.device_ispaired) ?? true;
  const observation: BluetoothObservation = {
    bus: "bluetooth",
    source: SOURCE,
    id: `bt:${address}`,
    address,
    uuids: [],
    paired,
    bonded: paired,
    connected,
  };
  if (name.trim() !== "") observation.name = name;
  const minorType = props.device_minorType ?? props.device_minorClassOfDevice_string;
  if (typeof minorType === "string" && minorType.trim() !== "") observation.minorType = minorType.trim();
  const cod = classOfDevice(props.device_classOfDevice);
  if (cod !== undefined) observation.classOfDevice = cod;
  else if (props.device_classOfDevice !== undefined) {
    warnings.push(
      `${place} "${name}": device_classOfDevice ${JSON.stringify(props.device_classOfDevice)} not understood`,
    );
  }
  if (typeof props.device_services === "string") {
    const { uuids, unknown } = decodeMacosServices(props.device_services);
    observation.uuids = uuids;
    if (unknown.length > 0) {
      observation.warnings = [`device_services: ${unknown.join(", ")} not known to eca`];
    }
  }
  const modalias = macosModalias(props.device_vendorID, props.device_productID);
  if (modalias) observation.modalias = modalias;
  return observation;
}

/** Parses `system_profiler -json SPBluetoothDataType`. Throws MacosBluetoothParseError on a document it cannot read. */
export function parseSystemProfilerBluetooth(text: string, file: string): ParsedBluetooth {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new MacosBluetoothParseError(file, "document", `not JSON (${(error as Error).message})`);
  }
  const sections = (document as { SPBluetoothDataType?: unknown } | null)?.SPBluetoothDataType;
  if (!Array.isArray(sections)) {
    throw new MacosBluetoothParseError(
      file,
      "SPBluetoothDataType",
      "missing or not a list: is this the output of `system_profiler -json SPBluetoothDataType`?",
    );
  }
  const warnings: string[] = [];
  const byAddress = new Map<string, BluetoothObservation>();
  sections.forEach((section, sectionIndex) => {
    if (section === null || typeof section !== "object") return;
    for (const listed of DEVICE_LISTS) {
      const list = (section as Record<string, unknown>)[listed.key];
      if (list === undefined) continue;
      const place = `SPBluetoothDataType[${sectionIndex}].${listed.key}`;
      if (!Array.isArray(list)) {
        warnings.push(`${place}: not a list, skipped`);
        continue;
      }
      list.forEach((entry, index) => {
        if (entry === null || typeof entry !== "object") return;
        for (const [name, props] of Object.entries(entry as Record<string, unknown>)) {
          if (props === null || typeof props !== "object") continue;
          const observation = observationFrom(
            name,
            props as Record<string, unknown>,
            listed,
            `${place}[${index}]`,
            warnings,
          );
          if (!observation) continue;
          // A device in two lists (connected and paired) is one device: connected wins.
          const seen = byAddress.get(observation.address);
          if (seen) {
            seen.connected ||= observation.connected;
            seen.minorType ??= observation.minorType;
            seen.modalias ??= observation.modalias;
            seen.classOfDevice ??= observation.classOfDevice;
            seen.uuids = [...new Set([...seen.uuids, ...observation.uuids])];
          } else byAddress.set(observation.address, observation);
        }
      });
    }
  });
  return { observations: [...byAddress.values()], warnings };
}

// ---------------------------------------------------------------------------------------------
// /Library/Preferences/com.apple.Bluetooth.plist: the devices the Mac was ever paired with.
//
// - `PairedDevices` (an array of addresses "10-94-bb-bf-50-5a") lists the paired ones, `DeviceCache`
//   (a dictionary by the same addresses) what is known of every device seen, paired or not: `Name`,
//   `ClassOfDevice`, `VendorID`, `ProductID` (plaso's macosx_bluetooth plugin reads the same keys).
//   Confirmed in public dumps from macOS 10.15 to 12 (fixtures' README).
// - `BRPairedDevices`: the same list under the name reported for macOS 12 Monterey.
// - From macOS 13 Ventura the file holds neither list; `PersistentPorts` remains, a dictionary by
//   address of the serial ports macOS made for paired devices (`BSDName`, `BTAddress`), so only
//   devices with a serial profile are found there. Other past pairings on 13+ live in bluetoothd's
//   own stores, which eca does not read (say so: connected and listed devices still come from
//   system_profiler).

function cacheDetails(entry: PlistDict | undefined): Partial<BluetoothObservation> {
  if (!entry) return {};
  const details: Partial<BluetoothObservation> = {};
  const name = entry.get("Name") ?? entry.get("displayName");
  if (typeof name === "string" && name.trim() !== "") details.name = name;
  const cod = entry.get("ClassOfDevice");
  if (typeof cod === "number" && Number.isInteger(cod) && cod >= 0 && cod <= 0xffffff)
    details.classOfDevice = cod;
  const modalias = macosModalias(entry.get("VendorID"), entry.get("ProductID"));
  if (modalias) details.modalias = modalias;
  return details;
}

function addressFromBytes(value: PlistValue | undefined): string | undefined {
  if (!(value instanceof Uint8Array) || value.length !== 6) return undefined;
  return [...value]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join(":")
    .toUpperCase();
}

/**
 * Parses the XML form of com.apple.Bluetooth.plist into the devices it records as paired, with
 * their cached name, Class of Device and Device ID. Throws PlistError (file and line) on bad XML.
 */
export function parseBluetoothPreferences(text: string, file: string): ParsedBluetooth {
  const root = asDict(parseXmlPlist(text, file));
  if (!root) throw new MacosBluetoothParseError(file, "plist", "the top level is not a dictionary");
  const warnings: string[] = [];
  const cache = new Map<string, PlistDict>();
  const deviceCache = asDict(root.get("DeviceCache"));
  for (const [key, entry] of deviceCache ?? []) {
    const address = normaliseAddress(key);
    const details = asDict(entry);
    if (address && details) cache.set(address, details);
    else warnings.push(`DeviceCache "${key}": not an address with details, skipped`);
  }
  const paired = new Map<string, Partial<BluetoothObservation>>();
  for (const listKey of ["PairedDevices", "BRPairedDevices"]) {
    const list = root.get(listKey);
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      warnings.push(`${listKey}: not a list, skipped`);
      continue;
    }
    list.forEach((item, index) => {
      const address = typeof item === "string" ? normaliseAddress(item) : undefined;
      if (!address) {
        warnings.push(`${listKey}[${index}]: ${JSON.stringify(item)} is not an address, skipped`);
        return;
      }
      paired.set(address, cacheDetails(cache.get(address)));
    });
  }
  for (const [key, entry] of asDict(root.get("PersistentPorts")) ?? []) {
    const port = asDict(entry);
    const address = normaliseAddress(key) ?? addressFromBytes(port?.get("BTAddress"));
    if (!address) {
      warnings.push(`PersistentPorts "${key}": no usable address, skipped`);
      continue;
    }
    const details = paired.get(address) ?? cacheDetails(cache.get(address));
    const bsdName = port?.get("BSDName");
    if (details.name === undefined && typeof bsdName === "string" && bsdName !== "") details.name = bsdName;
    paired.set(address, details);
  }
  const observations = [...paired].map(
    ([address, details]): BluetoothObservation => ({
      bus: "bluetooth",
      source: SOURCE,
      id: `bt:${address}`,
      address,
      uuids: [],
      ...details,
      paired: true,
      bonded: true,
      connected: false,
    }),
  );
  return { observations, warnings };
}

/**
 * One observation per address from both sources: system_profiler's (current) facts first, the
 * preferences' past pairings and cached details filling what it lacks.
 */
export function combineMacosBluetooth(
  current: readonly BluetoothObservation[],
  remembered: readonly BluetoothObservation[],
): BluetoothObservation[] {
  const byAddress = new Map(current.map((observation) => [observation.address, { ...observation }]));
  for (const past of remembered) {
    const now = byAddress.get(past.address);
    if (!now) {
      byAddress.set(past.address, { ...past });
      continue;
    }
    now.name ??= past.name;
    now.classOfDevice ??= past.classOfDevice;
    now.modalias ??= past.modalias;
    now.paired ||= past.paired;
    now.bonded ||= past.bonded;
  }
  return [...byAddress.values()];
}
