// The cross-platform USB probe: libusb through node-usb 2.x, for macOS and Windows laptops.
// node-usb 2.x's legacy API reads device and configuration descriptors that libusb caches from the
// OS (sysfs, IOKit, the Windows hub driver) WITHOUT opening the device, so it needs no permissions
// and never disturbs a driver. Opening is what string descriptors need, so this probe never reads
// them: manufacturer, product, serial and interface names stay undefined, and ids take the
// `usb:VID:PID@portPath` form. systeminformation fills the names in (see merge-usb.ts).
//
// Collection (`recordFromDevice`) is split from mapping (`observationFromLibusbDevice`), so the
// mapping is tested on recorded descriptors (test/fixtures/libusb/).

import { parentPortPaths, usbObservationId } from "./linux/usb-sysfs-parse.ts";
import { Probe, type ProbeOptions } from "./probe.ts";
import type { Snapshot, SourceName, UsbInterface, UsbObservation } from "./types.ts";

/** The fields of node-usb's InterfaceDescriptor that classification needs. */
export interface LibusbInterfaceRecord {
  bInterfaceNumber: number;
  bAlternateSetting: number;
  bInterfaceClass: number;
  bInterfaceSubClass: number;
  bInterfaceProtocol: number;
}

/** The fields of node-usb's ConfigDescriptor we read; `interfaces` is [interface][alternate setting]. */
export interface LibusbConfigRecord {
  bConfigurationValue: number;
  /** Raw descriptor value: 2 mA units below SuperSpeed, 8 mA units at SuperSpeed. */
  bMaxPower: number;
  interfaces: LibusbInterfaceRecord[][];
}

/** One node-usb `Device` as plain data: what `recordFromDevice` reads, and what fixtures record. */
export interface LibusbDeviceRecord {
  busNumber: number;
  deviceAddress: number;
  /** Hub ports from the root down; node-usb leaves it undefined for root hubs and where the OS cannot say. */
  portNumbers?: number[] | undefined;
  /** False for a root hub (libusb_get_parent gives none); undefined when not recorded. */
  hasParent?: boolean | undefined;
  deviceDescriptor: {
    bcdUSB: number;
    bDeviceClass: number;
    bDeviceSubClass: number;
    bDeviceProtocol: number;
    idVendor: number;
    idProduct: number;
    iManufacturer: number;
    iProduct: number;
    iSerialNumber: number;
    bNumConfigurations: number;
  };
  /** The active configuration; undefined when the device is unconfigured or it could not be read. */
  configDescriptor?: LibusbConfigRecord | undefined;
  allConfigDescriptors?: LibusbConfigRecord[] | undefined;
  /** Why reading the configuration descriptors threw (some backends do for some devices). */
  configError?: string | undefined;
}

function hex(value: unknown, digits: number): string | undefined {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= 16 ** digits) {
    return undefined;
  }
  return value.toString(16).padStart(digits, "0");
}

/** "B-p.p.p" like the Linux kernel, so ids and hub chains look the same on every OS; "usbB" for a root hub. */
export function libusbPortPath(busNumber: number, portNumbers: readonly number[]): string {
  return portNumbers.length === 0 ? `usb${busNumber}` : `${busNumber}-${portNumbers.join(".")}`;
}

function interfacesOf(config: LibusbConfigRecord, warnings: string[]): UsbInterface[] {
  const interfaces: UsbInterface[] = [];
  for (const alternates of config.interfaces) {
    // Alternate settings (a webcam's bandwidth steps) repeat the interface's class: the first one,
    // setting 0, is what Linux shows in sysfs while the interface is idle.
    const first = [...alternates].sort((a, b) => a.bAlternateSetting - b.bAlternateSetting)[0];
    if (!first) continue;
    const triple = {
      class: hex(first.bInterfaceClass, 2),
      subclass: hex(first.bInterfaceSubClass, 2),
      protocol: hex(first.bInterfaceProtocol, 2),
    };
    if (triple.class === undefined || triple.subclass === undefined || triple.protocol === undefined) {
      warnings.push(`interface ${first.bInterfaceNumber}: class/subclass/protocol out of range`);
      continue;
    }
    interfaces.push({ class: triple.class, subclass: triple.subclass, protocol: triple.protocol });
  }
  return interfaces;
}

/** The configuration whose interfaces describe the device: the active one, else the first one (warned). */
function chooseConfig(record: LibusbDeviceRecord, warnings: string[]): LibusbConfigRecord | undefined {
  if (record.configError !== undefined) {
    warnings.push(`configuration descriptors could not be read (${record.configError})`);
  }
  if (record.configDescriptor) return record.configDescriptor;
  const first = record.allConfigDescriptors?.[0];
  if (first) {
    warnings.push(
      `no active configuration reported; interfaces are those of configuration ${first.bConfigurationValue}`,
    );
  } else if (record.configError === undefined) {
    warnings.push("no configuration descriptor: interfaces unknown");
  }
  return first;
}

/** One recorded node-usb device → its observation. Pure; never throws. */
export function observationFromLibusbDevice(record: LibusbDeviceRecord): UsbObservation {
  const warnings: string[] = [];
  const descriptor = record.deviceDescriptor;
  const vendorId = hex(descriptor.idVendor, 4);
  const productId = hex(descriptor.idProduct, 4);
  if (vendorId === undefined) warnings.push("idVendor: out of range");
  if (productId === undefined) warnings.push("idProduct: out of range");

  let portPath: string;
  let parents: string[] = [];
  let isRootHub = false;
  if (record.portNumbers !== undefined && record.portNumbers.length > 0) {
    portPath = libusbPortPath(record.busNumber, record.portNumbers);
    parents = parentPortPaths(portPath);
  } else if (record.hasParent === false) {
    portPath = libusbPortPath(record.busNumber, []);
    isRootHub = true;
  } else {
    // Without ports there is no hub chain; the address at least keeps the id unique on this bus.
    portPath = `${record.busNumber}-address${record.deviceAddress}`;
    warnings.push("port numbers not available on this platform: hub chain unknown");
  }

  const config = chooseConfig(record, warnings);
  const interfaces = config ? interfacesOf(config, warnings) : [];

  const observation: UsbObservation = {
    bus: "usb",
    source: "libusb",
    // No serial: reading it would mean opening the device (see the top of this file).
    id: usbObservationId(vendorId, productId, undefined, portPath),
    interfaces,
    portPath,
    parents,
    isRootHub,
    // libusb cannot see whether a port is user-accessible; classification falls back on fingerprints.
    removable: "unknown",
  };
  if (vendorId !== undefined) observation.vendorId = vendorId;
  if (productId !== undefined) observation.productId = productId;
  const deviceClass = hex(descriptor.bDeviceClass, 2);
  const subclass = hex(descriptor.bDeviceSubClass, 2);
  const protocol = hex(descriptor.bDeviceProtocol, 2);
  if (deviceClass !== undefined && subclass !== undefined && protocol !== undefined) {
    observation.deviceClass = { class: deviceClass, subclass, protocol };
  } else {
    warnings.push("bDeviceClass/SubClass/Protocol: out of range");
  }
  if (config && Number.isInteger(config.bMaxPower) && config.bMaxPower >= 0) {
    // The unit depends on the link speed, which node-usb 2.x does not expose: 2 mA below
    // SuperSpeed, 8 mA at SuperSpeed. Only a USB 2 device is certain to be below SuperSpeed.
    if (descriptor.bcdUSB < 0x0300) {
      observation.maxPowerMilliamps = config.bMaxPower * 2;
    } else {
      warnings.push(
        `bMaxPower: ${config.bMaxPower} is ${config.bMaxPower * 2} mA at high speed or ${config.bMaxPower * 8} mA at SuperSpeed; the link speed is unknown`,
      );
    }
  }
  if (warnings.length > 0) observation.warnings = warnings;
  return observation;
}

// ---------------------------------------------------------------------------------------------
// I/O: node-usb, lazily loaded.

/** What we use of node-usb's module. */
interface NodeUsbModule {
  getDeviceList(): NodeUsbDevice[];
  usb: {
    INIT_ERROR: number;
    on(event: "attach" | "detach", listener: (device: unknown) => void): unknown;
    removeListener(event: "attach" | "detach", listener: (device: unknown) => void): unknown;
    unrefHotplugEvents(): void;
  };
}

type NodeUsbDevice = Omit<LibusbDeviceRecord, "configError" | "hasParent"> & { readonly parent: unknown };

/**
 * Reads one node-usb Device into plain data. `configDescriptor` and `allConfigDescriptors` are
 * getters that call into libusb and can throw on some backends; the device is still reported.
 */
export function recordFromDevice(device: NodeUsbDevice): LibusbDeviceRecord {
  const record: LibusbDeviceRecord = {
    busNumber: device.busNumber,
    deviceAddress: device.deviceAddress,
    portNumbers: device.portNumbers ? [...device.portNumbers] : undefined,
    deviceDescriptor: { ...device.deviceDescriptor },
  };
  try {
    // libusb_get_parent reads libusb's device list; it does not open anything.
    record.hasParent = device.parent !== null && device.parent !== undefined;
  } catch {
    // Unknown: the mapping falls back on the device address.
  }
  try {
    record.configDescriptor = device.configDescriptor;
  } catch (error) {
    record.configError = error instanceof Error ? error.message : String(error);
  }
  if (!record.configDescriptor) {
    try {
      record.allConfigDescriptors = device.allConfigDescriptors;
    } catch (error) {
      record.configError ??= error instanceof Error ? error.message : String(error);
    }
  }
  return record;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class LibusbProbe extends Probe {
  readonly name: SourceName = "libusb";
  #module: Promise<NodeUsbModule | string> | undefined;
  #watching: NodeUsbModule | undefined;
  #stopped = false;
  readonly #onAttach = () => this.emit("change", "usb device attached (libusb hotplug)");
  readonly #onDetach = () => this.emit("change", "usb device detached (libusb hotplug)");

  /** The loaded module, or why it could not be loaded. */
  #load(): Promise<NodeUsbModule | string> {
    this.#module ??= (async () => {
      try {
        // Literal specifier: the SEA bundler resolves only literal imports.
        const loaded = (await import("usb")) as unknown as NodeUsbModule;
        if (loaded.usb.INIT_ERROR) return `libusb could not initialise (error ${loaded.usb.INIT_ERROR})`;
        return loaded;
      } catch (error) {
        return `the usb module (node-usb) is not installed or could not load: ${message(error)}`;
      }
    })();
    return this.#module;
  }

  async snapshot(): Promise<Snapshot> {
    const loaded = await this.#load();
    if (typeof loaded === "string") {
      return { observations: [], unavailable: [{ source: "libusb", reason: loaded }] };
    }
    let devices: NodeUsbDevice[];
    try {
      devices = loaded.getDeviceList();
    } catch (error) {
      return {
        observations: [],
        unavailable: [{ source: "libusb", reason: `cannot list USB devices: ${message(error)}` }],
      };
    }
    const observations = devices.map((device) => observationFromLibusbDevice(recordFromDevice(device)));
    return { observations, unavailable: [] };
  }

  override watch(): void {
    if (this.#watching) return;
    this.#stopped = false;
    void this.#load().then((loaded) => {
      if (typeof loaded === "string" || this.#stopped || this.#watching) return;
      try {
        loaded.usb.on("attach", this.#onAttach);
        loaded.usb.on("detach", this.#onDetach);
        // Hotplug must not keep the process alive: the daemon decides when to exit. (Where libusb
        // has no hotplug, node-usb polls on a timer until the listeners are removed in stop().)
        loaded.usb.unrefHotplugEvents();
        this.#watching = loaded;
      } catch (error) {
        this.emit("error", error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  override async stop(): Promise<void> {
    this.#stopped = true;
    const watching = this.#watching;
    this.#watching = undefined;
    if (!watching) return;
    // Removing the last attach/detach listener makes node-usb stop its hotplug thread or polling.
    watching.usb.removeListener("attach", this.#onAttach);
    watching.usb.removeListener("detach", this.#onDetach);
  }
}

export function createLibusbProbe(_options: ProbeOptions): Probe {
  return new LibusbProbe();
}
