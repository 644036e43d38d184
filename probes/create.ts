import type { Probe, ProbeOptions } from "./probe.ts";
import type { Bus } from "./types.ts";

interface Backend {
  /** Lazily imported, so a scan only loads what it uses (the HCI socket's addon is never loaded unless asked for). */
  load: () => Promise<(options: ProbeOptions) => Probe>;
  /** Buses it observes: when every source of a bus fails, that bus's findings stay open. */
  buses: Bus[];
  /** Reads only files under ProbeOptions.root (a recorded tree), never the live machine. */
  underRoot?: true;
  /**
   * Reads only through options.root and options.sources, so it can replay a capture folder
   * (`eca scan --capture`). Backends that read sockets or libraries directly cannot.
   */
  replays?: true;
}

/** How long a live Mac's Bluetooth sources (system_profiler, plutil) are reused: at most one run a minute. */
export const MACOS_BLUETOOTH_REFRESH_MS = 60_000;

/** Probe backends by name. New platforms register here; nothing else should learn their names. */
const backends: Record<string, Backend> = {
  "linux-sysfs": {
    load: async () => (await import("./linux/usb-sysfs.ts")).createLinuxUsbProbe,
    buses: ["usb"],
    underRoot: true,
    replays: true,
  },
  replay: { load: async () => (await import("./replay.ts")).createReplayProbe, buses: ["usb", "bluetooth"] },
  "bluez-dbus": {
    load: async () => (await import("./linux/bluez-dbus.ts")).createBluezDbusProbe,
    buses: ["bluetooth"],
    replays: true,
  },
  "bluez-store": {
    load: async () => (await import("./linux/bluez-store.ts")).createBluezStoreProbe,
    buses: ["bluetooth"],
    underRoot: true,
    replays: true,
  },
  "macos-usb": {
    load: async () => (await import("./macos/usb.ts")).createMacosUsbProbe,
    buses: ["usb"],
    replays: true,
  },
  hci: { load: async () => (await import("./linux/hci.ts")).createHciProbe, buses: ["bluetooth"] },
  "windows-pnp": {
    load: async () => (await import("./windows/pnp.ts")).createWindowsPnpProbe,
    buses: ["usb"],
    replays: true,
  },
  "windows-bluetooth": {
    load: async () => (await import("./windows/bluetooth.ts")).createWindowsBluetoothProbe,
    buses: ["bluetooth"],
    replays: true,
  },
  libusb: { load: async () => (await import("./libusb.ts")).createLibusbProbe, buses: ["usb"] },
  "macos-bluetooth": {
    // system_profiler takes a second or more and there is no Bluetooth event to wait for without
    // native code: on a live Mac its answers are reused for a minute, so the daemon does not spawn
    // it on every poll (issue 8; BENCHMARKS.md). Capture folders are read as they are.
    load: async () => {
      const [{ createMacosBluetoothProbe }, { liveSourceReader, throttledSourceReader }] = await Promise.all([
        import("./macos/bluetooth.ts"),
        import("./capture/sources.ts"),
      ]);
      return (options: ProbeOptions) =>
        createMacosBluetoothProbe({
          ...options,
          sources: throttledSourceReader(options.sources ?? liveSourceReader(), MACOS_BLUETOOTH_REFRESH_MS),
        });
    },
    buses: ["bluetooth"],
    replays: true,
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

/** Whether a backend can replay a capture folder (see Backend.replays). */
export function backendReplays(name: string): boolean {
  return backends[name]?.replays === true;
}

/** Names of the backends a scan uses by default on this platform. */
export function defaultBackends(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === "linux") return ["linux-sysfs", "bluez-dbus", "bluez-store"];
  // macOS: macos-usb reads ioreg and system_profiler, which hold everything libusb and
  // systeminformation gave and more (ids, interfaces, serials, the hub tree, storage facts); libusb
  // is kept only inside macos-usb, for its IOKit hot-plug events (a rescan within a second of a
  // plug-in instead of at the next poll), never for its descriptors. macos-bluetooth reads
  // SPBluetoothDataType and the remembered pairings, which is all systeminformation gave (names and
  // addresses of system_profiler's list) and more, so systeminformation is not used on a Mac.
  if (platform === "darwin") return ["macos-usb", "macos-bluetooth"];
  // Windows: Plug and Play and BTHPORT directly (probes/windows/). systeminformation's WMI view has
  // no interface classes and drops what it cannot type; libusb adds link speed and bMaxPower,
  // which no classification or rule reads, at the price of a native addon. Neither is a default.
  if (platform === "win32") return ["windows-pnp", "windows-bluetooth"];
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
