// One row per Class of Device, Appearance, UUID, vendor, OUI and name rule of classifyBluetooth.

import { describe, expect, it } from "vitest";
import { classifyBluetooth } from "../probes/classify/bluetooth.ts";
import {
  decodeAppearance,
  decodeClassOfDevice,
  decodeModalias,
  describeClassOfDevice,
  shortUuid,
} from "../probes/classify/bluetooth-decode.ts";
import { mergeBluetoothObservations } from "../probes/merge-bluetooth.ts";
import type { BluetoothObservation, Confidence, DeviceKind } from "../probes/types.ts";

const full = (short: string) => `0000${short}-0000-1000-8000-00805f9b34fb`;

function device(fields: Partial<BluetoothObservation> & { services?: string[] }): BluetoothObservation {
  const { services, ...rest } = fields;
  const address = rest.address ?? "02:11:22:33:44:55";
  return {
    bus: "bluetooth",
    source: "bluez-dbus",
    id: `bt:${address}`,
    address,
    uuids: (services ?? []).map(full),
    paired: true,
    bonded: true,
    connected: false,
    ...rest,
  };
}

const rows: [
  string,
  Partial<BluetoothObservation> & { services?: string[] },
  DeviceKind,
  Confidence,
  string?,
][] = [
  // Class of Device
  [
    "CoD car audio",
    { classOfDevice: 0x240420 },
    "vehicle",
    "certain",
    "Class of Device 0x240420: Audio/Video, Car audio",
  ],
  ["CoD car audio, other service bits", { classOfDevice: 0x340420 }, "vehicle", "certain"],
  [
    "CoD car audio beats an AG (cars rarely are phones)",
    { classOfDevice: 0x200420, services: ["111f"] },
    "vehicle",
    "certain",
  ],
  [
    "CoD headset",
    { classOfDevice: 0x240404, services: ["111e", "110b", "1108"] },
    "audio",
    "strong",
    "Class of Device 0x240404: Audio/Video, Wearable Headset Device",
  ],
  ["CoD headphones", { classOfDevice: 0x240418 }, "audio", "strong"],
  ["CoD loudspeaker", { classOfDevice: 0x240414 }, "audio", "strong"],
  [
    "CoD smartphone",
    { classOfDevice: 0x5a020c },
    "phone",
    "strong",
    "Class of Device 0x5A020C: Phone, Smartphone",
  ],
  ["CoD cellular", { classOfDevice: 0x200204 }, "phone", "strong"],
  [
    "CoD keyboard",
    { classOfDevice: 0x002540 },
    "keyboard",
    "strong",
    "Class of Device 0x002540: Peripheral, Keyboard",
  ],
  [
    "CoD mouse",
    { classOfDevice: 0x002580 },
    "mouse",
    "strong",
    "Class of Device 0x002580: Peripheral, Pointing device",
  ],
  ["CoD combo keyboard", { classOfDevice: 0x0025c0 }, "keyboard", "strong"],
  [
    "CoD laptop",
    { classOfDevice: 0x1c010c },
    "computer",
    "strong",
    "Class of Device 0x1C010C: Computer, Laptop",
  ],
  [
    "CoD hands-free + HF + sink",
    { classOfDevice: 0x240408, services: ["111e", "110b"] },
    "vehicle",
    "medium",
  ],
  [
    "CoD hands-free without sink is audio",
    { classOfDevice: 0x240408, services: ["111e"] },
    "audio",
    "strong",
  ],
  // Appearance
  [
    "Appearance car",
    { appearance: 0x08c1 },
    "vehicle",
    "certain",
    "Appearance 0x08C1: Motorized Vehicle, Car",
  ],
  ["Appearance generic vehicle", { appearance: 0x08c0 }, "vehicle", "certain"],
  ["Appearance end of vehicle range", { appearance: 0x08ff }, "vehicle", "certain"],
  ["Appearance just past vehicle range", { appearance: 0x0900 }, "other", "low"],
  [
    "Appearance keyboard",
    { appearance: 0x03c1, services: ["1812"] },
    "keyboard",
    "strong",
    "Appearance 0x03C1: Human Interface Device, Keyboard",
  ],
  ["Appearance mouse", { appearance: 0x03c2, services: ["1812"] }, "mouse", "strong"],
  ["Appearance generic HID with HID service", { appearance: 0x03c0, services: ["1812"] }, "other", "medium"],
  ["Appearance phone", { appearance: 0x0040 }, "phone", "strong"],
  ["Appearance earbud", { appearance: 0x0941 }, "audio", "strong"],
  ["Appearance speaker", { appearance: 0x0841 }, "audio", "strong"],
  ["Appearance laptop", { appearance: 0x0083 }, "computer", "strong"],
  // Services
  [
    "HF + PBAP client, no AG",
    { services: ["111e", "112e", "110b"] },
    "vehicle",
    "strong",
    "services: Hands-Free unit, Phonebook Access client",
  ],
  [
    "HF + MNS, no AG",
    { services: ["111e", "1133"] },
    "vehicle",
    "strong",
    "services: Hands-Free unit, Message Notification Server",
  ],
  ["HF + PBAP client + AG is not a car", { services: ["111e", "112e", "111f", "112f"] }, "phone", "strong"],
  [
    "AG + PBAP server",
    { services: ["111f", "112f", "110a"] },
    "phone",
    "strong",
    "services: Hands-Free Audio Gateway, Phonebook Access server",
  ],
  ["HF + sink, no class", { services: ["111e", "110b"] }, "audio", "medium"],
  ["headset profile only", { services: ["1108"] }, "audio", "medium"],
  // Names, OUIs, Device ID vendors
  [
    "name MY VW",
    { name: "MY VW 4821" },
    "vehicle",
    "medium",
    'name "MY VW 4821" follows the naming of a Volkswagen group head unit',
  ],
  ["name Audi MMI", { name: "Audi MMI 1234" }, "vehicle", "medium"],
  ["name BMW", { name: "BMW 51234" }, "vehicle", "medium"],
  ["name Uconnect", { name: "Uconnect" }, "vehicle", "medium"],
  ["name SYNC", { name: "SYNC" }, "vehicle", "medium"],
  ["name CAR MULTIMEDIA", { name: "CAR MULTIMEDIA" }, "vehicle", "medium"],
  ["name Mercedes-Benz", { name: "Mercedes-Benz 1234" }, "vehicle", "medium"],
  ["name Toyota", { name: "TOYOTA Corolla" }, "vehicle", "medium"],
  ["name that merely contains sync", { name: "SyncBuds Pro", services: ["1108"] }, "audio", "medium"],
  [
    "OUI Continental Automotive",
    { address: "00:1E:AE:12:34:56" },
    "vehicle",
    "medium",
    "address 00:1E:AE:12:34:56: OUI 00:1E:AE is assigned to Continental Automotive Systems Inc.",
  ],
  ["OUI Harman/Becker", { address: "9C:DF:03:12:34:56", services: ["111e"] }, "vehicle", "medium"],
  [
    "OUI of a random address is ignored",
    { address: "00:1E:AE:12:34:56", addressType: "random" },
    "other",
    "low",
  ],
  [
    "OUI Parrot with HF is only a hint",
    { address: "90:03:B7:12:34:56", services: ["111e"] },
    "vehicle",
    "low",
  ],
  ["Device ID vendor Continental", { modalias: "bluetooth:v004Bp0001d0001" }, "vehicle", "medium"],
  [
    "Device ID Apple is no vehicle",
    { modalias: "bluetooth:v004Cp0320d0100", classOfDevice: 0x240404 },
    "audio",
    "strong",
  ],
  [
    "keyboard from an automotive OUI stays a keyboard",
    { address: "00:1E:AE:00:00:01", classOfDevice: 0x002540 },
    "keyboard",
    "strong",
  ],
  ["nothing known", {}, "other", "low", "no Class of Device, Appearance or known services"],
];

describe("classifyBluetooth", () => {
  for (const [label, fields, kind, confidence, evidence] of rows) {
    it(label, () => {
      const classification = classifyBluetooth(device(fields));
      expect({ kind: classification.kind, confidence: classification.confidence }).toEqual({
        kind,
        confidence,
      });
      expect(classification.builtIn).toBe(false);
      if (evidence) expect(classification.evidence).toContain(evidence);
    });
  }
});

describe("decoders", () => {
  it("splits a Class of Device into major, minor and service bits", () => {
    expect(decodeClassOfDevice(0x240420)).toMatchObject({
      major: 0x04,
      minor: 0x08,
      majorName: "Audio/Video",
      minorName: "Car audio",
      services: ["Rendering", "Audio"],
    });
    expect(decodeClassOfDevice(0x5a020c).services).toEqual([
      "Networking",
      "Capturing",
      "Object Transfer",
      "Telephony",
    ]);
    expect(describeClassOfDevice(0x1f00)).toBe("Class of Device 0x001F00: Uncategorized, minor 0x00");
  });
  it("takes the Appearance category from the top ten bits", () => {
    expect(decodeAppearance(0x08c1)).toMatchObject({
      category: 0x023,
      categoryName: "Motorized Vehicle",
      name: "Car",
    });
    expect(decodeAppearance(0x0942)).toMatchObject({ category: 0x025, name: "Headset" });
  });
  it("shortens only Base-UUID UUIDs", () => {
    expect(shortUuid("0000111E-0000-1000-8000-00805F9B34FB")).toBe(0x111e);
    expect(shortUuid("111e")).toBe(0x111e);
    expect(shortUuid("6e400001-b5a3-f393-e0a9-e50e24dcca9e")).toBeUndefined();
  });
  it("reads Device ID modaliases", () => {
    expect(decodeModalias("bluetooth:v004Cp0320d0100")).toMatchObject({
      vendor: 0x4c,
      vendorName: "Apple, Inc.",
      automotive: false,
    });
    expect(decodeModalias("usb:v1D6Bp0246d0540")).toMatchObject({ source: "usb", vendor: 0x1d6b });
    expect(decodeModalias("garbage")).toBeUndefined();
  });
});

describe("mergeBluetoothObservations", () => {
  it("keeps D-Bus facts, fills gaps from the store, ORs pairing and unions UUIDs and warnings", () => {
    const fromDbus = device({
      address: "00:1E:AE:11:22:33",
      name: "Car",
      paired: true,
      bonded: false,
      services: ["111e"],
    });
    const fromStore = device({
      address: "00:1e:ae:11:22:33",
      source: "bluez-store",
      name: "Old name",
      classOfDevice: 0x240420,
      paired: true,
      bonded: true,
      services: ["112e", "111e"],
      warnings: ["info: line 9 is not key=value"],
    });
    const other = device({ address: "11:22:33:44:55:66", source: "bluez-store" });
    const merged = mergeBluetoothObservations([fromStore, other, fromDbus]);
    expect(merged).toHaveLength(2);
    const car = merged.find((o) => o.address === "00:1E:AE:11:22:33");
    expect(car).toMatchObject({
      source: "bluez-dbus",
      name: "Car",
      classOfDevice: 0x240420,
      paired: true,
      bonded: true,
      warnings: ["info: line 9 is not key=value"],
    });
    expect(car?.uuids.sort()).toEqual([full("111e"), full("112e")]);
  });
});
