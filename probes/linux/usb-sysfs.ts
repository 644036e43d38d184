// The Linux USB probe: collects /sys/bus/usb/devices (and /sys/class/typec) and hands the raw
// attribute text to the pure parser. Every path goes through `options.root`, so `--root DIR`
// reads a recorded tree exactly as umockdev-run presents one at "/".

import { type FSWatcher, watch } from "node:fs";
import { join } from "node:path";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { Observation, Snapshot, SourceName } from "../types.ts";
import { listDirectory, listDirectorySync, readAttribute } from "./sysfs-read.ts";
import { collectTypecPorts } from "./typec.ts";
import {
  comparePortPaths,
  hubPortAttributePath,
  INTERFACE_NAME_CLASSES,
  identityFromUevent,
  interfaceClassFromModalias,
  interfaceOwner,
  isUsbDeviceName,
  parseUsbDevice,
  type RawAttribute,
  type RawUsbDevice,
  type RawUsbInterface,
} from "./usb-sysfs-parse.ts";

/** Read one by one when the device's `uevent` cannot stand in for them. */
const IDENTITY_ATTRIBUTES = [
  "idVendor",
  "idProduct",
  "bDeviceClass",
  "bDeviceSubClass",
  "bDeviceProtocol",
] as const;
const DEVICE_ATTRIBUTES = ["serial", "manufacturer", "product", "speed", "bMaxPower", "removable"] as const;

// Fewer reads is what makes a scan fast (each costs a few syscalls): a device's `uevent` stands in
// for five identity attributes and an interface's `modalias` for three; both fall back to the
// individual attributes when missing or odd, so garbled values are still reported one by one.
// Paths are joined by concatenation, not path.join (whose normalising showed in profiles): every
// part is a directory entry's name or a fixed relative path, and the base directory is joined once.

function collectInterface(devicesDirectory: string, name: string): RawUsbInterface {
  const directory = `${devicesDirectory}/${name}/`;
  const classes = interfaceClassFromModalias(readAttribute(`${directory}modalias`)) ?? {
    bInterfaceClass: readAttribute(`${directory}bInterfaceClass`),
    bInterfaceSubClass: readAttribute(`${directory}bInterfaceSubClass`),
    bInterfaceProtocol: readAttribute(`${directory}bInterfaceProtocol`),
  };
  const raw: RawUsbInterface = { name, ...classes };
  // Only vendor-specific and still-image interfaces need their name (to recognise MTP): skip the rest.
  const interfaceClass = classes.bInterfaceClass;
  if ("text" in interfaceClass && INTERFACE_NAME_CLASSES.has(interfaceClass.text.trim().toLowerCase())) {
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

function collectConnectType(devicesDirectory: string, name: string): RawAttribute {
  // The device's `port` link points at its hub port; older kernels lack the link, so fall back
  // to the port's documented place under the parent hub's interface.
  const viaLink = readAttribute(`${devicesDirectory}/${name}/port/connect_type`);
  if (!("missing" in viaLink)) return viaLink;
  const fallback = hubPortAttributePath(name, "connect_type");
  return fallback ? readAttribute(`${devicesDirectory}/${fallback}`) : viaLink;
}

function collectDevice(devicesDirectory: string, name: string, interfaceNames: string[]): RawUsbDevice {
  const directory = `${devicesDirectory}/${name}/`;
  const identity =
    identityFromUevent(readAttribute(`${directory}uevent`)) ?? readAll(directory, IDENTITY_ATTRIBUTES);
  const attributes = readAll(directory, DEVICE_ATTRIBUTES);
  const interfaces = interfaceNames.map((interfaceName) => collectInterface(devicesDirectory, interfaceName));
  const raw: RawUsbDevice = { name, ...identity, ...attributes, interfaces };
  if (!name.startsWith("usb")) raw.connectType = collectConnectType(devicesDirectory, name);
  return raw;
}

/** Reads every USB device under `root` into raw attribute records. Throws only if the bus directory cannot be listed. */
export async function collectUsbDevices(root: string): Promise<RawUsbDevice[]> {
  const devicesDirectory = join(root, "sys/bus/usb/devices");
  const names = listDirectorySync(devicesDirectory).map((entry) => entry.name);
  const deviceNames = names.filter(isUsbDeviceName).sort(comparePortPaths);
  // Entries that are neither devices nor interfaces land under `undefined`, never looked up.
  const interfacesByDevice = Map.groupBy(
    names.filter((name) => !isUsbDeviceName(name)),
    interfaceOwner,
  );
  return deviceNames.map((name) => collectDevice(devicesDirectory, name, interfacesByDevice.get(name) ?? []));
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

  constructor(options: ProbeOptions) {
    super();
    this.#root = options.root || "/";
  }

  async snapshot(): Promise<Snapshot> {
    const unavailable: Snapshot["unavailable"] = [];
    const [devices, powerPorts] = await Promise.all([
      collectUsbDevices(this.#root).catch((error: NodeJS.ErrnoException) => {
        const reason = `cannot list ${join(this.#root, "sys/bus/usb/devices")}: ${error.code ?? error.message}`;
        unavailable.push(
          error.code === "ENOENT" && usbNotInKernel(this.#root)
            ? { source: "linux-sysfs", reason: `${reason} (no USB support in this kernel)`, absent: true }
            : { source: "linux-sysfs", reason },
        );
        return [];
      }),
      collectTypecPorts(this.#root),
    ]);
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
