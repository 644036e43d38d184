import type { Probe, ProbeOptions } from "./probe.ts";
import type { Bus } from "./types.ts";

interface Backend {
  /** Lazily imported, so a scan only loads what it uses (the HCI socket's addon is never loaded unless asked for). */
  load: () => Promise<(options: ProbeOptions) => Probe>;
  /** Buses it observes: when every source of a bus fails, that bus's findings stay open. */
  buses: Bus[];
  /** Reads only files under ProbeOptions.root (a recorded tree), never the live machine. */
  underRoot?: true;
}

/** Probe backends by name. New platforms register here; nothing else should learn their names. */
const backends: Record<string, Backend> = {
  "linux-sysfs": {
    load: async () => (await import("./linux/usb-sysfs.ts")).createLinuxUsbProbe,
    buses: ["usb"],
    underRoot: true,
  },
  replay: { load: async () => (await import("./replay.ts")).createReplayProbe, buses: ["usb", "bluetooth"] },
  "bluez-dbus": {
    load: async () => (await import("./linux/bluez-dbus.ts")).createBluezDbusProbe,
    buses: ["bluetooth"],
  },
  "bluez-store": {
    load: async () => (await import("./linux/bluez-store.ts")).createBluezStoreProbe,
    buses: ["bluetooth"],
    underRoot: true,
  },
  hci: { load: async () => (await import("./linux/hci.ts")).createHciProbe, buses: ["bluetooth"] },
  "windows-pnp": {
    load: async () => (await import("./windows/pnp.ts")).createWindowsPnpProbe,
    buses: ["usb"],
  },
  "windows-bluetooth": {
    load: async () => (await import("./windows/bluetooth.ts")).createWindowsBluetoothProbe,
    buses: ["bluetooth"],
  },
  libusb: { load: async () => (await import("./libusb.ts")).createLibusbProbe, buses: ["usb"] },
  "macos-bluetooth": {
    load: async () => (await import("./macos/bluetooth.ts")).createMacosBluetoothProbe,
    buses: ["bluetooth"],
  },
  systeminformation: {
    load: async () => (await import("./systeminformation.ts")).createSystemInformationProbe,
    buses: ["usb", "bluetooth"],
  },
};

export type BackendName = keyof typeof backends;

export function backendNames(): string[] {
  return Object.keys(backends);
}

/** The buses a backend observes; none for an unknown name. */
export function backendBuses(name: string): Bus[] {
  return backends[name]?.buses ?? [];
}

/** Names of the backends a scan uses by default on this platform. */
export function defaultBackends(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === "linux") return ["linux-sysfs", "bluez-dbus", "bluez-store"];
  // Windows: Plug and Play and BTHPORT directly (probes/windows/). systeminformation's WMI view has
  // no interface classes and drops what it cannot type; libusb adds link speed and bMaxPower,
  // which no classification or rule reads, at the price of a native addon. Neither is a default.
  if (platform === "win32") return ["windows-pnp", "windows-bluetooth"];
  // libusb reads descriptors; systeminformation adds names, serials and Bluetooth (merge-usb.ts).
  if (platform === "darwin") return ["libusb", "systeminformation"];
  return [];
}

/**
 * The backends that read only files under a filesystem root: the defaults for `--root DIR`, so a
 * recorded tree is never mixed with the live machine (the host's BlueZ, its USB via libusb).
 */
export function rootBackends(): string[] {
  return Object.entries(backends)
    .filter(([, backend]) => backend.underRoot)
    .map(([name]) => name);
}

export async function createProbe(name: string, options: ProbeOptions): Promise<Probe> {
  const backend = backends[name];
  if (!backend) {
    throw new Error(`Unknown probe backend "${name}". Choose one of: ${backendNames().join(", ")}.`);
  }
  const factory = await backend.load();
  return factory(options);
}
