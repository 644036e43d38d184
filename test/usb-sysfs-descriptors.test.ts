// The sysfs `descriptors` file: parsed without trusting a byte, used for ids, classes, bMaxPower and
// interface classes; a garbled or truncated file falls back to the attributes with a warning; and
// what one scan read of a device is reused only while its enumeration (devnum, descriptors) is the same.

import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { benchRecording } from "../bench/usb-scan.bench.ts";
import { writeCapture } from "../probes/capture/capture.ts";
import { observeSysfs } from "../probes/linux/sysfs-read.ts";
import { createLinuxUsbProbe } from "../probes/linux/usb-sysfs.ts";
import { parseDescriptors } from "../probes/linux/usb-sysfs-descriptors.ts";
import type { UsbObservation } from "../probes/types.ts";
import { umockdevToTree } from "./tools/umockdev-to-tree.ts";

const scratch = await mkdtemp(join(tmpdir(), "eca-usb-descriptors-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

/**
 * A SanDisk Ultra stick as the kernel's `descriptors` holds it: device descriptor (0781:5581,
 * class 00, strings 1/2/3, bcdUSB 3.20 as it reports at SuperSpeed), configuration 1 (bMaxPower 112
 * units: 896 mA at 5000 Mbit/s), interface 0 08/06/50 with two bulk endpoints. Encoded by hand,
 * field by field (USB 2.0 §9.6), from what `lsusb -v` shows for such a stick; the layout is the
 * kernel's (device descriptor, then the configuration's raw bytes).
 */
const STICK = Buffer.from(
  "12012003000000408107815500010102030109022000010100807009040000020806500007058102000200070502020002" + "00",
  "hex",
);

async function makeStick(root: string, attributes: Record<string, string | Buffer>): Promise<string> {
  const directory = join(root, "sys/devices/pci0000:00/0000:00:14.0/usb2/2-1");
  await mkdir(join(directory, "2-1:1.0"), { recursive: true });
  const files: Record<string, string | Buffer> = {
    idVendor: "0781\n",
    idProduct: "5581\n",
    bDeviceClass: "00\n",
    bDeviceSubClass: "00\n",
    bDeviceProtocol: "00\n",
    bMaxPower: "896mA\n",
    speed: "5000\n",
    removable: "removable\n",
    serial: "4C530001230\n",
    manufacturer: " USB\n",
    product: " SanDisk 3.2Gen1\n",
    ...attributes,
  };
  for (const [name, value] of Object.entries(files)) await writeFile(join(directory, name), value);
  for (const [name, value] of Object.entries({
    bInterfaceClass: "08\n",
    bInterfaceSubClass: "06\n",
    bInterfaceProtocol: "50\n",
  }))
    await writeFile(join(directory, "2-1:1.0", name), value);
  const devices = join(root, "sys/bus/usb/devices");
  await mkdir(devices, { recursive: true });
  await symlink("../../../devices/pci0000:00/0000:00:14.0/usb2/2-1", join(devices, "2-1"));
  await symlink("../../../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0", join(devices, "2-1:1.0"));
  return directory;
}

async function scanStick(root: string): Promise<UsbObservation> {
  const snapshot = await createLinuxUsbProbe({ root }).snapshot();
  return snapshot.observations[0] as UsbObservation;
}

describe("sysfs descriptors", () => {
  it("parses ids, classes, string indices, bMaxPower and interface classes", () => {
    const parsed = parseDescriptors(STICK);
    expect(parsed).toMatchObject({
      vendorId: 0x0781,
      productId: 0x5581,
      deviceClass: 0,
      manufacturerIndex: 1,
      productIndex: 2,
      serialIndex: 3,
      configurations: [
        {
          value: 1,
          maxPowerUnits: 112,
          interfaces: [{ number: 0, alternate: 0, class: 8, subclass: 6, protocol: 0x50 }],
        },
      ],
    });
  });

  it("refuses every truncation of a real file, and never throws on any cut", () => {
    for (let length = 0; length < STICK.length; length++) {
      const result = parseDescriptors(STICK.subarray(0, length));
      // Cut exactly after the device descriptor is a device without configurations, which is valid.
      if (length === 18) expect(result).not.toHaveProperty("problem");
      else expect(result, `cut at ${length}`).toHaveProperty("problem");
    }
  });

  it("refuses a zero-length descriptor inside the file (which would loop for ever)", () => {
    const garbled = Buffer.from(STICK);
    garbled[27] = 0;
    expect(parseDescriptors(garbled)).toEqual({ problem: "truncated or garbled at byte 27" });
  });

  it("the probe reads the same device from descriptors as from its attributes", async () => {
    await makeStick(join(scratch, "without-file"), {});
    const fromAttributes = await scanStick(join(scratch, "without-file"));
    expect(fromAttributes).toMatchObject({
      vendorId: "0781",
      productId: "5581",
      maxPowerMilliamps: 896,
      interfaces: [{ class: "08", subclass: "06", protocol: "50" }],
      deviceClass: { class: "00", subclass: "00", protocol: "00" },
    });
    expect(fromAttributes.warnings).toBeUndefined();
    const root = join(scratch, "with-file");
    await makeStick(root, { descriptors: STICK });
    const observed = await scanStick(root);
    expect(observed.warnings).toBeUndefined();
    expect(observed).toEqual(fromAttributes);
  });

  it("bMaxPower's unit: 8 mA from the speed at SuperSpeed, 2 mA without reading it below USB 3.0", async () => {
    const highSpeed = Buffer.from(STICK);
    highSpeed.writeUInt16LE(0x0210, 2); // bcdUSB 2.10: what a USB 3 stick reports at high speed
    const root = join(scratch, "usb2-stick");
    // A speed that would say SuperSpeed: not read, so not believed.
    await makeStick(root, { descriptors: highSpeed, speed: "5000\n", bMaxPower: "224mA\n" });
    const observed = await scanStick(root);
    expect(observed.maxPowerMilliamps).toBe(224);
    expect(observed.speedMbps).toBeUndefined();
    expect(observed.warnings).toBeUndefined();
    const superSpeed = join(scratch, "usb3-stick");
    await makeStick(superSpeed, { descriptors: STICK });
    expect(await scanStick(superSpeed)).toMatchObject({ maxPowerMilliamps: 896, speedMbps: 5000 });
  });

  it("eca capture copies descriptors, so a replayed capture reads them (it read only the attributes)", async () => {
    const root = join(scratch, "captured");
    await makeStick(root, { descriptors: STICK });
    const directory = join(scratch, "capture-of-stick");
    await writeCapture({ directory, platform: "linux", root });
    const captured = join(directory, "sys/bus/usb/devices/2-1");
    expect(await readFile(join(captured, "descriptors"))).toEqual(STICK);
    // What descriptors gives is not read again: without the id attributes the stick is the same.
    await rm(join(captured, "idVendor"));
    await rm(join(captured, "idProduct"));
    expect(await scanStick(directory)).toEqual(await scanStick(root));
  });

  it("a replayed capture of the bench tree is the same scan (capture copies every file a first scan reads)", async () => {
    const root = join(scratch, "bench-30");
    await umockdevToTree(benchRecording(), root);
    const directory = join(scratch, "capture-of-bench-30");
    await writeCapture({ directory, platform: "linux", root });
    const live = await createLinuxUsbProbe({ root }).snapshot();
    expect(live.observations).toHaveLength(30);
    expect(await createLinuxUsbProbe({ root: directory }).snapshot()).toEqual(live);
  });

  it("a truncated descriptors file falls back to the attributes, with a warning", async () => {
    const root = join(scratch, "truncated");
    // The attributes say 0781:5581; the cut file would say nothing: the attributes must win.
    await makeStick(root, { descriptors: STICK.subarray(0, 30) });
    const observed = await scanStick(root);
    expect(observed).toMatchObject({ vendorId: "0781", productId: "5581", maxPowerMilliamps: 896 });
    expect(observed.interfaces).toEqual([{ class: "08", subclass: "06", protocol: "50" }]);
    expect(observed.warnings).toEqual([
      "descriptors: configuration at byte 18 is truncated (wTotalLength 32); read from the individual attributes instead",
    ]);
  });

  it("an interface the descriptors do not describe is read from its attributes, with a warning", async () => {
    const root = join(scratch, "other-config");
    const otherConfiguration = Buffer.from(STICK);
    otherConfiguration[23] = 2; // bConfigurationValue 2: no "2-1:1.0" in it
    await makeStick(root, { descriptors: otherConfiguration });
    const observed = await scanStick(root);
    expect(observed.interfaces).toEqual([{ class: "08", subclass: "06", protocol: "50" }]);
    expect(observed.maxPowerMilliamps).toBe(896);
    expect(observed.warnings).toEqual([
      "descriptors: no interface 2-1:1.0 in the active configuration; read its attributes",
    ]);
  });

  it("a string whose index is 0 is not read (the kernel makes no such attribute)", async () => {
    const root = join(scratch, "no-serial-index");
    const noSerial = Buffer.from(STICK);
    noSerial[16] = 0;
    // A stale `serial` file the kernel would not have: not read, so not reported.
    await makeStick(root, { descriptors: noSerial });
    expect((await scanStick(root)).serial).toBeUndefined();
  });
});

describe("what a scan reuses from the last one", () => {
  it("an identical stick swapped in on the same port (new devnum) is read again: its new serial is seen", async () => {
    const root = join(scratch, "swap");
    const directory = await makeStick(root, { descriptors: STICK, devnum: "3\n" });
    const probe = createLinuxUsbProbe({ root });
    const first = (await probe.snapshot()).observations[0] as UsbObservation;
    expect(first.serial).toBe("4C530001230");
    await writeFile(join(directory, "serial"), "4C530009999\n");
    await writeFile(join(directory, "devnum"), "4\n");
    const second = (await probe.snapshot()).observations[0] as UsbObservation;
    expect(second.serial).toBe("4C530009999");
  });

  it("a device without devnum is read whole on every scan", async () => {
    const root = join(scratch, "no-devnum");
    const directory = await makeStick(root, { descriptors: STICK });
    const probe = createLinuxUsbProbe({ root });
    await probe.snapshot();
    await writeFile(join(directory, "removable"), "fixed\n");
    expect(((await probe.snapshot()).observations[0] as UsbObservation).removable).toBe("fixed");
  });
});

describe("what a first scan reads", () => {
  it("a one-shot scan keeps nothing (it read no devnum): the second scan reads the device whole, the third reuses it", async () => {
    const root = join(scratch, "first-scan");
    const directory = await makeStick(root, { descriptors: STICK, devnum: "3\n" });
    const probe = createLinuxUsbProbe({ root });
    const removable = async () => ((await probe.snapshot()).observations[0] as UsbObservation).removable;
    expect(await removable()).toBe("removable");
    // Not something a kernel does while a device stays enumerated: it shows which scan read the file.
    await writeFile(join(directory, "removable"), "fixed\n");
    expect(await removable()).toBe("fixed");
    await writeFile(join(directory, "removable"), "unknown\n");
    expect(await removable()).toBe("fixed");
  });

  it("the bench's 250 devices take the files listed here and no more (each one a report field needs)", async () => {
    const root = join(scratch, "bench-250");
    await umockdevToTree(benchRecording(250), root);
    const counts: Record<string, number> = {};
    const stop = observeSysfs((operation, path) => {
      const key = `${operation} ${operation === "list" ? path.slice(root.length + 1) : path.slice(path.lastIndexOf("/") + 1)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    });
    try {
      expect((await createLinuxUsbProbe({ root }).snapshot()).observations).toHaveLength(250);
    } finally {
      stop();
    }
    expect(counts).toEqual({
      "list sys/bus/usb/devices": 1, // every device and interface, and which are links
      "list sys/class/typec": 1, // Type-C ports (none here)
      "list sys/bus/typec/devices": 1, // where umockdev files them
      "read descriptors": 250, // ids, classes, string indices, bMaxPower, interfaces and their iInterface
      // No speed: it serves bMaxPower's unit alone, at SuperSpeed, and these are all bcdUSB 2.0
      // (the root hubs, USB 3.0, draw 0 mA).
      "read serial": 248, // serial and the observation id; not for an index 0 (the root hubs here)
      "read product": 202, // product
      "read manufacturer": 202, // manufacturer
      "read interface": 72, // interface names of vendor-specific interfaces with an iInterface (MTP)
      "read connect_type": 49, // ports firmware describes: root ports and the internal hub's
      "exists firmware_node": 232, // every other port behind a hub: unknown, unread
      "read removable": 30, // one child per hub behind unknown ports (the rest follow: not compound)
    });
  });

  it("a device whose directory is not inside its hub's is read through its link", async () => {
    const root = join(scratch, "flat");
    await makeStick(root, { descriptors: STICK });
    // The root hub, and the stick moved out of it: 2-1 is no longer usb2/2-1.
    const hub = join(root, "sys/devices/pci0000:00/0000:00:14.0/usb2");
    await writeFile(join(hub, "speed"), "5000\n");
    await symlink("../../../devices/pci0000:00/0000:00:14.0/usb2", join(root, "sys/bus/usb/devices/usb2"));
    const flat = join(root, "sys/devices/pci0000:00/0000:00:14.0/2-1");
    await rm(flat, { recursive: true, force: true });
    await rename(join(hub, "2-1"), flat);
    await rm(join(root, "sys/bus/usb/devices/2-1"));
    await symlink("../../../devices/pci0000:00/0000:00:14.0/2-1", join(root, "sys/bus/usb/devices/2-1"));
    const stick = (await createLinuxUsbProbe({ root }).snapshot()).observations.find(
      (o) => (o as UsbObservation).portPath === "2-1",
    ) as UsbObservation;
    expect(stick).toMatchObject({ vendorId: "0781", serial: "4C530001230", speedMbps: 5000 });
    expect(stick.warnings).toBeUndefined();
  });

  it("a device link with '..' inside its target is left to the kernel to resolve", async () => {
    const root = join(scratch, "dotted-link");
    await makeStick(root, { descriptors: STICK });
    await rm(join(root, "sys/bus/usb/devices/2-1"));
    await symlink(
      "../../../devices/pci0000:00/../pci0000:00/0000:00:14.0/usb2/2-1",
      join(root, "sys/bus/usb/devices/2-1"),
    );
    const stick = (await scanStick(root)) as UsbObservation;
    expect(stick).toMatchObject({ vendorId: "0781", serial: "4C530001230", removable: "removable" });
    expect(stick.warnings).toBeUndefined();
  });

  it("removable is the kernel's verdict from the port's connect_type when there is one, else the attribute", async () => {
    const root = join(scratch, "connect-type");
    const directory = await makeStick(root, { descriptors: STICK });
    await rm(join(directory, "removable"));
    const port = join(root, "sys/devices/pci0000:00/0000:00:14.0/usb2/2-0:1.0/usb2-port1");
    await mkdir(port, { recursive: true });
    await symlink("../2-0:1.0/usb2-port1", join(directory, "port"));
    // hub.c set_usb_port_removable: hotplug → removable, hardwired and not used → fixed.
    for (const [connectType, removable] of [
      ["hotplug", "removable"],
      ["hardwired", "fixed"],
      ["not used", "fixed"],
    ]) {
      await writeFile(join(port, "connect_type"), `${connectType}\n`);
      expect(await scanStick(root)).toMatchObject({ connectType, removable });
    }
    // Unknown: the kernel looked at the hub descriptor, so the attribute is read.
    await writeFile(join(port, "connect_type"), "unknown\n");
    expect((await scanStick(root)).removable).toBeUndefined();
    await writeFile(join(directory, "removable"), "fixed\n");
    expect(await scanStick(root)).toMatchObject({ connectType: "unknown", removable: "fixed" });
  });
});

/** A device directory at `path` under sys/devices, linked from sys/bus/usb/devices as `name`. */
async function makeDevice(
  root: string,
  path: string,
  files: Record<string, string | Buffer>,
): Promise<string> {
  const directory = join(root, "sys/devices/pci0000:00/0000:00:14.0", path);
  await mkdir(directory, { recursive: true });
  for (const [file, value] of Object.entries(files)) await writeFile(join(directory, file), value);
  const devices = join(root, "sys/bus/usb/devices");
  await mkdir(devices, { recursive: true });
  const name = path.slice(path.lastIndexOf("/") + 1);
  await symlink(`../../../devices/pci0000:00/0000:00:14.0/${path}`, join(devices, name));
  return directory;
}

/** A child of hub 2-1 on `port`, behind a port whose connect_type is unknown (an external hub's). */
async function makeHubChild(root: string, port: number, removable: string): Promise<void> {
  const name = `2-1.${port}`;
  const directory = await makeDevice(root, `usb2/2-1/${name}`, {
    descriptors: STICK,
    speed: "480\n",
    removable: `${removable}\n`,
  });
  const portDirectory = join(root, `sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/2-1-port${port}`);
  await mkdir(portDirectory, { recursive: true });
  await writeFile(join(portDirectory, "connect_type"), "unknown\n");
  await symlink(`../2-1:1.0/2-1-port${port}`, join(directory, "port"));
}

describe("what a first scan knows without reading", () => {
  // Each test writes a `removable` or `interface` file a kernel would not have made: what the scan
  // reports shows whether it read the file.
  it("a root hub's removable is unknown, unread (the kernel sets nothing else for a device without a parent)", async () => {
    const root = join(scratch, "root-hub-removable");
    await makeDevice(root, "usb2", { descriptors: STICK, speed: "5000\n", removable: "fixed\n" });
    expect(await scanStick(root)).toMatchObject({ portPath: "usb2", removable: "unknown" });
  });

  it("a root hub without a usable descriptors file has its removable read, as before", async () => {
    const root = join(scratch, "root-hub-no-descriptors");
    await makeDevice(root, "usb2", {
      descriptors: STICK.subarray(0, 10),
      speed: "5000\n",
      removable: "fixed\n",
    });
    expect(await scanStick(root)).toMatchObject({ portPath: "usb2", removable: "fixed" });
  });

  it("behind unknown ports, one child of a hub that reads unknown makes its siblings unknown, unread (the hub is not compound)", async () => {
    const root = join(scratch, "simple-hub");
    await makeDevice(root, "usb2/2-1", { descriptors: STICK, speed: "480\n", removable: "removable\n" });
    await makeHubChild(root, 1, "unknown");
    await makeHubChild(root, 2, "removable");
    const observations = (await createLinuxUsbProbe({ root }).snapshot()).observations as UsbObservation[];
    const removable = Object.fromEntries(observations.map((o) => [o.portPath, o.removable]));
    expect(removable).toEqual({ "2-1": "removable", "2-1.1": "unknown", "2-1.2": "unknown" });
  });

  it("a child of a compound hub (removable or fixed behind an unknown port) leaves its siblings read one by one", async () => {
    const root = join(scratch, "compound-hub");
    await makeDevice(root, "usb2/2-1", { descriptors: STICK, speed: "480\n", removable: "removable\n" });
    await makeHubChild(root, 1, "fixed");
    await makeHubChild(root, 2, "removable");
    await makeHubChild(root, 3, "unknown");
    const observations = (await createLinuxUsbProbe({ root }).snapshot()).observations as UsbObservation[];
    const removable = Object.fromEntries(observations.map((o) => [o.portPath, o.removable]));
    expect(removable).toEqual({
      "2-1": "removable",
      "2-1.1": "fixed",
      "2-1.2": "removable",
      "2-1.3": "unknown",
    });
  });

  it("behind a non-root hub, a port without firmware_node is unknown unread, one with it is read, and a hub hanging from an undescribed port has only unknown ports", async () => {
    const root = join(scratch, "undescribed-ports");
    const sys = join(root, "sys/devices/pci0000:00/0000:00:14.0");
    /** The hub port `portName` under `hub` with this connect_type, and firmware_node if described. */
    const makePort = async (
      hub: string,
      hubInterface: string,
      portName: string,
      connectType: string,
      described: boolean,
    ) => {
      const directory = join(sys, hub, hubInterface, portName);
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, "connect_type"), `${connectType}\n`);
      if (described) await mkdir(join(directory, "firmware_node"));
    };
    // A hub on a root port firmware describes, with two children and a hub behind the second.
    // Each port file says "hardwired": what the scan reports shows which of them it read.
    await makeDevice(root, "usb2", { descriptors: STICK, speed: "5000\n" });
    await makePort("usb2", "2-0:1.0", "usb2-port1", "hotplug", true);
    const hub = await makeDevice(root, "usb2/2-1", { descriptors: STICK, speed: "480\n" });
    await symlink("../2-0:1.0/usb2-port1", join(hub, "port"));
    for (const [port, described] of [
      [1, true],
      [2, false],
    ] as const) {
      await makePort("usb2/2-1", "2-1:1.0", `2-1-port${port}`, "hardwired", described);
      const child = await makeDevice(root, `usb2/2-1/2-1.${port}`, { descriptors: STICK, speed: "480\n" });
      await symlink(`../2-1:1.0/2-1-port${port}`, join(child, "port"));
    }
    await makePort("usb2/2-1/2-1.2", "2-1.2:1.0", "2-1.2-port1", "hardwired", true);
    const grandchild = await makeDevice(root, "usb2/2-1/2-1.2/2-1.2.1", {
      descriptors: STICK,
      speed: "480\n",
    });
    await symlink("../2-1.2:1.0/2-1.2-port1", join(grandchild, "port"));
    const observations = (await createLinuxUsbProbe({ root }).snapshot()).observations as UsbObservation[];
    const connectTypes = Object.fromEntries(observations.map((o) => [o.portPath, o.connectType]));
    expect(connectTypes).toEqual({
      usb2: undefined,
      "2-1": "hotplug",
      "2-1.1": "hardwired",
      "2-1.2": "unknown",
      "2-1.2.1": "unknown",
    });
    // eca capture keeps whether each port has its firmware node, so the replay says the same.
    const directory = join(scratch, "capture-of-undescribed-ports");
    await writeCapture({ directory, platform: "linux", root });
    expect(await createLinuxUsbProbe({ root: directory }).snapshot()).toEqual(
      await createLinuxUsbProbe({ root }).snapshot(),
    );
  });

  it("a vendor-specific interface whose descriptors have no iInterface has no name read (the kernel makes no `interface`)", async () => {
    const vendorSpecific = Buffer.from(STICK);
    vendorSpecific[32] = 0xff; // bInterfaceClass of interface 0
    const named = Buffer.from(vendorSpecific);
    named[35] = 4; // its iInterface
    for (const [label, descriptors, name] of [
      ["unnamed", vendorSpecific, undefined],
      ["named", named, "MTP"],
    ] as const) {
      const root = join(scratch, `interface-${label}`);
      const directory = await makeStick(root, { descriptors });
      await writeFile(join(directory, "2-1:1.0", "interface"), "MTP\n");
      expect((await scanStick(root)).interfaces).toEqual([
        { class: "ff", subclass: "06", protocol: "50", ...(name ? { name } : {}) },
      ]);
    }
  });
});
