// Golden reports for the recorded Windows laptops (test/fixtures/captures/win-*/, sources in
// test/fixtures/windows/README.md), scanned as `eca scan --capture DIR` will (helpers/windows-capture.ts).
// Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../agent/report.ts";
import { collect, judgeSnapshot } from "../agent/scan.ts";
import { builtInPolicy } from "../policy/load.ts";
import { createProbe } from "../probes/create.ts";
import { FIXED_NOW, scanCapture } from "./helpers/windows-capture.ts";

const REPO = join(import.meta.dirname, "..");

interface Case {
  folder: string;
  /** Rules of the findings, in report order. */
  rules: string[];
}

const cases: Case[] = [
  {
    folder: "win-lenovo-p52-intel",
    rules: [
      "phone-charging",
      "personal-storage",
      "unapproved-peripheral",
      "vehicle-pairing",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "unapproved-peripheral",
    ],
  },
  {
    folder: "win-thinkpad-amd",
    rules: [
      "phone-charging",
      "personal-storage",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "vehicle-pairing",
    ],
  },
  {
    folder: "win-laptop-with-phone-and-stick",
    rules: ["phone-charging", "personal-storage", "unapproved-peripheral", "vehicle-pairing"],
  },
  {
    folder: "win-dell-renesas",
    rules: [
      "unapproved-peripheral",
      "unapproved-peripheral",
      "phone-charging",
      "vehicle-pairing",
      "unapproved-peripheral",
    ],
  },
];

describe("scans of the recorded Windows laptops", () => {
  for (const example of cases) {
    it(`${example.folder}: the report matches test/golden/${example.folder}.json`, async () => {
      const report = await scanCapture(example.folder);
      expect(report.findings.map((finding) => finding.rule)).toEqual(example.rules);
      expect(report.unavailable).toEqual([]);
      const text = `${JSON.stringify({ ...report, agent: { name: "eca", version: "<version>" } }, null, 2)}\n`;
      const golden = join(REPO, "test/golden", `${example.folder}.json`);
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }

  it("every built-in part of each laptop is judged built in, and nothing plugged in is", async () => {
    for (const example of cases) {
      const report = await scanCapture(example.folder);
      for (const device of report.devices.filter((d) => d.bus === "usb")) {
        const external = /^usb:(05ac|0781|046d|04e8|05e3|413c|18d1):/.test(device.id);
        expect({ folder: example.folder, id: device.id, builtIn: device.builtIn }).toEqual({
          folder: example.folder,
          id: device.id,
          builtIn: !external,
        });
      }
    }
  });
});

describe("regressions from systeminformation on Windows", () => {
  it("regression: a SanDisk stick, keyboards, mice and webcams are judged, not sent to review (si gave no interface classes)", async () => {
    const lenovo = await scanCapture("win-lenovo-p52-intel");
    const amd = await scanCapture("win-thinkpad-amd");
    const dell = await scanCapture("win-dell-renesas");
    const verdict = (report: ScanReport, vendorProduct: string) =>
      report.devices.find((d) => `${d.vendorId}:${d.productId}` === vendorProduct)?.verdict;
    expect([
      verdict(lenovo, "0781:5581"),
      verdict(lenovo, "046d:c52b"),
      verdict(dell, "413c:2113"),
      verdict(dell, "413c:301a"),
      verdict(amd, "046d:082d"),
    ]).toEqual(["violation", "violation", "violation", "violation", "violation"]);
  });

  it("regression: a paired car is judged (si gave Bluetooth names only, no address or Class of Device)", async () => {
    for (const folder of ["win-lenovo-p52-intel", "win-thinkpad-amd", "win-dell-renesas"]) {
      const report = await scanCapture(folder);
      const cars = report.devices.filter((d) => d.bus === "bluetooth" && d.kind === "vehicle");
      expect([folder, cars.length, cars.every((car) => car.findings.includes("vehicle-pairing"))]).toEqual([
        folder,
        1,
        true,
      ]);
    }
  });

  it("regression: NUSB3\\ROOT_HUB30 is a built-in root hub, not an unknown device", async () => {
    const dell = await scanCapture("win-dell-renesas");
    const renesas = dell.devices.find((d) => d.vendorId === "1912");
    expect([renesas?.kind, renesas?.builtIn, renesas?.verdict]).toEqual(["hub", true, "allowed"]);
  });
});

/** What must not depend on the OS: per device (by vendor:product:serial, or address), kind, built in, verdict, rules. */
function judged(report: ScanReport): Record<string, unknown> {
  const entries = report.devices
    .filter(
      (device) =>
        !device.id.startsWith("typec:") &&
        !(device.bus === "usb" && device.evidence.some((e) => e.endsWith("is a root hub"))),
    )
    .map((device) => {
      const who =
        device.bus === "usb" ? `${device.vendorId}:${device.productId}:${device.serial ?? ""}` : device.id;
      return [
        who,
        { kind: device.kind, builtIn: device.builtIn, verdict: device.verdict, findings: device.findings },
      ];
    });
  return Object.fromEntries(entries.sort(([a], [b]) => String(a).localeCompare(String(b))));
}

describe("the same hardware on Windows and on Linux", () => {
  it("examples/laptop-with-phone-and-stick as Windows lists it: the same kinds, built-in decisions, verdicts and rules", async () => {
    const root = join(REPO, "examples/laptop-with-phone-and-stick");
    const linuxProbes = await Promise.all(
      ["linux-sysfs", "bluez-store"].map((name) => createProbe(name, { root })),
    );
    const linux = judgeSnapshot(await collect(linuxProbes), builtInPolicy(), FIXED_NOW, "linux");
    const windows = await scanCapture("win-laptop-with-phone-and-stick");
    expect(Object.keys(judged(linux))).toHaveLength(7);
    expect(judged(windows)).toEqual(judged(linux));
    // Root hubs: Linux lists an xHCI's USB 2 and USB 3 halves, Windows one root hub; all built in.
    for (const report of [linux, windows]) {
      const roots = report.devices.filter((d) => d.evidence.some((e) => e.endsWith("is a root hub")));
      expect(roots.length).toBeGreaterThan(0);
      for (const hub of roots) expect([hub.kind, hub.builtIn, hub.verdict]).toEqual(["hub", true, "allowed"]);
    }
  });
});
