import type { Probe, ProbeOptions } from "./probe.ts";

/**
 * Probe backends by name, lazily imported so a scan only loads what it uses
 * (the HCI socket's native addon is never loaded unless asked for).
 */
const backends: Record<string, () => Promise<(options: ProbeOptions) => Probe>> = {
  "linux-sysfs": async () => (await import("./linux/usb-sysfs.ts")).createLinuxUsbProbe,
  replay: async () => (await import("./replay.ts")).createReplayProbe,
  "bluez-dbus": async () => (await import("./linux/bluez-dbus.ts")).createBluezDbusProbe,
  "bluez-store": async () => (await import("./linux/bluez-store.ts")).createBluezStoreProbe,
  hci: async () => (await import("./linux/hci.ts")).createHciProbe,
  libusb: async () => (await import("./libusb.ts")).createLibusbProbe,
  systeminformation: async () => (await import("./systeminformation.ts")).createSystemInformationProbe,
};

export type BackendName = keyof typeof backends;

export function backendNames(): string[] {
  return Object.keys(backends);
}

/** Names of the backends a scan uses by default on this platform. */
export function defaultBackends(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === "linux") return ["linux-sysfs", "bluez-dbus", "bluez-store"];
  // libusb reads descriptors; systeminformation adds names, serials and Bluetooth (merge-usb.ts).
  if (platform === "darwin" || platform === "win32") return ["libusb", "systeminformation"];
  return [];
}

export async function createProbe(name: string, options: ProbeOptions): Promise<Probe> {
  const load = backends[name];
  if (!load) {
    throw new Error(`Unknown probe backend "${name}". Choose one of: ${backendNames().join(", ")}.`);
  }
  const factory = await load();
  return factory(options);
}
