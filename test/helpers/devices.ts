// Recorded devices for the replay backend, shared by the daemon, delivery and fault tests.

/** A SanDisk Ultra stick on port 1-2 (ids as in test/fixtures/usb/laptop-with-phone-and-stick). */
export function usbStick(serial: string, portPath = "1-2"): Record<string, unknown> {
  return {
    bus: "usb",
    source: "replay",
    id: `usb:0781:5581:${serial}`,
    vendorId: "0781",
    productId: "5581",
    serial,
    manufacturer: "SanDisk",
    product: "Ultra",
    interfaces: [{ class: "08", subclass: "06", protocol: "50" }],
    portPath,
    parents: ["usb1"],
    isRootHub: false,
    removable: "removable",
    connectType: "hotplug",
  };
}

export function recording(...observations: Record<string, unknown>[]): string {
  return JSON.stringify({ observations });
}

/**
 * A daemon configuration for in-process tests: state and socket under `dir`, devices from
 * `replayFile`, and timers long enough that only the test's own scans run.
 */
export async function replayDaemonConfig(dir: string, replayFile: string) {
  const { join } = await import("node:path");
  const { loadConfig } = await import("../../agent/config/config.ts");
  return {
    ...(await loadConfig(undefined)),
    stateDir: join(dir, "state"),
    socketPath: join(dir, "eca.sock"),
    replayFile,
    backends: ["replay"],
    pollIntervalSeconds: 3600,
    heartbeatMinutes: 1440,
  };
}
