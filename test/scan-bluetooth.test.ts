// `eca scan --json` end to end on Bluetooth: the real CLI, forked, reading a mock BlueZ
// (python3-dbusmock's bluez5 template on a private bus) and BlueZ's own store files.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../agent/report.ts";
import { runEca } from "./helpers/eca-cli.ts";
import { type MockBluez, startMockBluez } from "./helpers/mock-bluez.ts";

const STORE_ROOT = join(import.meta.dirname, "fixtures/bluetooth/store");

async function scan(args: string[], env: NodeJS.ProcessEnv): Promise<{ report: ScanReport; code: number }> {
  const result = await runEca(["scan", "--json", ...args], { env });
  return { report: JSON.parse(result.stdout) as ScanReport, code: result.code };
}

describe("eca scan --json with Bluetooth", () => {
  let bluez: MockBluez;

  beforeAll(async () => {
    bluez = await startMockBluez();
    // A car kit: Class of Device Audio/Video, Car audio; paired and connected.
    await bluez.addDevice({
      address: "00:1E:AE:4C:A2:01",
      name: "MY VW 4821",
      classOfDevice: 0x240420,
      uuids: ["111e", "112e"],
      paired: true,
      bonded: true,
      connected: true,
    });
    // A headset: hands-free and A2DP sink, no phonebook client: audio, not a vehicle.
    await bluez.addDevice({
      address: "00:1B:66:AA:BB:01",
      name: "Jabra Evolve2 65",
      classOfDevice: 0x240404,
      uuids: ["111e", "110b"],
      paired: true,
      bonded: true,
    });
    // A keyboard the policy approves.
    await bluez.addDevice({
      address: "C8:3A:35:00:00:07",
      name: "Logitech K380",
      classOfDevice: 0x002540,
      uuids: ["1124"],
      paired: true,
      bonded: true,
    });
    // A phone nearby that was never paired: not judged.
    await bluez.addDevice({
      address: "F4:5C:89:99:99:99",
      name: "Someone's iPhone",
      classOfDevice: 0x5a020c,
      paired: false,
    });
  }, 30_000);

  afterAll(async () => {
    await bluez?.stop();
  });

  it("finds the car and the peripherals, with verdicts and findings", async () => {
    const env = { DBUS_SYSTEM_BUS_ADDRESS: bluez.address };
    const { report, code } = await scan(
      [
        "--backend",
        "bluez-dbus",
        "--policy",
        join(import.meta.dirname, "fixtures/policies/bluetooth-keyboard.yaml"),
      ],
      env,
    );
    expect(code).toBe(1);
    expect(report.compliant).toBe(false);
    const byAddress = Object.fromEntries(report.devices.map((d) => [d.address, d]));
    expect(Object.keys(byAddress).sort()).toEqual([
      "00:1B:66:AA:BB:01",
      "00:1E:AE:4C:A2:01",
      "C8:3A:35:00:00:07",
    ]);
    expect(byAddress["00:1E:AE:4C:A2:01"]).toMatchObject({
      bus: "bluetooth",
      kind: "vehicle",
      name: "MY VW 4821",
      classOfDevice: 0x240420,
      paired: true,
      connected: true,
      verdict: "violation",
      findings: ["vehicle-pairing"],
    });
    expect(byAddress["00:1B:66:AA:BB:01"]).toMatchObject({
      kind: "audio",
      verdict: "violation",
      findings: ["unapproved-peripheral"],
    });
    expect(byAddress["C8:3A:35:00:00:07"]).toMatchObject({
      kind: "keyboard",
      verdict: "approved",
      findings: [],
    });
    const car = report.findings.find((f) => f.rule === "vehicle-pairing");
    expect(car?.severity).toBe("critical");
    expect(car?.remediation).toMatch(/Remove the pairing on the laptop.*delete the laptop from the vehicle/s);
    expect(car?.evidence.join(" ")).toContain("Car audio");
  });

  it("finds a car paired in the past from BlueZ's store when D-Bus has no BlueZ", async () => {
    const env = { DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/eca-test-bus" };
    const { report } = await scan(["--backend", "bluez-dbus", "bluez-store", "--root", STORE_ROOT], env);
    expect(report.unavailable.map((u) => u.source)).toContain("bluez-dbus");
    const cars = report.devices.filter((d) => d.kind === "vehicle");
    expect(cars.length).toBeGreaterThan(0);
    expect(cars.every((d) => d.findings.includes("vehicle-pairing"))).toBe(true);
  });
});
