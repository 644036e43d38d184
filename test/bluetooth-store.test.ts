// The bluez-store probe and its info parser, on fixture files modelled on BlueZ's store
// (see test/fixtures/bluetooth/README.md).

import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyBluetooth } from "../probes/classify/bluetooth.ts";
import { parseBluezInfo, parseIni } from "../probes/linux/bluez-info.ts";
import { createBluezStoreProbe } from "../probes/linux/bluez-store.ts";
import type { BluetoothObservation } from "../probes/types.ts";

const root = fileURLToPath(new URL("./fixtures/bluetooth/store", import.meta.url));

describe("parseBluezInfo", () => {
  it("reads [General], [DeviceID] and a link key", () => {
    const info = parseBluezInfo(
      "[General]\nName=MY VW 4821\nClass=0x240420\nTrusted=true\nServices=0000111e-0000-1000-8000-00805f9b34fb;\n\n[DeviceID]\nSource=1\nVendor=75\nProduct=1\nVersion=256\n\n[LinkKey]\nKey=00\nType=4\nPINLength=0\n",
    );
    expect(info).toMatchObject({
      name: "MY VW 4821",
      classOfDevice: 0x240420,
      trusted: true,
      bonded: true,
      modalias: "bluetooth:v004Bp0001d0100",
      uuids: ["0000111e-0000-1000-8000-00805f9b34fb"],
      warnings: [],
    });
  });
  it("treats an LE long-term key as bonded and Source=2 as a USB vendor id", () => {
    const info = parseBluezInfo(
      "[General]\nAppearance=0x03c1\n[LongTermKey]\nKey=00\n[DeviceID]\nSource=2\nVendor=1133\nProduct=45082\nVersion=1\n",
    );
    expect(info).toMatchObject({ appearance: 0x03c1, bonded: true, modalias: "usb:v046DpB01Ad0001" });
  });
  it("reads the older Profiles= key", () => {
    expect(parseBluezInfo("[General]\nProfiles=0000110b-0000-1000-8000-00805f9b34fb\n").uuids).toEqual([
      "0000110b-0000-1000-8000-00805f9b34fb",
    ]);
  });
  it("keeps going through garbage, with warnings", () => {
    const info = parseBluezInfo("junk\n[General]\nClass=0xZZ\nServices=nope;\n[LinkKey]\nKey=AA\n");
    expect(info.bonded).toBe(true);
    expect(info.classOfDevice).toBeUndefined();
    expect(info.warnings).toEqual([
      'line 1 is not a [group] or key=value: "junk"',
      'Class="0xZZ" is not a number',
      'Services holds "nope", which is not a UUID',
    ]);
  });
  it("splits INI groups", () => {
    expect(parseIni("[A]\nx=1\n[B]\ny = 2 \n").groups).toEqual(
      new Map([
        ["A", new Map([["x", "1"]])],
        ["B", new Map([["y", "2"]])],
      ]),
    );
  });
});

describe("bluez-store probe", () => {
  it("finds the car paired in the past, the headset, the keyboard, the phone and the garbled device", async () => {
    const snapshot = await createBluezStoreProbe({ root }).snapshot();
    expect(snapshot.unavailable).toEqual([]);
    const byAddress = new Map(
      (snapshot.observations as BluetoothObservation[]).map((observation) => [
        observation.address,
        observation,
      ]),
    );
    expect([...byAddress.keys()].sort()).toEqual([
      "00:1B:66:AA:BB:01",
      "00:1E:AE:4C:A2:01",
      "C8:3A:35:00:00:07",
      "D2:11:22:33:44:55",
      "F4:5C:89:12:34:56",
    ]);
    const car = byAddress.get("00:1E:AE:4C:A2:01") as BluetoothObservation;
    expect(car).toMatchObject({
      source: "bluez-store",
      adapter: "00:1A:7D:DA:71:13",
      name: "MY VW 4821",
      classOfDevice: 0x240420,
      paired: true,
      bonded: true,
      connected: false,
      modalias: "bluetooth:v004Bp0001d0100",
    });
    expect(classifyBluetooth(car)).toMatchObject({ kind: "vehicle", confidence: "certain" });
    expect(classifyBluetooth(byAddress.get("00:1B:66:AA:BB:01") as BluetoothObservation).kind).toBe("audio");
    expect(classifyBluetooth(byAddress.get("C8:3A:35:00:00:07") as BluetoothObservation).kind).toBe(
      "keyboard",
    );
    const phone = byAddress.get("F4:5C:89:12:34:56") as BluetoothObservation;
    expect(phone.bonded).toBe(false);
    expect(classifyBluetooth(phone).kind).toBe("phone");
    const garbled = byAddress.get("D2:11:22:33:44:55") as BluetoothObservation;
    expect(garbled.bonded).toBe(true);
    expect(garbled.name).toBe("Unknown car kit");
    expect(garbled.warnings?.length).toBeGreaterThanOrEqual(3);
  });

  it("reports the source unavailable when the store does not exist", async () => {
    const snapshot = await createBluezStoreProbe({ root: "/nonexistent/eca-root" }).snapshot();
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable).toEqual([
      { source: "bluez-store", reason: expect.stringContaining("does not exist") },
    ]);
  });
});
