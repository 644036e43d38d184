// mergeUsbObservations: libusb's descriptors plus systeminformation's names and serials, one
// observation per device. First on the same recorded devices seen by both (umockdev-run), then the
// cases that decide whether a serial may be trusted.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { classifyUsb } from "../probes/classify/usb.ts";
import { observationFromLibusbDevice } from "../probes/libusb.ts";
import { mergeUsbObservations } from "../probes/merge-usb.ts";
import { snapshotFromSi } from "../probes/systeminformation.ts";
import type { UsbObservation } from "../probes/types.ts";

const run = promisify(execFile);
const repository = join(import.meta.dirname, "..");
const node = join(repository, "node_modules/.bin/node");

async function libusbUnderUmockdev(recording: string): Promise<UsbObservation[]> {
  const script = `
import { createLibusbProbe } from ${JSON.stringify(join(repository, "probes/libusb.ts"))};
process.stdout.write(JSON.stringify(await createLibusbProbe({ root: "/" }).snapshot()));`;
  const fixture = join(repository, "test/fixtures/usb", `${recording}.umockdev`);
  const { stdout } = await run(
    "umockdev-run",
    ["--device", fixture, "--", node, "--input-type=module", "-e", script],
    { cwd: repository },
  );
  return JSON.parse(stdout).observations;
}

async function siLinux(recording: string): Promise<UsbObservation[]> {
  const file = join(repository, "test/fixtures/systeminformation", `linux-${recording}.si.json`);
  const { usb } = JSON.parse(await readFile(file, "utf8"));
  return snapshotFromSi(usb, [], "linux").observations as UsbObservation[];
}

describe("libusb + systeminformation on the same recorded devices", () => {
  it("gives one observation per device, libusb's descriptors with si's strings", async () => {
    const recording = "umockdev-sony-xperia-mini-pro";
    const [libusb, si] = await Promise.all([libusbUnderUmockdev(recording), siLinux(recording)]);
    const merged = mergeUsbObservations([...libusb, ...si]);
    expect(merged).toHaveLength(libusb.length);
    const phone = merged.find((d) => d.vendorId === "0fce");
    // The serial lsusb printed under umockdev (last character lost: see the fixtures README).
    expect(phone).toMatchObject({
      source: "libusb",
      id: "usb:0fce:0166:0123456789ABCDE",
      serial: "0123456789ABCDE",
      manufacturer: "Son",
      portPath: "1-1.5.2.4",
      interfaces: [{ class: "ff", subclass: "ff", protocol: "00" }],
    });
    expect(phone?.warnings).toBeUndefined();
    expect(phone && classifyUsb(phone, merged).kind).toBe("phone");
  });
});

const libusbDevice = (vendorId: string, productId: string, portPath: string): UsbObservation => ({
  bus: "usb",
  source: "libusb",
  id: `usb:${vendorId}:${productId}@${portPath}`,
  vendorId,
  productId,
  interfaces: [{ class: "08", subclass: "06", protocol: "50" }],
  portPath,
  parents: ["usb1"],
  isRootHub: false,
  removable: "unknown",
});

const siDevice = (fields: Partial<UsbObservation>): UsbObservation => ({
  bus: "usb",
  source: "systeminformation",
  id: "usb:si",
  interfaces: [],
  portPath: "si:item0",
  parents: [],
  isRootHub: false,
  warnings: ["systeminformation (WMI) gives no interface classes; it leaves out devices it cannot type"],
  ...fields,
});

describe("mergeUsbObservations", () => {
  const stick = siDevice({
    vendorId: "0781",
    productId: "5571",
    serial: "4C530001",
    product: "Cruzer Fit",
    manufacturer: "SanDisk",
  });

  it("fills names and the serial, and the id becomes vendor:product:serial as on Linux", () => {
    const merged = mergeUsbObservations([libusbDevice("0781", "5571", "1-1"), stick]);
    expect(merged).toEqual([
      {
        ...libusbDevice("0781", "5571", "1-1"),
        id: "usb:0781:5571:4C530001",
        serial: "4C530001",
        product: "Cruzer Fit",
        manufacturer: "SanDisk",
      },
    ]);
  });

  it("does not guess which of two identical sticks has which serial", () => {
    const merged = mergeUsbObservations([
      libusbDevice("0781", "5571", "1-1"),
      libusbDevice("0781", "5571", "1-2"),
      stick,
      siDevice({ ...stick, serial: "4C530002", portPath: "si:item1" }),
    ]);
    expect(merged.map((d) => [d.id, d.serial])).toEqual([
      ["usb:0781:5571@1-1", undefined],
      ["usb:0781:5571@1-2", undefined],
    ]);
    expect(merged[0]?.warnings).toEqual([
      "2 devices share 0781:5571: names and serials from systeminformation could not be matched to ports",
    ]);
  });

  it("takes IOKit's removable/fixed only where libusb could not tell", () => {
    const [merged] = mergeUsbObservations([
      libusbDevice("05ac", "12a8", "1-2"),
      siDevice({ vendorId: "05ac", productId: "12a8", removable: "fixed" }),
    ]);
    expect(merged?.removable).toBe("fixed");
  });

  it("keeps a device only systeminformation saw, drops si devices with no VID:PID to pair", () => {
    const unseen = siDevice({ vendorId: "046d", productId: "c52b", product: "USB Receiver" });
    const noIds = siDevice({ product: "Orbtrace", serial: "32A8708163008E06" });
    const merged = mergeUsbObservations([libusbDevice("0781", "5571", "1-1"), unseen, noIds]);
    expect(merged.map((d) => d.source)).toEqual(["libusb", "systeminformation"]);
    expect(merged[1]?.product).toBe("USB Receiver");
  });

  it("falls back on systeminformation alone when libusb gave nothing", () => {
    const noIds = siDevice({ product: "Orbtrace" });
    expect(mergeUsbObservations([noIds, stick])).toEqual([noIds, stick]);
  });

  it("does not modify its input", () => {
    const base = libusbDevice("0781", "5571", "1-1");
    const before = structuredClone(base);
    mergeUsbObservations([base, stick]);
    expect(base).toEqual(before);
  });

  it("merges a recorded libusb device the same way", async () => {
    const record = JSON.parse(
      await readFile(join(repository, "test/fixtures/libusb/sandisk-cruzer-fit.json"), "utf8"),
    );
    const [merged] = mergeUsbObservations([observationFromLibusbDevice(record), stick]);
    expect(merged).toMatchObject({ id: "usb:0781:5571:4C530001", portPath: "1-1", maxPowerMilliamps: 224 });
  });
});
