// The macos-bluetooth probe through its SourceReader: a capture folder (as `eca capture` writes it)
// and a reader that fails the way a Mac can. Fixtures: test/fixtures/macos-bluetooth/ (README there).

import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collect, judgeSnapshot } from "../agent/scan.ts";
import { DEFAULT_POLICY } from "../policy/default-policy.ts";
import { captureSourceReader, type SourceReader } from "../probes/capture/sources.ts";
import { backendBuses, backendNames, createProbe, defaultBackends } from "../probes/create.ts";
import { MACOS_BLUETOOTH_SOURCES } from "../probes/macos/bluetooth.ts";
import { parseSystemProfilerBluetooth } from "../probes/macos/bluetooth-parse.ts";
import { mergeBluetoothObservations } from "../probes/merge-bluetooth.ts";
import type { BluetoothObservation } from "../probes/types.ts";

const fixtures = join(import.meta.dirname, "fixtures/macos-bluetooth");
const folders: string[] = [];
const now = new Date("2026-12-01T09:00:00Z");

function captureFolder(files: { profiler?: string; preferences?: string }): string {
  const folder = mkdtempSync(join(tmpdir(), "eca-macos-bt-"));
  folders.push(folder);
  if (files.profiler)
    copyFileSync(join(fixtures, files.profiler), join(folder, "system_profiler-SPBluetoothDataType.json"));
  if (files.preferences)
    copyFileSync(join(fixtures, files.preferences), join(folder, "bluetooth-preferences.xml"));
  return folder;
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function snapshotOf(sources: SourceReader) {
  const probe = await createProbe("macos-bluetooth", { root: "/", sources });
  return probe.snapshot();
}

describe("macos-bluetooth in the registry", () => {
  it("is a known backend observing Bluetooth, not (yet) a default", () => {
    expect(backendNames()).toContain("macos-bluetooth");
    expect(backendBuses("macos-bluetooth")).toEqual(["bluetooth"]);
    expect(defaultBackends("darwin")).not.toContain("macos-bluetooth");
  });

  it("declares its sources with the capture file names and commands", () => {
    expect(MACOS_BLUETOOTH_SOURCES.map((source) => [source.file, source.command.join(" ")])).toEqual([
      ["system_profiler-SPBluetoothDataType.json", "system_profiler -json SPBluetoothDataType"],
      [
        "bluetooth-preferences.xml",
        "plutil -convert xml1 -o - /Library/Preferences/com.apple.Bluetooth.plist",
      ],
    ]);
  });
});

describe("macos-bluetooth on a capture folder", () => {
  it("a Mac with a keyboard connected and a car paired last month: both judged, the car critical", async () => {
    const folder = captureFolder({
      profiler: "sp-12.3-car-constructed.json",
      preferences: "prefs-bigsur-devicecache.xml",
    });
    const probe = await createProbe("macos-bluetooth", { root: "/", sources: captureSourceReader(folder) });
    const snapshot = await collect([probe]);
    expect(snapshot.unavailable).toEqual([]);
    const report = judgeSnapshot(
      snapshot,
      { policy: DEFAULT_POLICY, source: "built-in", digest: "x" },
      now,
      "mac",
    );
    expect(report.devices.map((d) => [d.name, d.kind, d.verdict])).toEqual([
      ["Magic Keyboard", "keyboard", "violation"],
      ["MY VW 4711", "vehicle", "violation"],
      ["Galaxy S21", "phone", "violation"],
    ]);
    expect(report.findings.map((f) => f.rule)).toContain("vehicle-pairing");
  });

  it("past pairings alone still count: the car is found when system_profiler no longer lists it", async () => {
    const folder = captureFolder({
      profiler: "sp-12.3-apple-mouse-airpods.json",
      preferences: "prefs-bigsur-devicecache.xml",
    });
    const { observations } = await snapshotOf(captureSourceReader(folder));
    const car = observations.find(
      (o) => (o as BluetoothObservation).address === "00:1E:AE:4C:A2:01",
    ) as BluetoothObservation;
    expect(car).toMatchObject({
      source: "macos-bluetooth",
      paired: true,
      connected: false,
      classOfDevice: 0x240420,
    });
  });

  it("no preferences file in the folder: system_profiler's devices, each saying past pairings were not read", async () => {
    const folder = captureFolder({ profiler: "sp-12.3-apple-mouse-airpods.json" });
    const snapshot = await snapshotOf(captureSourceReader(folder));
    expect(snapshot.unavailable).toEqual([]);
    expect(snapshot.observations).toHaveLength(3);
    expect((snapshot.observations[0] as BluetoothObservation).warnings?.[0]).toMatch(
      /^past pairings not read \(capture: .*bluetooth-preferences\.xml is missing\)/,
    );
  });

  it("no system_profiler output: Bluetooth not observed (unavailable), the remembered car still reported", async () => {
    const folder = captureFolder({ preferences: "prefs-bigsur-devicecache.xml" });
    const snapshot = await snapshotOf(captureSourceReader(folder));
    expect(snapshot.unavailable).toHaveLength(1);
    expect(snapshot.unavailable[0]?.source).toBe("macos-bluetooth");
    expect(snapshot.unavailable[0]?.reason).toMatch(/system_profiler-SPBluetoothDataType\.json is missing/);
    expect(snapshot.observations.map((o) => (o as BluetoothObservation).name)).toEqual([
      "Magic Keyboard",
      "MY VW 4711",
    ]);
  });

  it("garbled outputs are reported with the file and place, never thrown", async () => {
    const folder = captureFolder({});
    writeFileSync(join(folder, "system_profiler-SPBluetoothDataType.json"), "{ not json");
    writeFileSync(join(folder, "bluetooth-preferences.xml"), "<plist><dict><key>a</key></dict></plist>");
    const snapshot = await snapshotOf(captureSourceReader(folder));
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable[0]?.reason).toMatch(
      /^system_profiler-SPBluetoothDataType\.json: document: not JSON .*; past pairings: bluetooth-preferences\.xml, line 1: <key>a<\/key> has no value$/,
    );
  });
});

describe("macos-bluetooth beside systeminformation (both Bluetooth sources on a Mac)", () => {
  it("one device per address, with macOS's minor type and Device ID, whichever probe answers first", () => {
    const fromSystemInformation: BluetoothObservation = {
      bus: "bluetooth",
      source: "systeminformation",
      id: "bt:04:0C:CE:3C:D2:B8",
      address: "04:0C:CE:3C:D2:B8",
      name: "Apple Mouse",
      uuids: [],
      paired: true,
      bonded: false,
      connected: true,
    };
    const fromMac = parseSystemProfilerBluetooth(
      readFileSync(join(fixtures, "sp-12.3-apple-mouse-airpods.json"), "utf8"),
      "sp.json",
    ).observations;
    const merged = mergeBluetoothObservations([fromSystemInformation, ...fromMac]);
    const mouse = merged.find((o) => o.address === "04:0C:CE:3C:D2:B8");
    expect(mouse).toMatchObject({
      source: "macos-bluetooth",
      minorType: "Mouse",
      modalias: "usb:v05ACp030Dd0000",
    });
    expect(merged).toHaveLength(3);
  });
});

describe("macos-bluetooth on the live reader's failures", () => {
  const failing = (reason: string): SourceReader => ({
    kind: "live",
    read: async (source) => ({ ok: false, reason: `${source.command.join(" ")}: ${reason}` }),
  });

  it("system_profiler not installed (not a Mac): unavailable with the reason", async () => {
    const snapshot = await snapshotOf(failing("system_profiler is not installed"));
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable[0]?.reason).toContain(
      "system_profiler -json SPBluetoothDataType: system_profiler is not installed",
    );
  });
});
