// Golden reports for the recorded Windows laptops (test/fixtures/captures/win-*/, sources in
// test/fixtures/windows/README.md), scanned as `eca scan --capture DIR` will (helpers/windows-capture.ts).
// Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanCapture } from "./helpers/windows-capture.ts";

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
