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
