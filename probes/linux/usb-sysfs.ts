// The Linux USB probe: collects /sys/bus/usb/devices (and /sys/class/typec) and hands the raw
// attribute text to the pure parser. Every path goes through `options.root`, so `--root DIR`
// reads a recorded tree exactly as umockdev-run presents one at "/".

import { type FSWatcher, realpathSync, watch } from "node:fs";
import { join } from "node:path";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { Observation, Snapshot, SourceName } from "../types.ts";
import {
  type DirectoryEntry,
  listDirectory,
  listDirectorySync,
  pathExists,
  readAttribute,
  readBinaryAttribute,
  readLinkTargetSync,
} from "./sysfs-read.ts";
import { collectTypecPorts } from "./typec.ts";
import {
  activeConfiguration,
  type DescribedInterface,
  identityFromDescriptors,
  interfaceClassFromDescriptors,
  maxPowerFromDescriptors,
  maxPowerNeedsSpeed,
  parseDescriptors,
  type UsbDescriptors,
} from "./usb-sysfs-descriptors.ts";
import {
  hubPortAttributePath,
  INTERFACE_NAME_CLASSES,
  identityFromUevent,
  interfaceClassFromModalias,
  interfaceOwner,
  isUsbDeviceName,
  parentPortPath,
  parseUsbDevice,
  type RawAttribute,
  type RawUsbDevice,
  type RawUsbInterface,
  sortPortPaths,
} from "./usb-sysfs-parse.ts";

/** Read one by one when neither `descriptors` nor `uevent` can stand in for them. */
const IDENTITY_ATTRIBUTES = [
  "idVendor",
  "idProduct",
  "bDeviceClass",
  "bDeviceSubClass",
  "bDeviceProtocol",
] as const;
const NO_STRING: RawAttribute = Object.freeze({ missing: true });

// Fewer reads is what makes a scan fast (each is an open, a read and a close). A device's binary
// `descriptors` file holds its ids, classes, string indices, bMaxPower and every interface's class:
// one read instead of a `uevent` (or five identity attributes), a `bMaxPower` and a `modalias` per
// interface, and a string attribute (or an interface's name) is not even opened when its index
// says the device has none. What the file lacks is still read: the strings, speed, the port's
// connect_type where firmware can have set it (PortKnowledge), and removable where nothing known
// decides it (collectRemovable).
// Without the file (a recorded tree that lacks it) the attributes are read as before; with a file
// that cannot be trusted (truncated, garbled) too, and the device says so in a warning. Paths are
// joined by concatenation, not path.join (whose normalising showed in profiles): every part is a
// directory entry's name or a fixed relative path, and the base directory is joined once.

function collectInterface(
  devicesDirectory: string,
  name: string,
  fromDescriptors: DescribedInterface | undefined,
): RawUsbInterface {
  const directory = `${devicesDirectory}/${name}/`;
  let raw: RawUsbInterface;
  if (fromDescriptors) {
    raw = {
      name,
      bInterfaceClass: fromDescriptors.bInterfaceClass,
      bInterfaceSubClass: fromDescriptors.bInterfaceSubClass,
      bInterfaceProtocol: fromDescriptors.bInterfaceProtocol,
    };
  } else {
    const classes = interfaceClassFromModalias(readAttribute(`${directory}modalias`)) ?? {
      bInterfaceClass: readAttribute(`${directory}bInterfaceClass`),
      bInterfaceSubClass: readAttribute(`${directory}bInterfaceSubClass`),
      bInterfaceProtocol: readAttribute(`${directory}bInterfaceProtocol`),
    };
    raw = { name, ...classes };
  }
  // Only vendor-specific and still-image interfaces need their name (to recognise MTP): skip the
  // rest, and those the descriptors say have none.
  const interfaceClass = raw.bInterfaceClass;
  if (
    "text" in interfaceClass &&
    fromDescriptors?.named !== false &&
    INTERFACE_NAME_CLASSES.has(interfaceClass.text.trim().toLowerCase())
  ) {
    raw.interface = readAttribute(`${directory}interface`);
  }
  return raw;
}

/** `directory` ends in "/". */
function readAll<const Names extends readonly string[]>(
  directory: string,
  names: Names,
): Record<Names[number], RawAttribute> {
  const attributes: Record<string, RawAttribute> = {};
  for (const name of names) attributes[name] = readAttribute(directory + name);
  return attributes as Record<Names[number], RawAttribute>;
}

/** The hub port's connect_type, and whether it was read through the device's `port` link. */
interface ConnectType {
  attribute: RawAttribute;
  viaLink: boolean;
}

function collectConnectType(devicesDirectory: string, directory: string, name: string): ConnectType {
  // The device's `port` link points at its hub port; older kernels lack the link, so fall back
  // to the port's documented place under the parent hub's interface.
  const viaLink = readAttribute(`${directory}port/connect_type`);
  if (!("missing" in viaLink)) return { attribute: viaLink, viaLink: true };
  const fallback = hubPortAttributePath(name, "connect_type");
  return {
    attribute: fallback ? readAttribute(`${devicesDirectory}/${fallback}`) : viaLink,
    viaLink: false,
  };
}

const UNKNOWN_CONNECT_TYPE: RawAttribute = Object.freeze({ text: "unknown\n" });

/**
 * What a scan knows of the hub port a device is plugged into, for the devices plugged into it.
 * A port's connect_type comes from its ACPI companion alone (drivers/usb/core/usb-acpi.c,
 * usb_acpi_find_companion_for_port: from _UPC and _PLD); without one it stays
 * USB_PORT_CONNECT_TYPE_UNKNOWN, the zero of the kzalloc'd usb_port (port.c), and the device tree
 * sets none (drivers/usb/core/of.c). A companion shows in sysfs as the port directory's
 * `firmware_node` link (drivers/acpi/glue.c, acpi_bind_one). And a non-root hub's ports look for
 * theirs only among the ACPI children of the companion of the port the hub hangs from
 * (usb_acpi_get_companion_for_port, and usb_acpi_find_device in 3.x kernels: "the non-root-hub
 * ports' parent is the parent hub port which the hub is connected to"). So behind a non-root hub,
 * a port without `firmware_node` is "unknown" without reading it (an existence check costs a little
 * over half a read; the laptop's own ports, which firmware usually describes, are simply read),
 * and every port of a hub whose own port has no companion is "unknown" without even that: an
 * external hub or a dock, and everything behind it. Only where the tree shows port devices (the
 * hub's own connect_type read through its `port` link, in a tree whose descriptors could be used:
 * one the kernel wrote), so a recording without them reads as before.
 */
interface PortKnowledge {
  /** Ends in "/". */
  directory: string;
  /** The tree has hub port devices here: this device's port was read through its link, or is known. */
  portsShown: boolean;
  /** The device's own port has no ACPI companion (so neither has any port of it, if it is a hub); undefined until asked. */
  undescribed: boolean | undefined;
}

/** Whether firmware describes no port of `hub` (a non-root hub already collected). */
function hubUndescribed(hub: PortKnowledge): boolean {
  hub.undescribed ??= hub.portsShown && !pathExists(`${hub.directory}port/firmware_node`);
  return hub.undescribed;
}

/**
 * `removable` is the kernel's verdict from the hub port's connect_type when the firmware gave one
 * (drivers/usb/core/hub.c, set_usb_port_removable: hotplug → removable, hardwired and not used →
 * fixed); only for an unknown type does it look further (the hub descriptor), and then the
 * attribute is read.
 */
const REMOVABLE_BY_CONNECT_TYPE: ReadonlyMap<string, RawAttribute> = new Map([
  ["hotplug", Object.freeze<RawAttribute>({ text: "removable\n" })],
  ["hardwired", Object.freeze<RawAttribute>({ text: "fixed\n" })],
  ["not used", Object.freeze<RawAttribute>({ text: "fixed\n" })],
]);

function removableFromConnectType(connectType: RawAttribute | undefined): RawAttribute | undefined {
  return connectType && "text" in connectType
    ? REMOVABLE_BY_CONNECT_TYPE.get(connectType.text.trim())
    : undefined;
}

const UNKNOWN_REMOVABLE: RawAttribute = Object.freeze({ text: "unknown\n" });

function isUnknown(attribute: RawAttribute | undefined): boolean {
  return attribute !== undefined && "text" in attribute && attribute.text.trim() === "unknown";
}

/**
 * Hubs a scan has learnt are not compound. Behind a port whose connect_type is unknown the kernel
 * takes `removable` from the hub descriptor (hub.c set_usb_port_removable): a hub without
 * HUB_CHAR_COMPOUND in wHubCharacteristics leaves it unknown, a compound hub says removable or
 * fixed for each port. So once one child of a hub behind an unknown port reads "unknown", the hub
 * is not compound and its other children behind unknown ports are unknown too, unread. The hub
 * descriptor itself is not in sysfs, so the first child is always read.
 */
type SimpleHubs = Set<string>;

/**
 * `removable` as the kernel set it, read only where nothing already known decides it: the port's
 * connect_type (above); a root hub, which has no parent port and which the kernel leaves unknown
 * (set_usb_port_removable returns after DEVICE_REMOVABLE_UNKNOWN; before Linux 5.15 it was not
 * called for root hubs and usb_device.removable stayed USB_DEVICE_REMOVABLE_UNKNOWN, since 3.2 where
 * the attribute appeared); a sibling of
 * an unknown child of a hub that is not compound (SimpleHubs). The last two only for a device whose
 * `descriptors` could be used, a tree the kernel wrote: without it the attribute is read as before.
 */
function collectRemovable(
  directory: string,
  parent: string | undefined,
  connectType: RawAttribute | undefined,
  kernelTree: boolean,
  simpleHubs: SimpleHubs,
): RawAttribute {
  const fromPort = removableFromConnectType(connectType);
  if (fromPort) return fromPort;
  const behindUnknownPort = parent !== undefined && isUnknown(connectType);
  if (kernelTree && (parent === undefined || (behindUnknownPort && simpleHubs.has(parent))))
    return UNKNOWN_REMOVABLE;
  const read = readAttribute(`${directory}removable`);
  if (kernelTree && behindUnknownPort && isUnknown(read)) simpleHubs.add(parent);
  return read;
}

/** The device's `descriptors`, parsed, or undefined (with a note when the file is there but unusable). */
function parseRead(
  read: ReturnType<typeof readBinaryAttribute>,
  notes: string[],
): UsbDescriptors | undefined {
  if ("missing" in read) return undefined;
  const parsed =
    "bytes" in read ? parseDescriptors(read.bytes) : { problem: `could not be read (${read.error})` };
  if ("problem" in parsed) {
    notes.push(`descriptors: ${parsed.problem}; read from the individual attributes instead`);
    return undefined;
  }
  return parsed;
}

/**
 * What the last scan read of each device, by sysfs name, with the key that proves it is the same
 * enumeration: the kernel's `devnum` (a new number at every attach, per bus, reused only after
 * 127 more), the `descriptors` bytes and the interface directories. Strings, speed, removable and
 * connect_type do not change while a device stays enumerated, so a scan that finds the same key
 * reads two files for the device instead of seven. Devices without `descriptors` or `devnum` (most
 * recorded trees) are read whole every time.
 */
export type DeviceCache = Map<string, { key: string; raw: RawUsbDevice; port: PortKnowledge }>;

function hasReadError(raw: RawUsbDevice): boolean {
  const attributes = [raw.serial, raw.manufacturer, raw.product, raw.bMaxPower, raw.removable];
  if (raw.speed) attributes.push(raw.speed);
  if (raw.connectType) attributes.push(raw.connectType);
  for (const i of raw.interfaces) if (i.interface) attributes.push(i.interface);
  return attributes.some((attribute) => "error" in attribute);
}

/** One scan's state: what it has read of the hubs so far, for the devices behind them. */
interface ScanState {
  devicesDirectory: string;
  cache: DeviceCache | undefined;
  simpleHubs: SimpleHubs;
  /** By sysfs name, every device read so far. */
  ports: Map<string, PortKnowledge>;
}

function collectDevice(
  scan: ScanState,
  { directory, read }: DeviceLocation,
  name: string,
  parent: string | undefined,
  interfaceNames: string[],
): RawUsbDevice {
  const { devicesDirectory, cache, simpleHubs } = scan;
  let key: string | undefined;
  if (cache && "bytes" in read && read.bytes.length > 0) {
    const devnum = readAttribute(`${directory}devnum`);
    if ("text" in devnum)
      key = `${devnum.text}\0${interfaceNames.join("\0")}\0${Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.length).toString("latin1")}`;
    const known = key !== undefined ? cache.get(name) : undefined;
    if (known && known.key === key) {
      scan.ports.set(name, known.port);
      return known.raw;
    }
  }
  const notes: string[] = [];
  const descriptors = parseRead(read, notes);
  const identity = descriptors
    ? identityFromDescriptors(descriptors)
    : (identityFromUevent(readAttribute(`${directory}uevent`)) ?? readAll(directory, IDENTITY_ATTRIBUTES));
  // A string whose index is 0 the device does not have, and the kernel makes no attribute for it.
  const string = (attribute: string, index: number | undefined) =>
    index === 0 ? NO_STRING : readAttribute(directory + attribute);
  const serial = string("serial", descriptors?.serialIndex);
  const manufacturer = string("manufacturer", descriptors?.manufacturerIndex);
  const product = string("product", descriptors?.productIndex);
  const configuration = descriptors ? activeConfiguration(descriptors, interfaceNames) : undefined;
  // Read only for bMaxPower at SuperSpeed: nothing else uses the speed (usb-sysfs-descriptors.ts).
  const speed =
    descriptors && configuration && !maxPowerNeedsSpeed(descriptors, configuration)
      ? undefined
      : readAttribute(`${directory}speed`);
  const bMaxPower = maxPowerFromDescriptors(configuration, speed) ?? readAttribute(`${directory}bMaxPower`);
  const kernelTree = descriptors !== undefined;
  const port: PortKnowledge = { directory, portsShown: false, undescribed: undefined };
  let connectType: RawAttribute | undefined;
  const hub = parent === undefined || parent.startsWith("usb") ? undefined : scan.ports.get(parent);
  if (parent === undefined) connectType = undefined;
  else if (
    hub &&
    (hubUndescribed(hub) || (hub.portsShown && kernelTree && !pathExists(`${directory}port/firmware_node`)))
  ) {
    // No ACPI companion for this port (its hub's ports have none, or it has no firmware_node).
    connectType = UNKNOWN_CONNECT_TYPE;
    port.portsShown = port.undescribed = true;
  } else {
    const read = collectConnectType(devicesDirectory, directory, name);
    connectType = read.attribute;
    port.portsShown = kernelTree && read.viaLink && "text" in read.attribute;
  }
  scan.ports.set(name, port);
  const removable = collectRemovable(directory, parent, connectType, kernelTree, simpleHubs);
  const interfaces = interfaceNames.map((interfaceName) => {
    const fromDescriptors = interfaceClassFromDescriptors(configuration, interfaceName);
    if (descriptors && !fromDescriptors)
      notes.push(
        `descriptors: no interface ${interfaceName} in the active configuration; read its attributes`,
      );
    return collectInterface(devicesDirectory, interfaceName, fromDescriptors);
  });
  const raw: RawUsbDevice = {
    name,
    idVendor: identity.idVendor,
    idProduct: identity.idProduct,
    serial,
    manufacturer,
    product,
    bDeviceClass: identity.bDeviceClass,
    bDeviceSubClass: identity.bDeviceSubClass,
    bDeviceProtocol: identity.bDeviceProtocol,
    bMaxPower,
    removable,
    interfaces,
  };
  if (speed) raw.speed = speed;
  if (notes.length > 0) raw.notes = notes;
  if (connectType) raw.connectType = connectType;
  if (cache && key !== undefined && descriptors && notes.length === 0 && !hasReadError(raw))
    cache.set(name, { key, raw, port });
  else cache?.delete(name);
  return raw;
}

/**
 * The directory a /sys/bus/usb/devices entry names, as a path whose opens follow no link (on the
 * bench tree resolving the link is 12 % of an open). A relative target ("../../../devices/
 * pci0000:00/…/usb1/1-2", as the kernel writes them) is joined to the directory's physical path, so
 * stripping its leading ".." is exact; any other target (absolute, "." or ".." further in,
 * unreadable) is left to the kernel to resolve, through the link as before. Ends in "/".
 */
export function resolvedDeviceDirectory(
  devicesDirectory: string,
  physicalDevices: string[] | undefined,
  entry: DirectoryEntry,
): string {
  const throughLink = `${devicesDirectory}/${entry.name}/`;
  if (!entry.isSymbolicLink || !physicalDevices) return throughLink;
  const target = readLinkTargetSync(`${devicesDirectory}/${entry.name}`);
  if (target === undefined || target.startsWith("/")) return throughLink;
  let up = 0;
  while (target.startsWith("../", up * 3)) up++;
  const rest = target.slice(up * 3);
  if (up >= physicalDevices.length || rest === "" || /(?:^|\/)\.\.?(?:\/|$)/.test(rest)) return throughLink;
  return `${physicalDevices.slice(0, physicalDevices.length - up).join("/")}/${rest}/`;
}

/**
 * /sys/bus/usb/devices without links, split at "/" ("" first), or undefined if it cannot be had.
 * realpath(3), which umockdev-run intercepts: there it names the testbed's directory, whose files
 * are then read directly, the same files umockdev would have redirected to.
 */
function physicalPath(directory: string): string[] | undefined {
  try {
    return realpathSync.native(directory).split("/");
  } catch {
    return undefined;
  }
}

interface DeviceLocation {
  /** Ends in "/". */
  directory: string;
  read: ReturnType<typeof readBinaryAttribute>;
}

/**
 * Where a device's attributes are, and its `descriptors` read from there. The kernel makes every
 * USB device a child of its hub (usb_alloc_dev: dev.parent is the parent device), so "1-2.3" is
 * "1-2.3" inside 1-2's directory: tried first, which costs no readlink. A tree where it is not
 * there (no such directory, or no descriptors in it) is read through the device's link.
 */
function locateDevice(
  devicesDirectory: string,
  physicalDevices: string[] | undefined,
  entry: DirectoryEntry,
  parentDirectory: string | undefined,
): DeviceLocation {
  if (parentDirectory !== undefined && entry.isSymbolicLink) {
    const directory = `${parentDirectory}${entry.name}/`;
    const read = readBinaryAttribute(`${directory}descriptors`);
    if (!("missing" in read)) return { directory, read };
  }
  const directory = resolvedDeviceDirectory(devicesDirectory, physicalDevices, entry);
  return { directory, read: readBinaryAttribute(`${directory}descriptors`) };
}

/**
 * Reads every USB device under `root` into raw attribute records. Throws only if the bus directory
 * cannot be listed. With a cache (see DeviceCache), devices it knows are not read again; it keeps
 * only the devices present now.
 */
export async function collectUsbDevices(root: string, cache?: DeviceCache): Promise<RawUsbDevice[]> {
  const devicesDirectory = join(root, "sys/bus/usb/devices");
  const entries = listDirectorySync(devicesDirectory);
  const physicalDevices = physicalPath(devicesDirectory);
  const devices = new Map<string, DirectoryEntry>();
  // Entries that are neither devices nor interfaces land under `undefined`, never looked up.
  const interfacesByDevice = new Map<string | undefined, string[]>();
  for (const entry of entries) {
    // A device's name has no ":", an interface's always has.
    if (!entry.name.includes(":")) {
      if (isUsbDeviceName(entry.name)) devices.set(entry.name, entry);
    } else {
      const owner = interfaceOwner(entry.name);
      const list = interfacesByDevice.get(owner);
      if (list) list.push(entry.name);
      else interfacesByDevice.set(owner, [entry.name]);
    }
  }
  // Sorted, a hub comes before what is plugged into it, so its directory is known by then.
  const deviceNames = sortPortPaths([...devices.keys()]);
  const scan: ScanState = {
    devicesDirectory,
    cache,
    simpleHubs: new Set(),
    ports: new Map(),
  };
  const collected = deviceNames.map((name) => {
    const parent = parentPortPath(name);
    const location = locateDevice(
      devicesDirectory,
      physicalDevices,
      devices.get(name) as DirectoryEntry,
      parent === undefined ? undefined : scan.ports.get(parent)?.directory,
    );
    return collectDevice(scan, location, name, parent, interfacesByDevice.get(name) ?? []);
  });
  if (cache) {
    const present = new Set(deviceNames);
    for (const name of cache.keys()) if (!present.has(name)) cache.delete(name);
  }
  return collected;
}

/**
 * True when sysfs is there but has no USB bus: the kernel has no USB support (a VM or container
 * without a USB controller), a complete answer, "no USB". Without sysfs at all (a --root that is
 * not a tree), nothing could be read: a failure. Listed, not stat-ed, to work under umockdev.
 */
function usbNotInKernel(root: string): boolean {
  try {
    return !listDirectorySync(join(root, "sys/bus")).some((entry) => entry.name === "usb");
  } catch {
    return false;
  }
}

class LinuxUsbProbe extends Probe {
  readonly name: SourceName = "linux-sysfs";
  readonly #root: string;
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #cache: DeviceCache = new Map();
  /**
   * The cache is filled from the second scan on: keying a device costs a read of its `devnum`,
   * which a probe that scans once (`eca scan`) would pay for nothing.
   */
  #scanned = false;

  constructor(options: ProbeOptions) {
    super();
    this.#root = options.root || "/";
  }

  async snapshot(): Promise<Snapshot> {
    const unavailable: Snapshot["unavailable"] = [];
    const [devices, powerPorts] = await Promise.all([
      collectUsbDevices(this.#root, this.#scanned ? this.#cache : undefined).catch(
        (error: NodeJS.ErrnoException) => {
          const reason = `cannot list ${join(this.#root, "sys/bus/usb/devices")}: ${error.code ?? error.message}`;
          unavailable.push(
            error.code === "ENOENT" && usbNotInKernel(this.#root)
              ? { source: "linux-sysfs", reason: `${reason} (no USB support in this kernel)`, absent: true }
              : { source: "linux-sysfs", reason },
          );
          return [];
        },
      ),
      collectTypecPorts(this.#root),
    ]);
    this.#scanned = true;
    const observations: Observation[] = devices.map(parseUsbDevice);
    observations.push(...powerPorts);
    return { observations, unavailable };
  }

  /**
   * Watches usbfs device nodes (/dev/bus/usb/BBB/DDD): udev creates and removes one per attach and
   * detach, so inotify tells us within milliseconds. No such directory: nothing to do, the daemon polls.
   */
  override watch(): void {
    if (this.#watchers.size > 0) return;
    // Type-C partners (a phone charging in "no data" mode) enumerate no USB device. Their entries
    // in /sys/class/typec are watched too: that reports them in a recorded tree, and on a real
    // kernel sysfs tells inotify nothing about new entries, so there the safety poll finds them.
    const typec = join(this.#root, "sys/class/typec");
    this.#watchDirectory(typec, (_event, filename) =>
      this.emit("change", `typec ${filename ?? "?"} added or removed`),
    );
    const top = join(this.#root, "dev/bus/usb");
    if (!this.#watchDirectory(top, (_event, filename) => this.#onTopLevelChange(top, filename))) return;
    void this.#watchBusDirectories(top);
  }

  override async stop(): Promise<void> {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  async #watchBusDirectories(top: string): Promise<void> {
    let entries: { name: string; isDirectory: boolean }[];
    try {
      entries = await listDirectory(top);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory) this.#watchBus(join(top, entry.name), entry.name);
    }
  }

  #watchBus(path: string, bus: string): void {
    if (this.#watchers.has(path)) return;
    this.#watchDirectory(path, (_event, filename) => {
      this.emit("change", `usb device node ${bus}/${filename ?? "?"} added or removed`);
    });
  }

  #onTopLevelChange(top: string, filename: string | null): void {
    // A new bus directory appears when a host controller (a dock, a Thunderbolt bridge) arrives.
    this.emit("change", `usb bus directory ${filename ?? "?"} added or removed`);
    if (filename) {
      const path = join(top, filename);
      listDirectory(path).then(
        () => this.#watchBus(path, filename),
        () => {
          this.#watchers.get(path)?.close();
          this.#watchers.delete(path);
        },
      );
    }
  }

  #watchDirectory(path: string, listener: (event: string, filename: string | null) => void): boolean {
    try {
      const watcher = watch(path, { persistent: false }, listener);
      watcher.on("error", (error) => {
        this.#watchers.delete(path);
        watcher.close();
        // A bus directory vanishing with its controller is expected, not an error.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.emit("error", error);
      });
      this.#watchers.set(path, watcher);
      return true;
    } catch {
      return false;
    }
  }
}

export function createLinuxUsbProbe(options: ProbeOptions): Probe {
  return new LinuxUsbProbe(options);
}
