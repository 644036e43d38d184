// The macOS Bluetooth parsers on recorded outputs (test/fixtures/macos-bluetooth/, sources in its
// README), and what classification and the policy make of a Mac's devices: the same kinds and rules
// as BlueZ's on Linux.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../policy/default-policy.ts";
import { evaluate } from "../policy/evaluate.ts";
import { classifyBluetooth } from "../probes/classify/bluetooth.ts";
import { classifyAll } from "../probes/classify/classify.ts";
import {
  combineMacosBluetooth,
  decodeMacosServices,
  macosModalias,
  normaliseAddress,
  parseBluetoothPreferences,
  parseSystemProfilerBluetooth,
} from "../probes/macos/bluetooth-parse.ts";
import type { BluetoothObservation } from "../probes/types.ts";

const fixtures = join(import.meta.dirname, "fixtures/macos-bluetooth");
const read = (name: string) => readFileSync(join(fixtures, name), "utf8");
const profiler = (name: string) => parseSystemProfilerBluetooth(read(name), name);
const preferences = (name: string) => parseBluetoothPreferences(read(name), name);
const now = new Date("2026-12-01T09:00:00Z");
const uuid = (short: string) => `0000${short}-0000-1000-8000-00805f9b34fb`;

function byName(observations: BluetoothObservation[], name: string): BluetoothObservation {
  const found = observations.find((observation) => observation.name === name);
  if (!found) throw new Error(`no device ${name}`);
  return found;
}

describe("system_profiler SPBluetoothDataType, macOS 12.3+ (device_connected / device_not_connected)", () => {
  const { observations, warnings } = profiler("sp-12.3-apple-mouse-airpods.json");

  it("reads every paired device, connected or not, with its address in BlueZ's form", () => {
    expect(warnings).toEqual([]);
    expect(observations.map((o) => [o.name, o.address, o.connected, o.paired])).toEqual([
      ["Apple Mouse", "04:0C:CE:3C:D2:B8", true, true],
      ["Alexandre Bergel’s AirPods Pro", "B4:40:A4:E0:4B:2F", false, true],
      ["Apple Watch de Alexandre", "90:81:2A:3E:11:20", false, true],
    ]);
  });

  it("decodes minor type, services and Device ID", () => {
    expect(byName(observations, "Apple Mouse")).toEqual({
      bus: "bluetooth",
      source: "macos-bluetooth",
      id: "bt:04:0C:CE:3C:D2:B8",
      address: "04:0C:CE:3C:D2:B8",
      name: "Apple Mouse",
      minorType: "Mouse",
      uuids: [uuid("1124")],
      modalias: "usb:v05ACp030Dd0000",
      paired: true,
      bonded: true,
      connected: true,
    });
    expect(byName(observations, "Alexandre Bergel’s AirPods Pro").modalias).toBe("bluetooth:v004Cp200Ed0000");
  });

  it("gives the Apple Mouse and the AirPods the kinds and rule BlueZ's would get", () => {
    const classified = classifyAll(observations);
    expect(classified.map((d) => [d.kind, d.confidence])).toEqual([
      ["mouse", "strong"],
      ["audio", "strong"],
      ["other", "low"], // the Watch: an address only, a person should check
    ]);
    expect(classified[0]?.evidence).toEqual(['minor type "Mouse": Peripheral, Pointing device']);
    const { devices, findings } = evaluate(classified, DEFAULT_POLICY, now);
    expect(devices.map((d) => d.verdict)).toEqual(["violation", "violation", "review"]);
    expect(findings.map((f) => f.rule)).toEqual(["unapproved-peripheral", "unapproved-peripheral"]);
  });
});

describe("system_profiler before macOS 12.3 (device_title, device_list)", () => {
  it("device_title: the headset's Class of Device, services and connection are read", () => {
    const { observations } = profiler("sp-legacy-device-title-headset.json");
    expect(observations).toEqual([
      {
        bus: "bluetooth",
        source: "macos-bluetooth",
        id: "bt:10:4F:A8:D8:06:ED",
        address: "10:4F:A8:D8:06:ED",
        name: "MDR-1000X",
        minorType: "Headset",
        classOfDevice: 0x240404,
        uuids: [uuid("1108"), uuid("111e")],
        paired: true,
        bonded: true,
        connected: true,
      },
    ]);
    expect(classifyBluetooth(observations[0] as BluetoothObservation)).toMatchObject({
      kind: "audio",
      confidence: "strong",
      evidence: [
        "Class of Device 0x240404: Audio/Video, Wearable Headset Device",
        "services: Hands-Free unit, Headset",
      ],
    });
  });

  it("device_list: the Magic Keyboard is a keyboard and the Beats headphones audio, from the Class of Device", () => {
    const { observations, warnings } = profiler("sp-legacy-device-list-keyboard-headphones.json");
    expect(warnings).toEqual([]);
    const keyboard = byName(observations, "Magic Keyboard");
    expect(keyboard.classOfDevice).toBe(0x2540);
    expect(keyboard.modalias).toBe("bluetooth:v004Cp0267d0000");
    expect(keyboard.warnings).toEqual(["device_services: Magic Keyboard not known to eca"]);
    expect(classifyAll(observations).map((d) => d.kind)).toEqual(["keyboard", "audio"]);
  });
});

describe("system_profiler on macOS 14 (device_paired)", () => {
  const { observations } = profiler("sp-14-device-paired-keyboard.json");

  it("reads device_paired, with the per-device connected flag", () => {
    expect(observations.map((o) => [o.name, o.connected, o.paired])).toEqual([
      ["BlackWidow V3 Mini", true, true],
      ["Marley Get Together", false, true],
    ]);
    expect(byName(observations, "BlackWidow V3 Mini").modalias).toBe("usb:v1532p0272d0000");
  });

  it("a BLE keyboard macOS gives no type for goes to review, as on Linux without an Appearance", () => {
    expect(classifyAll(observations).map((d) => [d.kind, d.confidence])).toEqual([
      ["other", "low"],
      ["other", "low"],
    ]);
  });
});

describe("a paired car, headset, keyboard and phone on a Mac (constructed: no public capture)", () => {
  const { observations } = profiler("sp-12.3-car-constructed.json");

  it("the car is a vehicle with certainty, and a critical vehicle-pairing violation although not connected", () => {
    const car = byName(observations, "MY VW 4711");
    expect(car.uuids).toEqual([uuid("111e"), uuid("110e"), uuid("110b")]);
    expect(classifyBluetooth(car)).toMatchObject({
      kind: "vehicle",
      confidence: "certain",
      evidence: ['minor type "Car Audio": Audio/Video, Car audio'],
    });
    const { findings } = evaluate(classifyAll(observations), DEFAULT_POLICY, now);
    expect(findings.map((f) => [f.device.name, f.rule, f.severity])).toEqual([
      ["Magic Keyboard", "unapproved-peripheral", "medium"],
      ["MY VW 4711", "vehicle-pairing", "critical"],
      ["Galaxy S21", "unapproved-peripheral", "medium"],
    ]);
  });

  it("the phone is a phone", () => {
    expect(classifyBluetooth(byName(observations, "Galaxy S21")).kind).toBe("phone");
  });
});

describe("com.apple.Bluetooth.plist: past pairings", () => {
  it("Big Sur: PairedDevices are the pairings, DeviceCache gives their name, Class of Device and Device ID", () => {
    const { observations, warnings } = preferences("prefs-bigsur-devicecache.xml");
    expect(warnings).toEqual([]);
    expect(observations).toEqual([
      {
        bus: "bluetooth",
        source: "macos-bluetooth",
        id: "bt:10:94:BB:BF:50:5A",
        address: "10:94:BB:BF:50:5A",
        uuids: [],
        name: "Magic Keyboard",
        classOfDevice: 1344,
        paired: true,
        bonded: true,
        connected: false,
      },
      {
        bus: "bluetooth",
        source: "macos-bluetooth",
        id: "bt:00:1E:AE:4C:A2:01",
        address: "00:1E:AE:4C:A2:01",
        uuids: [],
        name: "MY VW 4711",
        classOfDevice: 0x240420,
        modalias: "bluetooth:v004Bp0B12d0000",
        paired: true,
        bonded: true,
        connected: false,
      },
    ]);
  });

  it("a car paired last month and out of range today is still a vehicle-pairing violation", () => {
    const { observations } = preferences("prefs-bigsur-devicecache.xml");
    const { findings } = evaluate(classifyAll(observations), DEFAULT_POLICY, now);
    expect(findings.map((f) => [f.device.address, f.rule])).toEqual([
      ["10:94:BB:BF:50:5A", "unapproved-peripheral"],
      ["00:1E:AE:4C:A2:01", "vehicle-pairing"],
    ]);
  });

  it("a device only seen (in DeviceCache, not PairedDevices) is not reported", () => {
    const { observations } = preferences("prefs-bigsur-devicecache.xml");
    expect(observations.some((o) => o.name === "Powerbeats Pro")).toBe(false);
  });

  it("Ventura: only PersistentPorts remain; the serial-port device is a past pairing named by its port", () => {
    const { observations } = preferences("prefs-ventura-persistentports.xml");
    expect(observations.map((o) => [o.address, o.name, o.paired])).toEqual([
      ["AC:BF:71:00:00:01", "BoseQC45", true],
    ]);
  });

  it("combined with system_profiler, one device per address: current facts first, the past fills gaps", () => {
    const current = profiler("sp-12.3-car-constructed.json").observations;
    const past = preferences("prefs-bigsur-devicecache.xml").observations;
    const combined = combineMacosBluetooth(current, past);
    expect(combined.map((o) => o.address)).toEqual([
      "10:94:BB:BF:50:5A",
      "00:1E:AE:4C:A2:01",
      "F4:5C:89:12:34:56",
    ]);
    const keyboard = combined[0] as BluetoothObservation;
    expect([keyboard.connected, keyboard.minorType, keyboard.classOfDevice]).toEqual([
      true,
      "Keyboard",
      1344,
    ]);
  });
});

describe("macOS minor types classify like the Class of Device they name", () => {
  it.each([
    ["Headphones", "audio", "strong"],
    ["Headset", "audio", "strong"],
    ["Speaker", "audio", "strong"],
    ["Car Audio", "vehicle", "certain"],
    ["car audio", "vehicle", "certain"],
    ["Smartphone", "phone", "strong"],
    ["Keyboard", "keyboard", "strong"],
    ["Mouse", "mouse", "strong"],
    ["Trackpad", "mouse", "strong"],
    ["Watch", "wearable", "strong"],
    ["Laptop", "computer", "strong"],
    ["Gamepad", "other", "low"],
    ["Something New", "other", "low"],
  ])("%s → %s (%s)", (minorType, kind, confidence) => {
    const observation: BluetoothObservation = {
      bus: "bluetooth",
      source: "macos-bluetooth",
      id: "bt:02:11:22:33:44:55",
      address: "02:11:22:33:44:55",
      minorType,
      uuids: [],
      paired: true,
      bonded: true,
      connected: false,
    };
    expect(classifyBluetooth(observation)).toMatchObject({ kind, confidence });
  });

  it("a real Class of Device wins over the minor type", () => {
    const observation: BluetoothObservation = {
      bus: "bluetooth",
      source: "macos-bluetooth",
      id: "bt:02:11:22:33:44:55",
      address: "02:11:22:33:44:55",
      minorType: "Headphones",
      classOfDevice: 0x240420,
      uuids: [],
      paired: true,
      bonded: true,
      connected: false,
    };
    expect(classifyBluetooth(observation)).toMatchObject({
      kind: "vehicle",
      evidence: ["Class of Device 0x240420: Audio/Video, Car audio"],
    });
  });
});

describe("decoding helpers", () => {
  it.each([
    ["0x800019 < HFP AVRCP A2DP ACL >", ["111e", "110e", "110b"], []],
    ["0x980019 < HFP AVRCP A2DP AACP GATT ACL >", ["111e", "110e", "110b", "1801"], []],
    ["0x400020 < HID BLE >", ["1124"], []],
    ["0x800020", ["1124"], []],
    ["0x800026 < HID ACL >", ["1124"], ["service bits 0x6"]],
    ["0x800020 < HID Teleport ACL >", ["1124"], ["Teleport"]],
    ["Headset, Hands-Free unit", ["1108", "111e"], []],
    ["Apple Magic Mouse", [], ["Apple Magic Mouse"]],
  ])("services %s", (text, shorts, unknown) => {
    expect(decodeMacosServices(text)).toEqual({ uuids: shorts.map(uuid), unknown });
  });

  it.each([
    ["10-4f-a8-d8-06-ed", "10:4F:A8:D8:06:ED"],
    ["04:0C:CE:3C:D2:B8", "04:0C:CE:3C:D2:B8"],
    ["AC:BF:71:**:**:**", undefined],
    ["", undefined],
  ])("address %s", (text, expected) => {
    expect(normaliseAddress(text)).toBe(expected);
  });

  it("Device ID: SIG company ids as bluetooth, others as usb; garbage gives none", () => {
    expect(macosModalias("0x004C", "0x200E")).toBe("bluetooth:v004Cp200Ed0000");
    expect(macosModalias("0x004C (Apple)", "0x0001")).toBe("bluetooth:v004Cp0001d0000");
    expect(macosModalias(0x05ac, 0x030d)).toBe("usb:v05ACp030Dd0000");
    expect(macosModalias("Apple", "0x1")).toBeUndefined();
  });
});

describe("bad input says where", () => {
  it.each([
    ["not JSON", "{", /sp\.json: document: not JSON/],
    ["no SPBluetoothDataType", '{"SPUSBDataType": []}', /SPBluetoothDataType: missing or not a list/],
  ])("%s", (_label, text, message) => {
    expect(() => parseSystemProfilerBluetooth(text, "sp.json")).toThrow(message);
  });

  it("a device without a usable address is skipped with a warning naming its place", () => {
    const text = JSON.stringify({
      SPBluetoothDataType: [{ device_connected: [{ X: { device_address: "zz" } }] }],
    });
    expect(parseSystemProfilerBluetooth(text, "sp.json")).toEqual({
      observations: [],
      warnings: ['SPBluetoothDataType[0].device_connected[0] "X": no usable address ("zz"), skipped'],
    });
  });

  it("a preferences file that is not a dictionary", () => {
    expect(() =>
      parseBluetoothPreferences('<?xml version="1.0"?><plist version="1.0"><array/></plist>', "prefs.xml"),
    ).toThrow("prefs.xml: plist: the top level is not a dictionary");
  });
});
