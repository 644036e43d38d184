// Golden reports for the captured laptops in test/fixtures/captures/, through the real CLI:
// `eca scan --capture DIR --json` replays each folder as the platform in its manifest. Regenerate
// with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.

import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "..");
const ECA = join(REPO, "agent/bin/eca.ts");

interface Case {
  name: string;
  exitCode: number;
  rules: string[];
}

const cases: Case[] = [
  // Bluetooth files are the macos-bluetooth fixtures (test/fixtures/macos-bluetooth/README.md).
  // Intel T2 MacBook Pro: T2 parts built in; Apple keyboard behind its own hub, iPhone, stick behind a hub.
  {
    name: "mac-intel-t2-keyboard-hub",
    exitCode: 1,
    rules: ["unapproved-peripheral", "phone-charging", "personal-storage"],
  },
  // Apple Silicon (M1): Android phone in MTP mode, receiver and SSD behind a hub, a serial bridge and a
  // stick whose port ioreg says nothing about.
  {
    name: "mac-apple-silicon-android-disk",
    exitCode: 1,
    rules: [
      "phone-charging",
      "unapproved-peripheral",
      "personal-storage",
      "personal-storage",
      "unapproved-peripheral",
      "vehicle-pairing",
      "unapproved-peripheral",
    ],
  },
  // macOS 26 (M4): SPUSBDataType empty, SPUSBHostDataType tells the stick is Removable.
  {
    name: "mac-tahoe-iphone-stick",
    exitCode: 1,
    rules: [
      "personal-storage",
      "phone-charging",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "vehicle-pairing",
    ],
  },
];

async function eca(args: string[]): Promise<{ stdout: string; code: number }> {
  return run(process.execPath, [ECA, "scan", ...args], { cwd: REPO }).then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
  );
}

function normalise(report: Record<string, unknown>): Record<string, unknown> {
  return {
    ...report,
    scannedAt: "<time>",
    host: { hostname: "<host>" },
    agent: { name: "eca", version: "<version>" },
  };
}

describe("eca scan --capture on the captured Macs", () => {
  for (const example of cases) {
    const directory = `test/fixtures/captures/${example.name}`;
    it(`${example.name}: JSON matches the golden file`, async () => {
      const { stdout, code } = await eca(["--json", "--capture", directory]);
      expect(code).toBe(example.exitCode);
      const report = normalise(JSON.parse(stdout));
      expect((report.findings as { rule: string }[]).map((f) => f.rule)).toEqual(example.rules);
      expect(report.unavailable).toEqual([]);
      const golden = join(REPO, "test/golden", `${example.name}.json`);
      const text = `${JSON.stringify(report, null, 2)}\n`;
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }
});
