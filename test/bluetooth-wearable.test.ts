// Regression tests: Bluetooth LE wearables and fitness bands paired to the laptop were left as
// "other / low / review" (issue 7). They are personal devices and are judged like a headset.

import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../policy/default-policy.ts";
import { evaluate } from "../policy/evaluate.ts";
import { classifyBluetooth } from "../probes/classify/bluetooth.ts";
import { classifyAll } from "../probes/classify/classify.ts";
import type { BluetoothObservation, Confidence } from "../probes/types.ts";

const full = (short: string) => `0000${short}-0000-1000-8000-00805f9b34fb`;

function band(fields: Partial<BluetoothObservation> & { services?: string[] }): BluetoothObservation {
  const { services, ...rest } = fields;
  const address = rest.address ?? "D1:C5:15:51:03:89";
  return {
    bus: "bluetooth",
    source: "bluez-dbus",
    id: `bt:${address}`,
    address,
    addressType: "random",
    uuids: (services ?? []).map(full),
    paired: true,
    bonded: true,
    connected: false,
    ...rest,
  };
}

const rows: [string, Partial<BluetoothObservation> & { services?: string[] }, Confidence, string][] = [
  ["Heart Rate service (chest strap)", { services: ["1800", "180d", "180f"] }, "medium", "Heart Rate"],
  ["Running Speed and Cadence (foot pod)", { services: ["1814"] }, "medium", "Running Speed and Cadence"],
  ["Cycling Speed and Cadence", { services: ["1816"] }, "medium", "Cycling Speed and Cadence"],
  ["Fitness Machine", { services: ["1826"] }, "medium", "Fitness Machine"],
  ["Weight Scale", { services: ["181d"] }, "medium", "Weight Scale"],
  [
    "Xiaomi Mi Band (Huami 0xFEE0 with Heart Rate)",
    { name: "Mi Smart Band 6", services: ["fee0", "fee1", "180d"] },
    "medium",
    "Heart Rate",
  ],
  [
    "Mi Band with only the Huami service",
    { name: "Mi Band 3", services: ["fee0"] },
    "medium",
    "service 0xFEE0 is assigned to Anhui Huami Information Technology Co., Ltd. (Xiaomi Mi Band, Amazfit), a wearable maker",
  ],
  ["Fitbit service", { name: "Charge 5", services: ["fd62"] }, "medium", "Fitbit, Inc."],
  ["Garmin service", { name: "Forerunner 255", services: ["fe1f"] }, "medium", "Garmin International, Inc."],
  ["Appearance Generic Watch (0x00C0)", { appearance: 0x00c0 }, "strong", "Appearance 0x00C0: Watch"],
  ["Appearance Sports Watch (0x00C1)", { appearance: 0x00c1 }, "strong", "Watch"],
  ["Appearance Heart Rate Belt (0x0341)", { appearance: 0x0341 }, "strong", "Heart Rate Sensor"],
  ["Appearance Running Walking Sensor (0x0440)", { appearance: 0x0440 }, "strong", "Running Walking Sensor"],
  ["Appearance Cycling Power Sensor (0x0484)", { appearance: 0x0484 }, "strong", "Cycling"],
  ["Appearance Weight Scale (0x0C80)", { appearance: 0x0c80 }, "strong", "Weight Scale"],
  ["CoD Wearable, Wristwatch", { classOfDevice: 0x000704 }, "strong", "Wearable, Wristwatch"],
  ["CoD Health", { classOfDevice: 0x000900 }, "strong", "Health"],
];

describe("classifyBluetooth: wearables", () => {
  it.each(rows)("%s is a wearable", (_label, fields, confidence, evidence) => {
    const result = classifyBluetooth(band(fields));
    expect(result.kind).toBe("wearable");
    expect(result.confidence).toBe(confidence);
    expect(result.evidence.join("\n")).toContain(evidence);
  });

  it("a headset that also serves Heart Rate stays audio (both are judged the same)", () => {
    const result = classifyBluetooth(band({ classOfDevice: 0x240404, services: ["111e", "110b", "180d"] }));
    expect(result.kind).toBe("audio");
  });

  it("a phone stays a phone even if it hosts a fitness service", () => {
    const result = classifyBluetooth(band({ classOfDevice: 0x5a020c, services: ["180d"] }));
    expect(result.kind).toBe("phone");
  });
});

describe("evaluate: a paired wearable is judged, not left to review", () => {
  const now = new Date("2026-12-01T09:00:00Z");

  it("a paired fitness band is an unapproved-peripheral violation, like a headset", () => {
    const devices = classifyAll([
      band({ name: "Mi Smart Band 6", services: ["fee0", "180d"] }),
      band({ address: "10:4F:A8:D8:06:ED", addressType: "public", classOfDevice: 0x240404 }),
    ]);
    const { devices: verdicts, findings } = evaluate(devices, DEFAULT_POLICY, now);
    expect(verdicts.map((verdict) => [verdict.kind, verdict.verdict])).toEqual([
      ["wearable", "violation"],
      ["audio", "violation"],
    ]);
    expect(findings.map((finding) => finding.rule)).toEqual([
      "unapproved-peripheral",
      "unapproved-peripheral",
    ]);
  });

  it("a wearable merely seen nearby (not paired, not connected) is not judged", () => {
    const devices = classifyAll([band({ services: ["180d"], paired: false, bonded: false })]);
    expect(evaluate(devices, DEFAULT_POLICY, now).devices).toEqual([]);
  });

  it("an approved wearable is approved", () => {
    const policy = {
      ...DEFAULT_POLICY,
      approvedDevices: [{ description: "Issued fitness band", match: { address: "D1:C5:15:51:03:89" } }],
    };
    const devices = classifyAll([band({ services: ["180d"] })]);
    expect(evaluate(devices, policy, now).devices[0]?.verdict).toBe("approved");
  });
});
