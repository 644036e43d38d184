// The libusb probe: its pure mapping on recorded descriptors (test/fixtures/libusb/, provenance in
// the README there), the same mapping on real libusb under umockdev-run compared with the Linux
// sysfs probe's golden output for the same recording, and what the probe does on this machine.

import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { classifyUsb } from "../probes/classify/usb.ts";
import {
  createLibusbProbe,
  type LibusbDeviceRecord,
  libusbPortPath,
  observationFromLibusbDevice,
  recordFromDevice,
} from "../probes/libusb.ts";
import type { UsbObservation } from "../probes/types.ts";

const run = promisify(execFile);
const repository = join(import.meta.dirname, "..");
const fixtures = join(repository, "test/fixtures/libusb");
const node = join(repository, "node_modules/.bin/node");

async function record(name: string): Promise<LibusbDeviceRecord> {
  return JSON.parse(await readFile(join(fixtures, `${name}.json`), "utf8")) as LibusbDeviceRecord;
}

const names = (await readdir(fixtures))
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.replace(/\.json$/, ""))
  .sort();
const laptop: Record<string, UsbObservation> = Object.fromEntries(
  await Promise.all(names.map(async (name) => [name, observationFromLibusbDevice(await record(name))])),
);
const all = Object.values(laptop);

function observation(name: string): UsbObservation {
  const found = laptop[name];
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
}

describe("libusb mapping on recorded descriptors", () => {
  it("has the recorded devices", () => {
    expect(names).toEqual([
      "apple-iphone",
      "chicony-integrated-camera",
      "razer-huntsman-v2-keyboard",
      "root-hub",
      "sandisk-cruzer-fit",
      "sunplus-dell-integrated-webcam",
      "xiaomi-android-mtp-adb",
    ]);
  });

  it("maps the iPhone: ids from the descriptor, the port path as on Linux, no strings", () => {
    expect(observation("apple-iphone")).toEqual({
      bus: "usb",
      source: "libusb",
      id: "usb:05ac:12a8@1-2",
      vendorId: "05ac",
      productId: "12a8",
      deviceClass: { class: "00", subclass: "00", protocol: "00" },
      interfaces: [{ class: "06", subclass: "01", protocol: "01" }],
      maxPowerMilliamps: 500,
      portPath: "1-2",
      parents: ["usb1"],
      isRootHub: false,
      removable: "unknown",
    });
  });

  it("never has manufacturer, product or serial: those need the device opened", () => {
    for (const device of all) {
      expect(device.manufacturer).toBeUndefined();
      expect(device.product).toBeUndefined();
      expect(device.serial).toBeUndefined();
      expect(device.removable).toBe("unknown");
      expect(device.id).toBe(`usb:${device.vendorId}:${device.productId}@${device.portPath}`);
    }
  });

  it("keeps alternate setting 0 of each interface only", () => {
    expect(observation("chicony-integrated-camera").interfaces).toEqual([
      { class: "0e", subclass: "01", protocol: "00" },
      { class: "0e", subclass: "02", protocol: "00" },
      { class: "0e", subclass: "01", protocol: "00" },
      { class: "0e", subclass: "02", protocol: "00" },
    ]);
  });

  it("reads the root hub as Linux's usbN", () => {
    const hub = observation("root-hub");
    expect(hub).toMatchObject({ portPath: "usb1", parents: [], isRootHub: true, id: "usb:1d6b:0002@usb1" });
  });

  const expected: Record<string, { kind: string; builtIn: boolean; confidence: string }> = {
    "apple-iphone": { kind: "phone", builtIn: false, confidence: "medium" },
    "xiaomi-android-mtp-adb": { kind: "phone", builtIn: false, confidence: "medium" },
    "sandisk-cruzer-fit": { kind: "storage", builtIn: false, confidence: "medium" },
    // Laptops contain keyboards: without the port's word, a person reviews it (not a violation).
    "razer-huntsman-v2-keyboard": { kind: "keyboard", builtIn: false, confidence: "low" },
    // A webcam vendor in the fingerprint list: built in, from the fingerprint alone.
    "chicony-integrated-camera": { kind: "camera", builtIn: true, confidence: "medium" },
    // A built-in webcam whose vendor is NOT in the list: libusb cannot tell, so it goes to review
    // rather than raising a violation against the laptop's own camera.
    "sunplus-dell-integrated-webcam": { kind: "camera", builtIn: false, confidence: "low" },
    "root-hub": { kind: "hub", builtIn: true, confidence: "certain" },
  };
  for (const [name, want] of Object.entries(expected)) {
    it(`classifies ${name} as ${want.kind}, builtIn=${want.builtIn} (${want.confidence})`, () => {
      const classification = classifyUsb(observation(name), all);
      expect({
        kind: classification.kind,
        builtIn: classification.builtIn,
        confidence: classification.confidence,
      }).toEqual(want);
      if (!want.builtIn && name !== "root-hub") {
        expect(classification.evidence.join("\n")).toContain("removable=unknown");
      }
    });
  }

  it("recognises the Android phone by the ADB interface as well as by VID:PID (no MTP name without strings)", () => {
    const { evidence } = classifyUsb(observation("xiaomi-android-mtp-adb"), all);
    expect(evidence).toContain("interface ff/42/01 is Android Debug Bridge");
    expect(evidence.join("\n")).not.toContain('named "MTP"');
  });
});

describe("libusb mapping edge cases", () => {
  const base = (): LibusbDeviceRecord => ({
    busNumber: 2,
    deviceAddress: 7,
    portNumbers: [1, 4, 2],
    deviceDescriptor: {
      bcdUSB: 0x0200,
      bDeviceClass: 0,
      bDeviceSubClass: 0,
      bDeviceProtocol: 0,
      idVendor: 0x0781,
      idProduct: 0x5571,
      iManufacturer: 1,
      iProduct: 2,
      iSerialNumber: 3,
      bNumConfigurations: 2,
    },
  });
  const storage = {
    bInterfaceNumber: 0,
    bAlternateSetting: 0,
    bInterfaceClass: 8,
    bInterfaceSubClass: 6,
    bInterfaceProtocol: 0x50,
  };

  it("builds the hub chain from the port numbers", () => {
    expect(libusbPortPath(2, [1, 4, 2])).toBe("2-1.4.2");
    expect(observationFromLibusbDevice(base()).parents).toEqual(["usb2", "2-1", "2-1.4"]);
  });

  it("falls back on the first configuration when none is active, and says so", () => {
    const device = {
      ...base(),
      allConfigDescriptors: [{ bConfigurationValue: 1, bMaxPower: 50, interfaces: [[storage]] }],
    };
    const mapped = observationFromLibusbDevice(device);
    expect(mapped.interfaces).toEqual([{ class: "08", subclass: "06", protocol: "50" }]);
    expect(mapped.warnings).toEqual([
      "no active configuration reported; interfaces are those of configuration 1",
    ]);
  });

  it("reports a device whose configuration could not be read, with a warning", () => {
    const mapped = observationFromLibusbDevice({ ...base(), configError: "LIBUSB_ERROR_IO" });
    expect(mapped.interfaces).toEqual([]);
    expect(mapped.vendorId).toBe("0781");
    expect(mapped.warnings).toEqual(["configuration descriptors could not be read (LIBUSB_ERROR_IO)"]);
  });

  it("does not guess bMaxPower's unit for a USB 3 device (the link speed is unknown)", () => {
    const device = {
      ...base(),
      deviceDescriptor: { ...base().deviceDescriptor, bcdUSB: 0x0310 },
      configDescriptor: { bConfigurationValue: 1, bMaxPower: 112, interfaces: [[storage]] },
    };
    const mapped = observationFromLibusbDevice(device);
    expect(mapped.maxPowerMilliamps).toBeUndefined();
    expect(mapped.warnings).toEqual([
      "bMaxPower: 112 is 224 mA at high speed or 896 mA at SuperSpeed; the link speed is unknown",
    ]);
  });

  it("keeps the id unique without port numbers, and warns that the hub chain is unknown", () => {
    const mapped = observationFromLibusbDevice({ ...base(), portNumbers: undefined });
    expect(mapped).toMatchObject({ portPath: "2-address7", parents: [], id: "usb:0781:5571@2-address7" });
    expect(mapped.warnings).toContain("port numbers not available on this platform: hub chain unknown");
  });

  it("knows a root hub by its missing parent (node-usb gives it no port numbers)", () => {
    const mapped = observationFromLibusbDevice({ ...base(), portNumbers: undefined, hasParent: false });
    expect(mapped).toMatchObject({ portPath: "usb2", parents: [], isRootHub: true });
    expect(mapped.warnings).toEqual(["no configuration descriptor: interfaces unknown"]);
  });

  it("warns about out-of-range descriptor values instead of throwing", () => {
    const device = base();
    device.deviceDescriptor.idVendor = 0x1_0000;
    device.deviceDescriptor.bDeviceClass = -1;
    const mapped = observationFromLibusbDevice(device);
    expect(mapped.vendorId).toBeUndefined();
    expect(mapped.id).toBe("usb:unknown:5571@2-1.4.2");
    expect(mapped.warnings).toEqual(
      expect.arrayContaining(["idVendor: out of range", "bDeviceClass/SubClass/Protocol: out of range"]),
    );
  });

  it("collects a node-usb Device whose configuration getter throws", () => {
    const device = {
      ...base(),
      parent: {},
      get configDescriptor(): never {
        throw new Error("LIBUSB_ERROR_OTHER");
      },
      get allConfigDescriptors(): never {
        throw new Error("LIBUSB_ERROR_OTHER");
      },
    };
    const collected = recordFromDevice(device);
    expect(collected.configError).toBe("LIBUSB_ERROR_OTHER");
    expect(collected.hasParent).toBe(true);
    expect(observationFromLibusbDevice(collected).warnings).toEqual([
      "configuration descriptors could not be read (LIBUSB_ERROR_OTHER)",
    ]);
  });
});

// Prints the libusb probe's snapshot with classifications; with "watch" it also starts and stops
// watching, and must then exit on its own (hotplug must not keep the process alive).
const printer = `
import { createLibusbProbe } from ${JSON.stringify(join(repository, "probes/libusb.ts"))};
import { classifyUsb } from ${JSON.stringify(join(repository, "probes/classify/usb.ts"))};
const probe = createLibusbProbe({ root: "/" });
if (process.argv.includes("watch")) probe.watch();
const snapshot = await probe.snapshot();
await new Promise((resolve) => setTimeout(resolve, 100));
await probe.stop();
const usb = snapshot.observations;
const classifications = Object.fromEntries(usb.map((d) => [d.id, classifyUsb(d, usb)]));
process.stdout.write(JSON.stringify({ snapshot, classifications }));
`;

async function libusbSnapshot(
  prefix: string[] = [],
  watch = false,
): Promise<{
  snapshot: { observations: UsbObservation[]; unavailable: unknown[] };
  classifications: Record<string, { kind: string; builtIn: boolean; evidence: string[] }>;
}> {
  const command = [...prefix, node, "--input-type=module", "-e", printer, ...(watch ? ["--", "watch"] : [])];
  const [file = node, ...args] = command;
  const { stdout } = await run(file, args, { cwd: repository, timeout: 20_000 });
  return JSON.parse(stdout);
}

describe("libusb probe on this machine", () => {
  it("answers without throwing: no USB bus here means no devices, not a failure", async () => {
    const snapshot = await createLibusbProbe({ root: "/" }).snapshot();
    expect(Array.isArray(snapshot.observations)).toBe(true);
    for (const unavailable of snapshot.unavailable) expect(unavailable.source).toBe("libusb");
  });

  it("starts and stops watching, and the process still exits", async () => {
    const { snapshot } = await libusbSnapshot([], true);
    expect(snapshot.unavailable).toEqual([]);
  });
});

describe("libusb probe under umockdev-run agrees with the sysfs probe", () => {
  for (const recording of ["umockdev-sony-xperia-mini-pro", "umockdev-kinesis-keyboard"]) {
    it(`${recording}: same devices, ids, port paths, hub chains and classes as linux-sysfs`, async () => {
      const fixture = join(repository, "test/fixtures/usb", `${recording}.umockdev`);
      const { snapshot, classifications } = await libusbSnapshot(["umockdev-run", "--device", fixture, "--"]);
      const golden = JSON.parse(
        await readFile(join(repository, "test/golden", `usb-${recording}.json`), "utf8"),
      ).snapshot.observations as UsbObservation[];
      const sysfs = new Map(golden.map((device) => [device.portPath, device]));
      expect(snapshot.unavailable).toEqual([]);
      expect(snapshot.observations.map((d) => d.portPath).sort()).toEqual([...sysfs.keys()].sort());
      for (const device of snapshot.observations) {
        const reference = sysfs.get(device.portPath);
        expect(reference, device.portPath).toBeDefined();
        if (!reference) continue;
        expect(device.source).toBe("libusb");
        expect(device.id).toBe(`usb:${reference.vendorId}:${reference.productId}@${reference.portPath}`);
        for (const key of ["vendorId", "productId", "deviceClass", "parents", "isRootHub"] as const) {
          expect(device[key], `${device.portPath} ${key}`).toEqual(reference[key]);
        }
        // sysfs lists the interfaces whose directories the (trimmed) recording kept; libusb parses
        // the raw `descriptors` attribute, so it sees at least those.
        expect(device.interfaces).toEqual(
          expect.arrayContaining(
            reference.interfaces.map(({ class: c, subclass, protocol }) => ({
              class: c,
              subclass,
              protocol,
            })),
          ),
        );
        expect(classifications[device.id]).toBeDefined();
      }
    });
  }

  it("classifies the Sony phone by VID:PID, and the chipset hub libusb cannot see the port of as built in", async () => {
    const fixture = join(repository, "test/fixtures/usb/umockdev-sony-xperia-mini-pro.umockdev");
    const { classifications } = await libusbSnapshot(["umockdev-run", "--device", fixture, "--"]);
    const phone = classifications["usb:0fce:0166@1-1.5.2.4"];
    expect(phone?.kind).toBe("phone");
    expect(phone?.builtIn).toBe(false);
    // Regression: the laptop's own rate-matching hub (8087:0020 at 1-1, removable=fixed in sysfs)
    // was assumed external under libusb, so everything behind it was "behind external hub, certain".
    // Its fingerprint now says built in.
    expect(classifications["usb:8087:0020@1-1"]?.builtIn).toBe(true);
  });
});
