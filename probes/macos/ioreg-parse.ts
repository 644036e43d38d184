// Pure parser for ioreg's text output: `ioreg -p IOUSB -l -w0` (the USB device tree), the
// IOService plane (`ioreg -l -w0`, the same device blocks with ports, drivers and interfaces between
// them) and `ioreg -p IOService -r -c IOUSBHostInterface -l -w0` (interfaces only, each with its
// device's locationID). Text in, a tree of nodes out; then USB devices with their interfaces.
//
// The layout ioreg prints, one node per "+-o" line, its properties in a { } block below it:
//   +-o Name@14200000  <class IOUSBHostDevice, id 0x100000d10, registered, matched, active, ...>
//   | {
//   |   "idVendor" = 1452
//   |   "USB Product Name" = "iPhone"
//   | }
// A child's "+-o" sits two columns right of its parent's. Values are numbers (decimal), strings in
// quotes, Yes/No, <hex data>, {dictionaries} and (arrays); only the top-level ones are read here.

import type { UsbInterface } from "../types.ts";

export interface IoregNode {
  /** The part before "@": "iPhone", "USB3.0 Card Reader". */
  name: string;
  /** The hex after "@", when there is one: "14200000". */
  location?: string;
  className: string;
  /** Column of "+-o" divided by two: the root is 0. */
  depth: number;
  /** Top-level properties, raw value text by key. */
  properties: Map<string, string>;
  children: IoregNode[];
  parent?: IoregNode;
  /** 1-based line of the "+-o" header, for warnings. */
  line: number;
}

const HEADER = /^([ |]*)\+-o (.*?)\s+<class ([^,>]+)(?:,[^>]*)?>\s*$/;
const PROPERTY = /^[ |]*"((?:[^"\\]|\\.)*)" = (.*)$/;

/** Parses ioreg text into its root nodes. Never throws: lines that fit no pattern are skipped. */
export function parseIoregTree(text: string): IoregNode[] {
  const roots: IoregNode[] = [];
  const stack: IoregNode[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    // Most lines are properties: test for a header only where one can be.
    const header = line.includes("+-o ") ? HEADER.exec(line) : null;
    if (header) {
      const depth = (header[1] ?? "").length / 2;
      const fullName = header[2] ?? "";
      const at = fullName.lastIndexOf("@");
      const node: IoregNode = {
        name: at > 0 ? fullName.slice(0, at) : fullName,
        className: (header[3] ?? "").trim(),
        depth,
        properties: new Map(),
        children: [],
        line: index + 1,
      };
      if (at > 0) node.location = fullName.slice(at + 1);
      while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= depth) stack.pop();
      const parent = stack.at(-1);
      if (parent) {
        node.parent = parent;
        parent.children.push(node);
      } else {
        roots.push(node);
      }
      stack.push(node);
      continue;
    }
    const property = PROPERTY.exec(line);
    const current = stack.at(-1);
    // Only top-level properties: a nested dictionary's keys are on the same line in -l output.
    if (property && current && !current.properties.has(property[1] ?? "")) {
      current.properties.set(property[1] ?? "", (property[2] ?? "").trim());
    }
  }
  return roots;
}

/** A property as a whole number: ioreg prints decimal, some tools paste hex (0x...). */
export function numberProperty(node: IoregNode, key: string): number | undefined {
  const raw = node.properties.get(key);
  if (raw === undefined) return undefined;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (/^0x[0-9a-f]+$/i.test(raw)) return Number.parseInt(raw.slice(2), 16);
  return undefined;
}

/** A quoted string property, unescaped; undefined for other values or empty strings. */
export function stringProperty(node: IoregNode, key: string): string | undefined {
  const raw = node.properties.get(key);
  if (raw === undefined || !raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return undefined;
  const text = raw.slice(1, -1).replace(/\\(.)/g, "$1").trim();
  return text === "" ? undefined : text;
}

/** Yes/No (also true/false, and "yes"/"no" in quotes, as `non-removable` is printed). */
export function booleanProperty(node: IoregNode, key: string): boolean | undefined {
  const raw = node.properties.get(key)?.replace(/^"|"$/g, "").toLowerCase();
  if (raw === "yes" || raw === "true") return true;
  if (raw === "no" || raw === "false") return false;
  return undefined;
}

/** Depth-first, in ioreg's order. */
export function* walk(nodes: readonly IoregNode[]): Generator<IoregNode> {
  for (const node of nodes) {
    yield node;
    yield* walk(node.children);
  }
}

/** A USB interface node (IOUSBHostInterface, or IOUSBInterface before macOS 10.11). */
export function isInterfaceNode(node: IoregNode): boolean {
  return node.properties.has("bInterfaceClass");
}

/** A USB device node: descriptor ids and no interface class. Root hub simulations count too. */
export function isDeviceNode(node: IoregNode): boolean {
  return node.properties.has("idVendor") && !isInterfaceNode(node) && /USB/i.test(node.className);
}

/** A root hub: the simulated root hub device of macOS 10.11–10.15, or a host controller node. */
export function isRootHubDeviceNode(node: IoregNode): boolean {
  return /RootHub/i.test(node.className) || /Root Hub Simulation/i.test(node.name);
}

/**
 * A USB host controller (AppleUSBXHCI..., AppleT6000USBXHCI, AppleUSBXHCITR, AppleUSBEHCI...):
 * not its PCI device (IOPCIDevice), not one of its ports (AppleUSB20XHCIPort).
 */
export function isControllerNode(node: IoregNode): boolean {
  return (
    /[XEOU]HCI/.test(node.className) &&
    !/Port/.test(node.className) &&
    node.className !== "IOPCIDevice" &&
    !node.properties.has("idVendor")
  );
}

// ---------------------------------------------------------------------------------------------
// USB devices out of the tree.

/** What ioreg says about one USB device, before any judgement. */
export interface IoregUsbDevice {
  /** IOKit locationID: the controller in the top byte, then one hub port per nibble. */
  locationId?: number;
  /** "20-2.1" for locationID 0x14210000 (bus 0x14, port 2, hub port 1); "usb20" for a root hub. */
  portPath: string;
  /** Port paths of the hubs above, from the tree (or the locationID when the tree has none). */
  parents: string[];
  isRootHub: boolean;
  /** Class of the host controller above: AppleUSBVHCIBCE is the T2's virtual controller. */
  controllerClass?: string;
  name: string;
  className: string;
  vendorId?: string;
  productId?: string;
  serial?: string;
  manufacturer?: string;
  product?: string;
  deviceClass?: { class: string; subclass: string; protocol: string };
  interfaces: UsbInterface[];
  speedMbps?: number;
  /**
   * mA the device asks for: "Requested Power" (bMaxPower, in 2 mA units, IOUSBFamily), else
   * UsbPowerSinkAllocation (what IOUSBHostFamily allotted). "Extra Operating Current" (the extra an
   * iPhone or iPad is given to charge) is not kept: no rule reads it, a phone is judged on sight.
   */
  powerMilliamps?: number;
  builtIn?: boolean;
  nonRemovable?: boolean;
  /** USBPortType: 0 standard, 1 captive, 2 internal, 3 accessory, 4 expansion card. */
  portType?: number;
  supportsIPhoneOS?: boolean;
  hasMassStorageInterface?: boolean;
  warnings: string[];
}

const hex = (value: number | undefined, digits: number) =>
  value === undefined || value < 0 || value >= 16 ** digits
    ? undefined
    : value.toString(16).padStart(digits, "0");

/** IOUSBFamily "Device Speed" (kUSBDeviceSpeedLow = 0 ... SuperPlusBy2 = 5), in Mbit/s. */
const DEVICE_SPEED_MBPS = [1.5, 12, 480, 5000, 10000, 20000];

/** "20-2.1" from 0x14210000; "usb20" when no port nibble is set. */
export function portPathFromLocation(locationId: number): string {
  const bus = locationId >>> 24;
  const ports: number[] = [];
  for (let shift = 20; shift >= 0; shift -= 4) {
    const port = (locationId >>> shift) & 0xf;
    if (port === 0) break;
    ports.push(port);
  }
  return ports.length === 0 ? `usb${bus}` : `${bus}-${ports.join(".")}`;
}

/** The hub chain a locationID encodes: ["usb20", "20-2"] for 0x14210000. */
export function parentsFromLocation(locationId: number): string[] {
  const path = portPathFromLocation(locationId);
  const bus = locationId >>> 24;
  const match = /^\d+-(.+)$/.exec(path);
  if (!match) return [];
  const ports = (match[1] ?? "").split(".");
  const parents = [`usb${bus}`];
  for (let length = 1; length < ports.length; length++)
    parents.push(`${bus}-${ports.slice(0, length).join(".")}`);
  return parents;
}

function locationOf(node: IoregNode): number | undefined {
  const fromProperty = numberProperty(node, "locationID");
  if (fromProperty !== undefined) return fromProperty >>> 0;
  if (node.location && /^[0-9a-f]{8}$/i.test(node.location)) return Number.parseInt(node.location, 16) >>> 0;
  return undefined;
}

function interfaceFrom(node: IoregNode): UsbInterface | undefined {
  const triple = ["bInterfaceClass", "bInterfaceSubClass", "bInterfaceProtocol"].map((key) =>
    hex(numberProperty(node, key), 2),
  );
  const [interfaceClass, subclass, protocol] = triple;
  if (interfaceClass === undefined) return undefined;
  const usbInterface: UsbInterface = {
    class: interfaceClass,
    subclass: subclass ?? "00",
    protocol: protocol ?? "00",
  };
  const name = stringProperty(node, "USB Interface Name") ?? stringProperty(node, "kUSBString");
  if (name) usbInterface.name = name;
  return usbInterface;
}

/**
 * The class of the host controller above a node. A simulated root hub names its controller:
 * "AppleUSBVHCIBCE Root Hub Simulation" sits on an AppleUSBVHCIBCE.
 */
function controllerClassAbove(node: IoregNode): string | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isControllerNode(current)) return current.className;
    if (isDeviceNode(current) && isRootHubDeviceNode(current)) {
      const simulated = /^(.+?) Root Hub Simulation$/.exec(current.name);
      return simulated ? simulated[1] : current.className;
    }
  }
  return undefined;
}

function deviceFrom(node: IoregNode, path: string, parents: string[], rootHub: boolean): IoregUsbDevice {
  const warnings: string[] = [];
  const device: IoregUsbDevice = {
    portPath: path,
    parents,
    isRootHub: rootHub,
    name: node.name,
    className: node.className,
    interfaces: [],
    warnings,
  };
  const locationId = locationOf(node);
  if (locationId !== undefined) device.locationId = locationId;
  const set = <K extends keyof IoregUsbDevice>(key: K, value: IoregUsbDevice[K] | undefined) => {
    if (value !== undefined) device[key] = value;
  };
  set("vendorId", hex(numberProperty(node, "idVendor"), 4));
  set("productId", hex(numberProperty(node, "idProduct"), 4));
  if (node.properties.has("idVendor") && device.vendorId === undefined)
    warnings.push(`idVendor ${node.properties.get("idVendor")} is not a 16-bit number`);
  set("serial", stringProperty(node, "kUSBSerialNumberString") ?? stringProperty(node, "USB Serial Number"));
  set("manufacturer", stringProperty(node, "USB Vendor Name") ?? stringProperty(node, "kUSBVendorString"));
  set("product", stringProperty(node, "USB Product Name") ?? stringProperty(node, "kUSBProductString"));
  const classes = ["bDeviceClass", "bDeviceSubClass", "bDeviceProtocol"].map((key) =>
    hex(numberProperty(node, key), 2),
  );
  if (classes[0] !== undefined) {
    device.deviceClass = { class: classes[0], subclass: classes[1] ?? "00", protocol: classes[2] ?? "00" };
  }
  const linkSpeed = numberProperty(node, "UsbLinkSpeed");
  const legacySpeed = numberProperty(node, "Device Speed");
  set(
    "speedMbps",
    linkSpeed !== undefined && linkSpeed > 0
      ? linkSpeed / 1e6
      : legacySpeed !== undefined
        ? DEVICE_SPEED_MBPS[legacySpeed]
        : undefined,
  );
  const sink = numberProperty(node, "UsbPowerSinkAllocation");
  const requested = numberProperty(node, "Requested Power");
  set("powerMilliamps", requested !== undefined ? requested * 2 : sink);
  set("builtIn", booleanProperty(node, "Built-In"));
  set("nonRemovable", booleanProperty(node, "non-removable"));
  set("portType", numberProperty(node, "USBPortType"));
  set("supportsIPhoneOS", booleanProperty(node, "SupportsIPhoneOS"));
  set("hasMassStorageInterface", booleanProperty(node, "kHasMSCInterface"));
  set("controllerClass", controllerClassAbove(node));
  return device;
}

/**
 * USB devices from `ioreg -p IOUSB -l -w0` (or IOService-plane) text, with the interfaces found
 * below each device and, from a second text (`ioreg -r -c IOUSBHostInterface`), those matched by
 * locationID. Root hubs come from simulated root hub devices or, on Apple Silicon and newer Intel
 * releases where none is shown, from the host controller nodes. Pure; never throws.
 */
export function parseIoregUsb(devicesText: string, interfacesText?: string): IoregUsbDevice[] {
  const roots = parseIoregTree(devicesText);
  const devices: IoregUsbDevice[] = [];
  const byNode = new Map<IoregNode, IoregUsbDevice>();
  const rootHubs = new Map<string, IoregUsbDevice>();
  /** Devices by locationID: a driver node below a device that repeats its ids is the same device. */
  const byLocation = new Map<number, IoregUsbDevice>();

  const visit = (node: IoregNode, parents: string[]) => {
    let childParents = parents;
    if (isDeviceNode(node) || isControllerNode(node)) {
      const locationId = locationOf(node);
      const rootHub = isControllerNode(node) || isRootHubDeviceNode(node);
      const path =
        locationId === undefined
          ? `ioreg:${node.line}`
          : rootHub
            ? `usb${locationId >>> 24}`
            : portPathFromLocation(locationId);
      // The tree's own chain; a flat text (ioreg -r) has none, and the locationID encodes it.
      const chain =
        parents.length > 0 || rootHub || locationId === undefined ? parents : parentsFromLocation(locationId);
      if (rootHub) {
        // A controller and its simulated root hub device (IOService plane, macOS 10.11–10.15) are one hub.
        const known = rootHubs.get(path);
        if (!known || (known.vendorId === undefined && isDeviceNode(node))) {
          const device = deviceFrom(node, path, [], true);
          if (known) devices.splice(devices.indexOf(known), 1, device);
          else devices.push(device);
          rootHubs.set(path, device);
          byNode.set(node, device);
        } else {
          byNode.set(node, known);
        }
      } else {
        const alias = locationId === undefined ? undefined : byLocation.get(locationId);
        if (alias) {
          byNode.set(node, alias);
        } else {
          const device = deviceFrom(node, path, chain, false);
          devices.push(device);
          byNode.set(node, device);
          if (locationId !== undefined) byLocation.set(locationId, device);
        }
      }
      childParents = [...chain, path];
      if (rootHub) childParents = [path];
    } else if (isInterfaceNode(node)) {
      for (let current = node.parent; current; current = current.parent) {
        const owner = byNode.get(current);
        if (owner) {
          const usbInterface = interfaceFrom(node);
          if (usbInterface) owner.interfaces.push(usbInterface);
          break;
        }
      }
    }
    for (const child of node.children) visit(child, childParents);
  };
  for (const root of roots) visit(root, []);

  if (interfacesText) {
    for (const node of walk(parseIoregTree(interfacesText))) {
      if (!isInterfaceNode(node)) continue;
      const location = locationOf(node);
      const owner = location === undefined ? undefined : byLocation.get(location);
      const usbInterface = interfaceFrom(node);
      if (!owner || !usbInterface) continue;
      // The IOService plane may already have listed it under its device.
      const same = owner.interfaces.some(
        (known) =>
          known.class === usbInterface.class &&
          known.subclass === usbInterface.subclass &&
          known.protocol === usbInterface.protocol &&
          known.name === usbInterface.name,
      );
      if (!same) owner.interfaces.push(usbInterface);
    }
  }
  return devices;
}
