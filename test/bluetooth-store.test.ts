// The bluez-store probe and its info parser, on fixture files modelled on BlueZ's store
// (see test/fixtures/bluetooth/README.md).

import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("reports the source failed (not absent) when the root itself does not exist", async () => {
    const snapshot = await createBluezStoreProbe({ root: "/nonexistent/eca-root" }).snapshot();
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable).toEqual([
      { source: "bluez-store", reason: expect.stringContaining("does not exist") },
    ]);
  });

  it("reports BlueZ absent, a complete answer, when the root has no store", async () => {
    const empty = mkdtempSync(join(tmpdir(), "eca-no-store-"));
    try {
      const snapshot = await createBluezStoreProbe({ root: empty }).snapshot();
      expect(snapshot.observations).toEqual([]);
      expect(snapshot.unavailable).toEqual([
        { source: "bluez-store", reason: expect.stringContaining("BlueZ not installed"), absent: true },
      ]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("sees every change to the store from one snapshot to the next", async () => {
    const copy = mkdtempSync(join(tmpdir(), "eca-store-"));
    try {
      cpSync(root, copy, { recursive: true });
      // Files changed over a second ago, as on a laptop: their parse is kept from one snapshot to the next.
      const settle = () => new Promise((resolve) => setTimeout(resolve, 1_100));
      await settle();
      const probe = createBluezStoreProbe({ root: copy });
      const byAddress = async () =>
        new Map(((await probe.snapshot()).observations as BluetoothObservation[]).map((o) => [o.address, o]));
      const first = await byAddress();
      const pristine = structuredClone(first);
      expect(first.get("00:1E:AE:4C:A2:01")?.name).toBe("MY VW 4821");
      // What a caller does with an observation, read or kept, does not leak into the next snapshot.
      for (const snapshot of [first, await byAddress()]) {
        const car = snapshot.get("00:1E:AE:4C:A2:01") as BluetoothObservation;
        car.uuids.push("changed by the caller");
        car.name = "changed by the caller";
        expect(await byAddress()).toEqual(pristine);
      }

      const info = join(copy, "var/lib/bluetooth/00:1A:7D:DA:71:13/00:1E:AE:4C:A2:01/info");
      const text = readFileSync(info, "utf8");
      // Same size, written in place right away (the coarse file clock may not tick): still seen.
      writeFileSync(info, text.replace("MY VW 4821", "MY VW 4822"));
      expect((await byAddress()).get("00:1E:AE:4C:A2:01")?.name).toBe("MY VW 4822");
      // The way BlueZ writes: a new file renamed over the old one.
      writeFileSync(`${info}.tmp`, text.replace("MY VW 4821", "MY SEAT 99"));
      renameSync(`${info}.tmp`, info);
      expect((await byAddress()).get("00:1E:AE:4C:A2:01")?.name).toBe("MY SEAT 99");
      // Garbled now: warnings, as on a first read.
      writeFileSync(info, `junk\n${text}`);
      expect((await byAddress()).get("00:1E:AE:4C:A2:01")?.warnings).toEqual([
        `${info}: line 1 is not a [group] or key=value: "junk"`,
      ]);
      // Kept again once a second old; a later change is still seen.
      await settle();
      expect((await byAddress()).get("00:1E:AE:4C:A2:01")?.warnings).toHaveLength(1);
      writeFileSync(info, `JUNK\n${text}`);
      expect((await byAddress()).get("00:1E:AE:4C:A2:01")?.warnings).toEqual([
        `${info}: line 1 is not a [group] or key=value: "JUNK"`,
      ]);
      rmSync(join(info, ".."), { recursive: true });
      expect((await byAddress()).has("00:1E:AE:4C:A2:01")).toBe(false);
      expect([...(await byAddress()).keys()]).toHaveLength(first.size - 1);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
