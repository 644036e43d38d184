// Regression test: the daemon makes no Date. Its first would set up V8's date cache with the local
// time zone, which maps ~0.6 MB of ICU's time-zone data into a process that prints UTC only
// (policy/iso-time.ts, Instant): `new Date()` for a scan's time, toISOString() for a heartbeat's
// and the status's did. A forked `eca run` with every Date construction reported on stderr starts,
// scans, queues its start-up heartbeat, answers `eca status` and stops.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exitWithin, forkEca, runEca } from "./helpers/eca-cli.ts";
import { until } from "./helpers/until.ts";

const dir = mkdtempSync(join(tmpdir(), "eca-no-date-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const example = join(import.meta.dirname, "../examples/laptop-with-phone-and-stick");
const preload = join(dir, "report-dates.mjs");
writeFileSync(
  preload,
  [
    "const RealDate = Date;",
    "globalThis.Date = new Proxy(RealDate, {",
    "  construct(target, args, newTarget) {",
    '    const where = new Error().stack.split("\\n").slice(2, 6).join(" | ");',
    '    process.stderr.write("DATE MADE " + where + "\\n");',
    "    return Reflect.construct(target, args, newTarget);",
    "  },",
    "});",
  ].join("\n"),
);

describe("the daemon's times are numbers", () => {
  it("an eca run that scans, queues its heartbeat and answers eca status makes no Date", async () => {
    const socket = join(dir, "eca.sock");
    const agent = forkEca(
      [
        "run",
        "--state-dir",
        join(dir, "state"),
        "--socket",
        socket,
        "--root",
        example,
        "--backend",
        "linux-sysfs",
      ],
      { env: { NODE_OPTIONS: `--import ${preload}`, ECA_LOG_LEVEL: "info" } },
    );
    try {
      await until(() => agent.output().includes("status socket listening"), "the status socket", 20_000);
      const status = await runEca(["status", "--json", "--socket", socket]);
      expect(JSON.parse(status.stdout)).toHaveProperty("lastScan.at");
    } finally {
      await agent.stop();
    }
    expect((await exitWithin(agent, 10_000)).code).toBe(0);
    expect(agent.output()).not.toContain("DATE MADE");
  });
});
