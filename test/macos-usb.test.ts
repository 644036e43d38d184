// The macOS USB probe's pure parsers on recorded outputs (test/fixtures/macos/README.md), and the
// probe's collection rules: system_profiler only when the device set changes, nothing live in replay.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CommandSource, captureSourceReader, type SourceReader } from "../probes/capture/sources.ts";
import { classifyAll } from "../probes/classify/classify.ts";
import {
  parentsFromLocation,
  parseIoregTree,
  parseIoregUsb,
  portPathFromLocation,
} from "../probes/macos/ioreg-parse.ts";
import { parsePlistXml } from "../probes/macos/system-profiler-plist.ts";
import {
  parseSpUsbHostJson,
  parseSpUsbJson,
  parseSpUsbXml,
} from "../probes/macos/system-profiler-usb-parse.ts";
import { createMacosUsbProbe, MACOS_USB_SOURCES } from "../probes/macos/usb.ts";
import { macosUsbObservations, observationFromIoreg } from "../probes/macos/usb-observations.ts";
import type { UsbObservation } from "../probes/types.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const fixture = (path: string) => readFileSync(join(FIXTURES, path), "utf8");
const CAPTURES = join(FIXTURES, "captures");
const T2 = join(CAPTURES, "mac-intel-t2-keyboard-hub");
const TAHOE = join(CAPTURES, "mac-tahoe-iphone-stick");

describe("ioreg text", () => {
  it("reads the real property blocks pasted in public issues (IOUSB plane)", () => {
    const devices = parseIoregUsb(fixture("systeminformation/darwin-ioreg-usb.txt"));
    const byProduct = new Map(devices.map((device) => [device.product ?? device.name, device]));
    expect(byProduct.get("Orbtrace")).toMatchObject({
      vendorId: "1209",
      serial: "32A8708163008E06",
      manufacturer: "Orbcode",
      locationId: 0x00100000,
      portPath: "0-1",
      speedMbps: 480,
      portType: 0,
    });
    // Two root hubs from the controller nodes (no simulated root hub on Apple Silicon).
    expect(devices.filter((device) => device.isRootHub).map((device) => device.portPath)).toEqual([
      "usb1",
      "usb7",
    ]);
    expect(byProduct.get("IOUSBHostDevice")).toMatchObject({
      vendorId: "2341",
      productId: "0043",
      builtIn: false,
      nonRemovable: false,
    });
  });

  it('a serial under the older "USB Serial Number" key alone is kept', () => {
    const text = [
      "+-o Root  <class IORegistryEntry, id 0x100000100, retain 24>",
      "  +-o Stick@14100000  <class AppleUSBDevice, id 0x100000c89, registered, matched, active, busy 0 (1 ms), retain 12>",
      "      {",
      '        "idVendor" = 1921',
      '        "idProduct" = 21863',
      '        "USB Serial Number" = "4C530001230823113423"',
      '        "locationID" = 336592896',
      "      }",
    ].join("\n");
    expect(parseIoregUsb(text)[0]).toMatchObject({
      serial: "4C530001230823113423",
      portPath: "20-1",
      parents: ["usb20"],
    });
  });

  it("the IOService plane gives the same device with its interfaces nested below it", () => {
    const [root, iphone, ...rest] = parseIoregUsb(fixture("macos/ioservice-iphone.txt"));
    expect(rest).toEqual([]);
    expect(root).toMatchObject({ isRootHub: true, portPath: "usb20", className: "AppleIntelCNLUSBXHCI" });
    expect(iphone).toMatchObject({
      portPath: "20-1",
      parents: ["usb20"],
      serial: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
      supportsIPhoneOS: true,
      controllerClass: "AppleIntelCNLUSBXHCI",
    });
    expect(iphone?.interfaces).toEqual([
      { class: "06", subclass: "01", protocol: "01", name: "PTP" },
      { class: "ff", subclass: "fe", protocol: "02", name: "Apple USB Multiplexor" },
      { class: "02", subclass: "0d", protocol: "00" },
      { class: "0a", subclass: "00", protocol: "00" },
    ]);
  });

  it("a driver node below a device that repeats its ids and locationID is not a second device", () => {
    const text = [
      "+-o iPhone@14100000  <class IOUSBHostDevice, id 0x1, registered, matched, active, busy 0 (0 ms), retain 9>",
      "  | {",
      '  |   "idVendor" = 1452',
      '  |   "idProduct" = 4776',
      '  |   "locationID" = 336592896',
      "  | }",
      "  | ",
      "  +-o IOUSBHostHIDDevice@14100000,0  <class IOUSBHostHIDDevice, id 0x2, registered, matched, active, busy 0 (0 ms), retain 6>",
      "      {",
      '        "idVendor" = 1452',
      '        "idProduct" = 4776',
      '        "locationID" = 336592896',
      "      }",
    ].join("\n");
    expect(parseIoregUsb(text).map((device) => device.portPath)).toEqual(["20-1"]);
  });

  it("locationID encodes the hub chain: controller in the top byte, one port per nibble", () => {
    expect(portPathFromLocation(0x14210000)).toBe("20-2.1");
    expect(parentsFromLocation(0x14213000)).toEqual(["usb20", "20-2", "20-2.1"]);
    expect(portPathFromLocation(0x80000000)).toBe("usb128");
  });

  it("garbage is skipped, never thrown", () => {
    expect(parseIoregTree("not ioreg\n\u0000\n+-o")).toEqual([]);
    expect(parseIoregUsb('  "idVendor" = 1452\n')).toEqual([]);
  });
});

describe("system_profiler", () => {
  it("-xml (macOS before 10.15): the Drobo's disk and detachable_drive, the internal hub's Built-in_Device", () => {
    const devices = parseSpUsbXml(fixture("macos/system_profiler-SPUSBDataType-10.11.xml"));
    expect(devices).toEqual([
      expect.objectContaining({
        name: "Hub",
        vendorId: "8087",
        productId: "0024",
        builtIn: true,
        locationId: 0xfa100000,
      }),
      expect.objectContaining({
        name: "Drobo",
        vendorId: "19b9",
        productId: "3344",
        bsdNames: ["disk2"],
        detachableDrive: true,
        removableMedia: true,
        locationId: 0xfa130000,
      }),
    ]);
  });

  it('-json: disks under Media, apple_vendor_id and "0x0781  (SanDisk Corporation)" ids', () => {
    const devices = parseSpUsbJson(readFileSync(join(T2, "system_profiler-SPUSBDataType.json"), "utf8"));
    expect(devices.find((device) => device.name === "Cruzer Blade")).toMatchObject({
      vendorId: "0781",
      productId: "5567",
      bsdNames: ["disk4"],
      removableMedia: true,
      locationId: 0x14310000,
    });
    expect(devices.find((device) => device.name === "iPhone")?.vendorId).toBe("05ac");
  });

  it("SPUSBHostDataType (macOS 26): USBKeyHardwareType, and an empty report is no devices", () => {
    const devices = parseSpUsbHostJson(
      readFileSync(join(TAHOE, "system_profiler-SPUSBHostDataType.json"), "utf8"),
    );
    expect(devices[0]).toMatchObject({
      vendorId: "0781",
      productId: "55fd",
      hardwareType: "Removable",
      builtIn: false,
    });
    expect(parseSpUsbHostJson("{\n\n}\n")).toEqual([]);
    expect(parseSpUsbHostJson("")).toEqual([]);
    expect(() => parseSpUsbJson("{ not json")).toThrow();
  });

  it("the plist reader refuses what is not a plist", () => {
    expect(() => parsePlistXml("<html></html>")).toThrow(/no <plist>/);
    expect(
      parsePlistXml("<plist><dict><key>a</key><array><integer>1</integer><true/></array></dict></plist>"),
    ).toEqual({
      a: [1, true],
    });
  });
});

function observations(directory: string): UsbObservation[] {
  const text = (file: string) => readFileSync(join(directory, file), "utf8");
  const devices = parseIoregUsb(text("ioreg-usb.txt"), text("ioreg-usb-interfaces.txt"));
  return macosUsbObservations(devices, [
    ...parseSpUsbJson(text("system_profiler-SPUSBDataType.json")),
    ...parseSpUsbHostJson(text("system_profiler-SPUSBHostDataType.json")),
  ]);
}

describe("built-in decisions on a Mac", () => {
  it("an external Apple keyboard behind its own hub is external although it says non-removable = yes", () => {
    const all = observations(T2);
    const keyboard = classifyAll(all).find((device) => device.observation.id.startsWith("usb:05ac:0220"));
    expect(keyboard).toMatchObject({ kind: "keyboard", builtIn: false, confidence: "certain" });
    expect(keyboard?.evidence).toContain(
      'behind external hub 20-1 (05ac:1006 "Apple, Inc. Hub in Aluminum Keyboard")',
    );
  });

  it("T2 parts (keyboard/trackpad, Touch Bar, camera, light sensor, T2 controller) are built in", () => {
    const t2 = classifyAll(observations(T2)).filter(
      (device) => "portPath" in device.observation && device.observation.portPath.startsWith("128-"),
    );
    expect(t2).toHaveLength(7);
    for (const device of t2) expect(device.builtIn).toBe(true);
  });

  it("Apple's explicit Built-In outweighs a 'standard' USBPortType; an internal port type outweighs everything", () => {
    const base = {
      portPath: "20-1",
      parents: ["usb20"],
      isRootHub: false,
      name: "x",
      className: "IOUSBHostDevice",
      interfaces: [],
      warnings: [],
    };
    expect(observationFromIoreg({ ...base, portType: 0, builtIn: true })).toMatchObject({
      removable: "fixed",
      portFact: 'ioreg "Built-In" = Yes',
    });
    expect(observationFromIoreg({ ...base, portType: 2, builtIn: false })).toMatchObject({
      removable: "fixed",
      portFact: "ioreg USBPortType = 2 (internal)",
    });
    expect(observationFromIoreg({ ...base, portType: 0 })).toMatchObject({
      removable: "removable",
      portFact: "ioreg USBPortType = 0 (standard)",
    });
  });

  it("where ioreg says nothing about the port, the evidence says so and storage is still judged", () => {
    const all = classifyAll(observations(join(CAPTURES, "mac-apple-silicon-android-disk")));
    const stick = all.find((device) => device.observation.id.startsWith("usb:0951:1666"));
    expect(stick).toMatchObject({ kind: "storage", builtIn: false, confidence: "medium" });
    expect(stick?.evidence.join(" ")).toMatch(
      /neither ioreg .* nor system_profiler says whether this port is inside the Mac/,
    );
  });
});

/** Answers from a capture folder and counts what was asked. */
function countingReader(directory: string): SourceReader & { asked: string[] } {
  const inner = captureSourceReader(directory);
  const asked: string[] = [];
  return {
    kind: "capture",
    asked,
    read(source: CommandSource) {
      asked.push(source.file);
      return inner.read(source);
    },
  };
}

describe("the macos-usb probe", () => {
  it("runs system_profiler on the first scan and again only when the device set changes", async () => {
    const reader = countingReader(T2);
    const probe = createMacosUsbProbe({ root: T2, sources: reader }) as ReturnType<
      typeof createMacosUsbProbe
    > & {
      profilerRuns: number;
    };
    await probe.snapshot();
    await probe.snapshot();
    await probe.snapshot();
    expect(probe.profilerRuns).toBe(1);
    expect(reader.asked.filter((file) => file.startsWith("system_profiler"))).toEqual([
      "system_profiler-SPUSBDataType.json",
      "system_profiler-SPUSBHostDataType.json",
    ]);
    expect(reader.asked.filter((file) => file === "ioreg-usb.txt")).toHaveLength(3);
    // Another folder stands for the laptop after a plug-in: a different device set.
    const changed = countingReader(TAHOE);
    Object.assign(reader, { read: changed.read });
    await probe.snapshot();
    expect(probe.profilerRuns).toBe(2);
  });

  it("without the interfaces file it still reports devices, and says what is missing", async () => {
    const sources: SourceReader = {
      kind: "capture",
      read: (source) =>
        source.file === "ioreg-usb-interfaces.txt"
          ? Promise.resolve({ ok: false, reason: "capture: missing" })
          : captureSourceReader(T2).read(source),
    };
    const snapshot = await createMacosUsbProbe({ root: T2, sources }).snapshot();
    expect(snapshot.observations.length).toBe(14);
    expect(snapshot.unavailable[0]?.reason).toMatch(/interface classes unknown/);
  });

  it("no ioreg, no devices: the source is unavailable with the reason", async () => {
    const snapshot = await createMacosUsbProbe({
      root: "/",
      sources: captureSourceReader("/nonexistent"),
    }).snapshot();
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable[0]).toMatchObject({ source: "macos-usb" });
  });

  it("a system_profiler that ignores -json (before 10.15) is asked again with -xml", async () => {
    const asked: string[] = [];
    const xml = fixture("macos/system_profiler-SPUSBDataType-10.11.xml");
    const sources: SourceReader = {
      kind: "live",
      async read(source) {
        asked.push(source.command.join(" "));
        if (source.file === "ioreg-usb.txt") return { ok: true, text: "", durationMs: 1 };
        if (source.file === "system_profiler-SPUSBDataType.json")
          return { ok: true, text: "USB:\n\n    USB 2.0 Bus:\n", durationMs: 900 };
        if (source.file === "system_profiler-SPUSBDataType.xml")
          return { ok: true, text: xml, durationMs: 900 };
        return { ok: true, text: "", durationMs: 1 };
      },
    };
    const snapshot = await createMacosUsbProbe({ root: "/", sources }).snapshot();
    expect(asked).toContain("system_profiler -xml SPUSBDataType");
    expect(snapshot.unavailable).toEqual([]);
  });

  it("declares the capture files docs/CAPTURE.md lists", () => {
    expect(MACOS_USB_SOURCES.map((source) => source.file)).toEqual([
      "ioreg-usb.txt",
      "ioreg-usb-interfaces.txt",
      "system_profiler-SPUSBDataType.json",
      "system_profiler-SPUSBHostDataType.json",
    ]);
    expect(MACOS_USB_SOURCES[2]?.fallback?.file).toBe("system_profiler-SPUSBDataType.xml");
  });
});
