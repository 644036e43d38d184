// The Windows Bluetooth side: BTHENUM/BTHLE nodes and BTHPORT registry records into the observations
// BlueZ's probes fill, on the recorded laptops (test/fixtures/captures/win-*/) and small cases.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SourceOutput, SourceReader } from "../probes/capture/sources.ts";
import { captureSourceReader } from "../probes/capture/sources.ts";
import { classifyBluetooth } from "../probes/classify/bluetooth.ts";
import { createProbe } from "../probes/create.ts";
import type { BluetoothObservation } from "../probes/types.ts";
import {
  BluetoothRegistryError,
  bluetoothObservationsFromWindows,
  formatAddress,
  parseBluetoothRegistry,
} from "../probes/windows/bluetooth-parse.ts";
import { type PnpDevice, parsePnpDocument } from "../probes/windows/pnp-document.ts";
import { readShared } from "../probes/windows/read.ts";
import { PNP_DEVICES_SOURCE } from "../probes/windows/sources.ts";

const CAPTURES = join(import.meta.dirname, "fixtures/captures");

function recorded(folder: string): BluetoothObservation[] {
  const devices = parsePnpDocument(readFileSync(join(CAPTURES, folder, "pnp-devices.json"), "utf8")).devices;
  const { registry } = parseBluetoothRegistry(
    readFileSync(join(CAPTURES, folder, "bluetooth-registry.json"), "utf8"),
  );
  return bluetoothObservationsFromWindows(devices, registry).observations;
}

function find(list: BluetoothObservation[], address: string): BluetoothObservation {
  const found = list.find((o) => o.address === address);
  if (!found) throw new Error(`no ${address} in ${list.map((o) => o.address).join(", ")}`);
  return found;
}

describe("paired devices from Plug and Play", () => {
  it("a phone: the device node's address and Class of Device, the profile nodes' services and Device ID", () => {
    const iphone = find(recorded("win-lenovo-p52-intel"), "90:EC:EA:F3:88:43");
    expect(iphone).toMatchObject({
      source: "windows-bluetooth",
      id: "bt:90:EC:EA:F3:88:43",
      name: "iPhone",
      classOfDevice: 0x7a020c,
      uuids: ["0000111f-0000-1000-8000-00805f9b34fb", "0000112f-0000-1000-8000-00805f9b34fb"],
      modalias: "bluetooth:v004Cp7613d0000",
      paired: true,
      bonded: true,
    });
    expect(classifyBluetooth(iphone).kind).toBe("phone");
  });

  it("a device node's own Device ID (with its version) wins over a profile node's", () => {
    const keyboard = find(recorded("win-thinkpad-amd"), "34:88:5D:1A:2B:3C");
    expect(keyboard.modalias).toBe("usb:v046DpB342d1200");
    expect(classifyBluetooth(keyboard).kind).toBe("keyboard");
  });

  it("an HCIBYPASS profile id still gives the service, the Device ID and the address", () => {
    const devices: PnpDevice[] = [
      {
        InstanceId:
          "BTHENUM\\{0000111e-0000-1000-8000-00805f9b34fb}_HCIBYPASS_VID&0001054C_PID&0D58\\8&2A1C3E4F&0&A0AB51C0FFEE_C00000000",
      },
    ];
    expect(bluetoothObservationsFromWindows(devices, undefined).observations).toMatchObject([
      {
        address: "A0:AB:51:C0:FF:EE",
        uuids: ["0000111e-0000-1000-8000-00805f9b34fb"],
        modalias: "bluetooth:v054Cp0D58d0000",
      },
    ]);
  });

  it("the radio's local services (the all-zero address) are no device", () => {
    const addresses = recorded("win-lenovo-p52-intel").map((o) => o.address);
    expect(addresses).not.toContain("00:00:00:00:00:00");
    expect(formatAddress("000000000000")).toBeUndefined();
  });

  it("an LE mouse: its GATT HID service, and its Mouse node standing for the appearance, said in a warning", () => {
    const mouse = find(recorded("win-lenovo-p52-intel"), "D1:A9:C7:B6:E5:F4");
    expect(mouse).toMatchObject({
      name: "MX Master 3",
      uuids: ["00001812-0000-1000-8000-00805f9b34fb"],
      modalias: "usb:v046DpB023d0011",
      appearance: 0x03c2,
      bonded: true,
    });
    expect(mouse.warnings?.[0]).toMatch(/^appearance 0x03C2 stands for Windows' mouse node HID\\/);
    expect(classifyBluetooth(mouse).kind).toBe("mouse");
  });

  it("a car: Class of Device car audio, certain, on every recorded laptop that paired one", () => {
    for (const [folder, address] of [
      ["win-lenovo-p52-intel", "00:22:A0:C4:D5:E6"],
      ["win-thinkpad-amd", "9C:28:BF:4E:5D:6A"],
    ] as const) {
      const car = find(recorded(folder), address);
      expect([folder, classifyBluetooth(car).kind, classifyBluetooth(car).confidence, car.paired]).toEqual([
        folder,
        "vehicle",
        "certain",
        true,
      ]);
    }
  });
});

describe("pairings from BTHPORT's registry", () => {
  it("a car paired last year, in Devices only: paired because BTHPORT recorded a connection", () => {
    const car = find(recorded("win-dell-renesas"), "00:01:A9:D1:E2:F3");
    expect(car).toMatchObject({ name: "BMW 52614", classOfDevice: 0x340408, paired: true, bonded: false });
    expect(classifyBluetooth(car).kind).toBe("vehicle");
  });

  it("a device only ever seen (no key, no connection, no PnP node) is not called paired", () => {
    const speaker = find(recorded("win-thinkpad-amd"), "F8:DF:E1:AA:BB:CC");
    expect([speaker.paired, speaker.bonded]).toEqual([false, false]);
  });

  it("a link key's name makes the device bonded; values are never in the file", () => {
    const text = JSON.stringify({ Devices: [], Keys: [{ Radio: "5cc5d44f1a2b", Devices: "90eceaf38843" }] });
    const { registry } = parseBluetoothRegistry(text);
    expect(bluetoothObservationsFromWindows(undefined, registry).observations).toMatchObject([
      { address: "90:EC:EA:F3:88:43", paired: true, bonded: true },
    ]);
  });

  it("what the collector could not read becomes a warning naming the file", () => {
    const { warnings } = parseBluetoothRegistry(
      readFileSync(join(CAPTURES, "win-dell-renesas/bluetooth-registry.json"), "utf8"),
    );
    expect(warnings).toEqual([
      "bluetooth-registry.json: the collector could not read Keys: Requested registry access is not allowed.",
    ]);
  });

  it("not JSON, or not an object: an error naming the file and the fix", () => {
    expect(() => parseBluetoothRegistry("<html>", "cap/bluetooth-registry.json")).toThrow(
      BluetoothRegistryError,
    );
    expect(() => parseBluetoothRegistry("[]", "cap/bluetooth-registry.json")).toThrow(
      /cap\/bluetooth-registry.json: must be an object/,
    );
  });

  it("a Devices key that is no address is left out with a warning", () => {
    const { registry } = parseBluetoothRegistry(JSON.stringify({ Devices: [{ Address: "LocalServices" }] }));
    const result = bluetoothObservationsFromWindows(undefined, registry);
    expect(result.observations).toEqual([]);
    expect(result.warnings).toEqual([
      'BTHPORT Devices key "LocalServices" is not a Bluetooth address; left out',
    ]);
  });
});

describe("the windows-bluetooth probe", () => {
  const folder = mkdtempSync(join(tmpdir(), "eca-win-bt-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("with only the registry recorded, reports what it shows and says which source was missing", async () => {
    writeFileSync(
      join(folder, "bluetooth-registry.json"),
      JSON.stringify({
        Devices: [
          { Address: "0022a0c4d5e6", Name: "SYNC", COD: 0x240420, LastConnected: "2026-11-20T07:52:44Z" },
        ],
      }),
    );
    const probe = await createProbe("windows-bluetooth", { root: "/", sources: captureSourceReader(folder) });
    const snapshot = await probe.snapshot();
    expect(snapshot.unavailable).toEqual([]);
    expect(snapshot.observations).toHaveLength(1);
    expect((snapshot.observations[0] as BluetoothObservation).warnings?.[0]).toMatch(
      /pnp-devices.json is missing/,
    );
  });

  it("with neither source, the bus is unavailable, naming both", async () => {
    const empty = mkdtempSync(join(tmpdir(), "eca-win-bt-empty-"));
    const probe = await createProbe("windows-bluetooth", { root: "/", sources: captureSourceReader(empty) });
    const snapshot = await probe.snapshot();
    rmSync(empty, { recursive: true, force: true });
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable).toHaveLength(1);
    expect(snapshot.unavailable[0]?.source).toBe("windows-bluetooth");
    expect(snapshot.unavailable[0]?.reason).toMatch(
      /pnp-devices.json is missing.*bluetooth-registry.json is missing/,
    );
  });
});

describe("one PowerShell run serves both probes", () => {
  function countingReader(outputs: SourceOutput[]): SourceReader & { calls: number } {
    const reader = {
      kind: "live" as const,
      calls: 0,
      async read(): Promise<SourceOutput> {
        reader.calls++;
        return outputs.shift() ?? { ok: true, text: "[]", durationMs: 1 };
      },
    };
    return reader;
  }

  it("a live listing is reused within the refresh interval, and read again after it", async () => {
    let now = 0;
    const reader = countingReader([]);
    await Promise.all([
      readShared(reader, PNP_DEVICES_SOURCE, () => now),
      readShared(reader, PNP_DEVICES_SOURCE, () => now),
    ]);
    now = 59_999;
    await readShared(reader, PNP_DEVICES_SOURCE, () => now);
    expect(reader.calls).toBe(1);
    now = 60_000;
    await readShared(reader, PNP_DEVICES_SOURCE, () => now);
    expect(reader.calls).toBe(2);
  });

  it("regression: a collector that fails is not re-run on every poll (each run is a PowerShell start-up)", async () => {
    const reader = countingReader([{ ok: false, reason: "powershell.exe: no answer within 20000 ms" }]);
    const first = await readShared(reader, PNP_DEVICES_SOURCE, () => 0);
    const again = await readShared(reader, PNP_DEVICES_SOURCE, () => 5_000);
    expect([first.ok, again.ok, reader.calls]).toEqual([false, false, 1]);
    const later = await readShared(reader, PNP_DEVICES_SOURCE, () => 60_000);
    expect([later.ok, reader.calls]).toEqual([true, 2]);
  });
});
