// Golden files for `eca scan` on the recorded laptops in examples/: the whole JSON report, forked
// through the real CLI. Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ecaScan, normaliseReport, REPO } from "./helpers/scan-cli.ts";

interface Case {
  name: string;
  args: string[];
  exitCode: number;
  rules: string[];
}

const cases: Case[] = [
  {
    name: "laptop-with-phone-and-stick",
    args: ["--root", "examples/laptop-with-phone-and-stick"],
    exitCode: 1,
    rules: ["phone-charging", "personal-storage", "unapproved-peripheral", "vehicle-pairing"],
  },
  {
    name: "laptop-approved-keyboard",
    args: [
      "--root",
      "examples/laptop-approved-keyboard",
      "--policy",
      "examples/laptop-approved-keyboard/policy.yaml",
    ],
    exitCode: 1,
    rules: ["device-charging"],
  },
];

describe("eca scan on the recorded laptops", () => {
  for (const example of cases) {
    it(`${example.name}: JSON matches the golden file`, async () => {
      const { stdout, code } = await ecaScan(["--json", ...example.args]);
      expect(code).toBe(example.exitCode);
      const report = normaliseReport(JSON.parse(stdout));
      expect((report.findings as { rule: string }[]).map((f) => f.rule)).toEqual(example.rules);
      const golden = join(REPO, "test/golden", `scan-${example.name}.json`);
      const text = `${JSON.stringify(report, null, 2)}\n`;
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });

    it(`${example.name}: the table says what is wrong, why and what to do`, async () => {
      const { stdout, code } = await ecaScan(example.args);
      expect(code).toBe(example.exitCode);
      expect(stdout).toMatch(/BUS\s+KIND\s+NAME\s+IDS\s+BUILT-IN\s+VERDICT\s+WHY/);
      for (const rule of example.rules) expect(stdout).toContain(`rule:      ${rule}`);
      expect(stdout).toContain("what to do:");
      expect(stdout).toContain("guidance:");
    });
  }

  it("stick ids are stable across scans", async () => {
    const first = JSON.parse((await ecaScan(["--json", ...(cases[0]?.args ?? [])])).stdout);
    const second = JSON.parse((await ecaScan(["--json", ...(cases[0]?.args ?? [])])).stdout);
    expect(second.findings.map((f: { id: string }) => f.id)).toEqual(
      first.findings.map((f: { id: string }) => f.id),
    );
  });
});
