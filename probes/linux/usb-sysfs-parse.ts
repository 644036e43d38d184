// Pure parsing of Linux sysfs USB attributes into observations (no I/O here: see usb-sysfs.ts).
// Every attribute may be missing, garbled or truncated: parsing never throws, it keeps what makes
// sense and records a warning naming the attribute, so the device is still reported.

import type { UsbInterface, UsbObservation } from "../types.ts";

/**
 * What collection read for one attribute: its text, or why it could not be read.
 * `missing` means the file does not exist (often normal: no `serial`); `error` is any other failure.
 */
export type RawAttribute = { text: string } | { missing: true } | { error: string };

export interface RawUsbInterface {
  /** sysfs name, e.g. "1-2:1.0". */
  name: string;
  bInterfaceClass: RawAttribute;
  bInterfaceSubClass: RawAttribute;
  bInterfaceProtocol: RawAttribute;
  /** The iInterface string; collection only reads it where it matters (see INTERFACE_NAME_CLASSES). */
  interface?: RawAttribute;
}

export interface RawUsbDevice {
  /** sysfs name: "usb1" for a root hub, "1-2.3" for a device. */
  name: string;
  idVendor: RawAttribute;
  idProduct: RawAttribute;
  serial: RawAttribute;
  manufacturer: RawAttribute;
  product: RawAttribute;
  bDeviceClass: RawAttribute;
  bDeviceSubClass: RawAttribute;
  bDeviceProtocol: RawAttribute;
  /**
   * Absent when collection did not need it: the speed serves bMaxPower alone (no report field,
   * rule or classification reads speedMbps), and only for a device that can run at SuperSpeed.
   */
  speed?: RawAttribute;
  bMaxPower: RawAttribute;
  removable: RawAttribute;
  /** `connect_type` of the hub port the device is plugged into; absent for root hubs. */
  connectType?: RawAttribute;
  interfaces: RawUsbInterface[];
  /** What collection noticed itself (a `descriptors` file it could not use), reported as warnings. */
  notes?: string[];
}

/** Interface classes whose iInterface string helps classification (MTP says so only by name). */
export const INTERFACE_NAME_CLASSES: ReadonlySet<string> = new Set(["06", "ff"]);

// The kernel's names (usb.c usb_alloc_dev): "usb<bus>" for a root hub, "<bus>-<port>[.<port>…]"
// below it; an interface is "<device>:<configuration>.<number>", with "<bus>-0" for a root hub's.
const DEVICE_NAME = /^(?:usb(\d+)|(\d+)-(\d+(?:\.\d+)*))$/;
const INTERFACE_NAME = /^(\d+)-(\d+(?:\.\d+)*):(\d+)\.(\d+)$/;
const INTERFACE_ADDRESS = /:(\d+)\.(\d+)$/;

/** "1-2.3" → { bus: 1, ports: [2, 3] }; "usb1" → { bus: 1, ports: [] }; anything else → undefined. */
export function parseDeviceName(name: string): { bus: number; ports: number[] } | undefined {
  const match = DEVICE_NAME.exec(name);
  if (!match) return undefined;
  if (match[1] !== undefined) return { bus: Number(match[1]), ports: [] };
  return { bus: Number(match[2]), ports: (match[3] ?? "").split(".").map(Number) };
}

export function isUsbDeviceName(name: string): boolean {
  return DEVICE_NAME.test(name);
}

/** "1-2:1.10" → { configuration: 1, number: 10 }: the address after the last ":", or undefined. */
export function interfaceAddress(name: string): { configuration: number; number: number } | undefined {
  const match = INTERFACE_ADDRESS.exec(name);
  return match ? { configuration: Number(match[1]), number: Number(match[2]) } : undefined;
}

/**
 * The device an interface directory belongs to: "1-2:1.0" → "1-2"; a root hub's own interface
 * "1-0:1.0" → "usb1". Undefined for names that are not interfaces.
 */
export function interfaceOwner(name: string): string | undefined {
  const match = INTERFACE_NAME.exec(name);
  if (!match) return undefined;
  return match[2] === "0" ? `usb${match[1]}` : `${match[1]}-${match[2]}`;
}

/** The hub port path a device is plugged into: "1-2.3" → "1-2", "1-2" → "usb1"; a root hub → undefined. */
export function parentPortPath(name: string): string | undefined {
  if (name.startsWith("usb") || !isUsbDeviceName(name)) return undefined;
  const dot = name.lastIndexOf(".");
  return dot === -1 ? `usb${name.slice(0, name.indexOf("-"))}` : name.slice(0, dot);
}

/** Hub port paths above a device, nearest last: "1-2.3.1" → ["usb1", "1-2", "1-2.3"]. */
export function parentPortPaths(name: string): string[] {
  return parentsOf(parseDeviceName(name));
}

function parentsOf(parsed: ReturnType<typeof parseDeviceName>): string[] {
  if (!parsed || parsed.ports.length === 0) return [];
  const parents = [`usb${parsed.bus}`];
  let path = `${parsed.bus}-${parsed.ports[0]}`;
  for (let depth = 1; depth < parsed.ports.length; depth++) {
    parents.push(path);
    path += `.${parsed.ports[depth]}`;
  }
  return parents;
}

/**
 * Where the kernel keeps the `connect_type` of the hub port a device is plugged into, relative to
 * /sys/bus/usb/devices (Documentation/ABI/testing/sysfs-bus-usb: the port devices sit under the
 * hub's interface, named "<hub>-port<N>"): "1-2" → "usb1/1-0:1.0/usb1-port2/connect_type",
 * "1-2.3" → "1-2/1-2:1.0/1-2-port3/connect_type". Used when the device has no `port` link.
 */
export function hubPortAttributePath(name: string, attribute: string): string | undefined {
  const parsed = parseDeviceName(name);
  if (!parsed || parsed.ports.length === 0) return undefined;
  const portNumber = parsed.ports[parsed.ports.length - 1];
  if (parsed.ports.length === 1) {
    return `usb${parsed.bus}/${parsed.bus}-0:1.0/usb${parsed.bus}-port${portNumber}/${attribute}`;
  }
  const hub = `${parsed.bus}-${parsed.ports.slice(0, -1).join(".")}`;
  return `${hub}/${hub}:1.0/${hub}-port${portNumber}/${attribute}`;
}

/** Kernel port device name → port path of what is plugged into it: "usb1-port2" → "1-2", "1-2-port3" → "1-2.3". */
export function portNameToPortPath(portName: string): string | undefined {
  const root = /^usb(\d+)-port(\d+)$/.exec(portName);
  if (root) return `${root[1]}-${root[2]}`;
  const hub = /^(\d+-\d+(?:\.\d+)*)-port(\d+)$/.exec(portName);
  if (hub) return `${hub[1]}.${hub[2]}`;
  return undefined;
}

/** The identity attributes a device's `uevent` can stand in for (one read instead of five). */
export type UeventIdentity = Pick<
  RawUsbDevice,
  "idVendor" | "idProduct" | "bDeviceClass" | "bDeviceSubClass" | "bDeviceProtocol"
>;

/**
 * A usb_device `uevent` holds "PRODUCT=vid/pid/bcdDevice" (hex, unpadded) and "TYPE=class/sub/proto"
 * (decimal): the same facts as five attributes. Undefined unless both are well formed, so anything
 * odd is read (and warned about) attribute by attribute.
 */
export function identityFromUevent(raw: RawAttribute): UeventIdentity | undefined {
  if (!("text" in raw)) return undefined;
  const product = /^PRODUCT=([0-9a-fA-F]{1,4})\/([0-9a-fA-F]{1,4})\/[0-9a-fA-F]{1,4}$/m.exec(raw.text);
  const type = /^TYPE=(\d{1,3})\/(\d{1,3})\/(\d{1,3})$/m.exec(raw.text);
  if (!product || !type) return undefined;
  const classes = type.slice(1, 4).map(Number);
  if (classes.some((value) => value > 255)) return undefined;
  const hex = (value: number) => ({ text: value.toString(16).padStart(2, "0") });
  return {
    idVendor: { text: (product[1] ?? "").padStart(4, "0") },
    idProduct: { text: (product[2] ?? "").padStart(4, "0") },
    bDeviceClass: hex(classes[0] ?? 0),
    bDeviceSubClass: hex(classes[1] ?? 0),
    bDeviceProtocol: hex(classes[2] ?? 0),
  };
}

/**
 * An interface's `modalias` ("usb:v05F3p0007d0320dc00dsc00dp00ic03isc01ip01in00") holds its class,
 * subclass and protocol in hex: one read instead of three. Undefined unless well formed.
 */
export function interfaceClassFromModalias(
  raw: RawAttribute,
): Pick<RawUsbInterface, "bInterfaceClass" | "bInterfaceSubClass" | "bInterfaceProtocol"> | undefined {
  if (!("text" in raw)) return undefined;
  const match = /ic([0-9A-Fa-f]{2})isc([0-9A-Fa-f]{2})ip([0-9A-Fa-f]{2})/.exec(raw.text);
  if (!match) return undefined;
  return {
    bInterfaceClass: { text: (match[1] ?? "").toLowerCase() },
    bInterfaceSubClass: { text: (match[2] ?? "").toLowerCase() },
    bInterfaceProtocol: { text: (match[3] ?? "").toLowerCase() },
  };
}

/** Collects warnings while parsing one device. */
class Warnings {
  readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
}

/** The attribute's text without the trailing newline sysfs adds, or undefined (with a warning if it failed). */
function textOf(
  raw: RawAttribute,
  attribute: string,
  warnings: Warnings,
  warnIfMissing: boolean,
): string | undefined {
  if ("error" in raw) {
    warnings.add(`${attribute}: could not be read (${raw.error})`);
    return undefined;
  }
  if ("missing" in raw) {
    if (warnIfMissing) warnings.add(`${attribute}: missing`);
    return undefined;
  }
  const text = raw.text;
  if (!text.endsWith("\n")) return text;
  return text.slice(0, text.endsWith("\r\n") ? -2 : -1);
}

const HEX_DIGITS = /^[0-9a-fA-F]+$/;

function hexAttribute(
  raw: RawAttribute,
  attribute: string,
  digits: number,
  warnings: Warnings,
): string | undefined {
  const text = textOf(raw, attribute, warnings, true);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed.length === digits && HEX_DIGITS.test(trimmed)) return trimmed.toLowerCase();
  warnings.add(`${attribute}: ${JSON.stringify(abbreviate(text))} is not ${digits} hex digits`);
  return undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/** A descriptor string (manufacturer, product, serial, interface name), cleaned for display. */
function stringAttribute(raw: RawAttribute, attribute: string, warnings: Warnings): string | undefined {
  const text = textOf(raw, attribute, warnings, false);
  if (text === undefined) return undefined;
  let cleaned = text;
  if (cleaned.includes("\uFFFD")) {
    warnings.add(`${attribute}: contains bytes that are not valid UTF-8`);
  }
  // Control characters would garble reports and logs; a NUL usually means a truncated read.
  const withoutControls = cleaned.replace(CONTROLS, "");
  if (withoutControls !== cleaned) {
    warnings.add(`${attribute}: contains control characters`);
    cleaned = withoutControls;
  }
  cleaned = cleaned.trim();
  if (cleaned.length === 0) {
    warnings.add(`${attribute}: empty`);
    return undefined;
  }
  return cleaned;
}

function speedAttribute(raw: RawAttribute | undefined, warnings: Warnings): number | undefined {
  if (raw === undefined) return undefined;
  const text = textOf(raw, "speed", warnings, true);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed !== "" && Number.isFinite(value) && value > 0) return value;
  warnings.add(`speed: ${JSON.stringify(abbreviate(text))} is not a speed in Mbit/s`);
  return undefined;
}

function maxPowerAttribute(raw: RawAttribute, warnings: Warnings): number | undefined {
  const text = textOf(raw, "bMaxPower", warnings, false);
  if (text === undefined) return undefined;
  const match = /^\s*(\d+)\s*mA\s*$/.exec(text);
  if (match) return Number(match[1]);
  warnings.add(`bMaxPower: ${JSON.stringify(abbreviate(text))} is not a current in mA`);
  return undefined;
}

function enumAttribute<T extends string>(
  raw: RawAttribute | undefined,
  attribute: string,
  allowed: readonly T[],
  warnings: Warnings,
): T | undefined {
  if (raw === undefined) return undefined;
  const text = textOf(raw, attribute, warnings, false);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if ((allowed as readonly string[]).includes(trimmed)) return trimmed as T;
  warnings.add(`${attribute}: ${JSON.stringify(abbreviate(text))} is not one of ${allowed.join(", ")}`);
  return undefined;
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function parseInterface(raw: RawUsbInterface, warnings: Warnings): UsbInterface | undefined {
  const local = new Warnings();
  const interfaceClass = hexAttribute(raw.bInterfaceClass, "bInterfaceClass", 2, local);
  const subclass = hexAttribute(raw.bInterfaceSubClass, "bInterfaceSubClass", 2, local);
  const protocol = hexAttribute(raw.bInterfaceProtocol, "bInterfaceProtocol", 2, local);
  const name = raw.interface ? stringAttribute(raw.interface, "interface", local) : undefined;
  for (const message of local.list) warnings.add(`interface ${raw.name} ${message}`);
  // An interface without a readable class tells classification nothing; it is left out (and warned).
  if (interfaceClass === undefined || subclass === undefined || protocol === undefined) return undefined;
  const parsed: UsbInterface = { class: interfaceClass, subclass, protocol };
  if (name !== undefined) parsed.name = name;
  return parsed;
}

export function usbObservationId(
  vendorId: string | undefined,
  productId: string | undefined,
  serial: string | undefined,
  portPath: string,
): string {
  const vendorProduct = `${vendorId ?? "unknown"}:${productId ?? "unknown"}`;
  return serial !== undefined ? `usb:${vendorProduct}:${serial}` : `usb:${vendorProduct}@${portPath}`;
}

/** One device's raw attributes → its observation. Never throws. */
export function parseUsbDevice(raw: RawUsbDevice): UsbObservation {
  const warnings = new Warnings();
  for (const note of raw.notes ?? []) warnings.add(note);
  const vendorId = hexAttribute(raw.idVendor, "idVendor", 4, warnings);
  const productId = hexAttribute(raw.idProduct, "idProduct", 4, warnings);
  const serial = stringAttribute(raw.serial, "serial", warnings);
  const manufacturer = stringAttribute(raw.manufacturer, "manufacturer", warnings);
  const product = stringAttribute(raw.product, "product", warnings);
  const deviceClass = hexAttribute(raw.bDeviceClass, "bDeviceClass", 2, warnings);
  const deviceSubClass = hexAttribute(raw.bDeviceSubClass, "bDeviceSubClass", 2, warnings);
  const deviceProtocol = hexAttribute(raw.bDeviceProtocol, "bDeviceProtocol", 2, warnings);
  const speedMbps = speedAttribute(raw.speed, warnings);
  const maxPowerMilliamps = maxPowerAttribute(raw.bMaxPower, warnings);
  const removable = enumAttribute(raw.removable, "removable", ["removable", "fixed", "unknown"], warnings);
  const connectType = enumAttribute(
    raw.connectType,
    "connect_type",
    ["hotplug", "hardwired", "not used", "unknown"],
    warnings,
  );
  const interfaces: UsbInterface[] = [];
  for (const rawInterface of sortInterfaces(raw.interfaces)) {
    const parsed = parseInterface(rawInterface, warnings);
    if (parsed) interfaces.push(parsed);
  }

  const isRootHub = raw.name.startsWith("usb");
  const parsedName = parseDeviceName(raw.name);
  if (!parsedName) warnings.add(`name: ${JSON.stringify(raw.name)} is not a USB port path`);
  const observation: UsbObservation = {
    bus: "usb",
    source: "linux-sysfs",
    id: usbObservationId(vendorId, productId, serial, raw.name),
    interfaces,
    portPath: raw.name,
    parents: parentsOf(parsedName),
    isRootHub,
  };
  if (vendorId !== undefined) observation.vendorId = vendorId;
  if (productId !== undefined) observation.productId = productId;
  if (serial !== undefined) observation.serial = serial;
  if (manufacturer !== undefined) observation.manufacturer = manufacturer;
  if (product !== undefined) observation.product = product;
  if (deviceClass !== undefined && deviceSubClass !== undefined && deviceProtocol !== undefined) {
    observation.deviceClass = { class: deviceClass, subclass: deviceSubClass, protocol: deviceProtocol };
  }
  if (speedMbps !== undefined) observation.speedMbps = speedMbps;
  if (maxPowerMilliamps !== undefined) observation.maxPowerMilliamps = maxPowerMilliamps;
  if (removable !== undefined) observation.removable = removable;
  if (connectType !== undefined) observation.connectType = connectType;
  if (warnings.list.length > 0) observation.warnings = warnings.list;
  return observation;
}

/** Numeric order of port paths, so "1-10" comes after "1-9" and output is stable. */
export function comparePortPaths(a: string, b: string): number {
  return comparePortKeys(a, b, parseDeviceName(a), parseDeviceName(b));
}

function comparePortKeys(
  a: string,
  b: string,
  left: ReturnType<typeof parseDeviceName>,
  right: ReturnType<typeof parseDeviceName>,
): number {
  if (!left || !right) return a < b ? -1 : a > b ? 1 : 0;
  if (left.bus !== right.bus) return left.bus - right.bus;
  const length = Math.min(left.ports.length, right.ports.length);
  for (let index = 0; index < length; index++) {
    const difference = (left.ports[index] ?? 0) - (right.ports[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return left.ports.length - right.ports.length;
}

/** Sorted as comparePortPaths sorts them, each name parsed once (a sort compares n log n times). */
export function sortPortPaths(names: string[]): string[] {
  const parsed = new Map(names.map((name) => [name, parseDeviceName(name)]));
  return names.sort((a, b) => comparePortKeys(a, b, parsed.get(a), parsed.get(b)));
}

/** By configuration, then interface number ("1-2:1.10" after "1-2:1.9"); names that are not addresses by text. */
function sortInterfaces(interfaces: RawUsbInterface[]): RawUsbInterface[] {
  if (interfaces.length < 2) return interfaces;
  const keyed = interfaces.map((raw) => ({ raw, address: interfaceAddress(raw.name) }));
  keyed.sort(({ raw: a, address: left }, { raw: b, address: right }) => {
    if (!left || !right) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return left.configuration - right.configuration || left.number - right.number;
  });
  return keyed.map((entry) => entry.raw);
}
