// What the command line says happened: exit codes, forked through the real CLI (as pino tests its
// transports), and the pure rule behind "could not check".

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { probeSetup } from "../agent/cli/options.ts";
import type { ScanReport } from "../agent/report.ts";
import { unobservedBuses } from "../agent/report.ts";
import { runEca as eca, forkEca } from "./helpers/eca-cli.ts";

const work = mkdtempSync(join(tmpdir(), "eca-exit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function scanJson(args: string[]): Promise<{ report: ScanReport; code: number }> {
  const result = await eca(["scan", "--json", ...args]);
  return { report: JSON.parse(result.stdout) as ScanReport, code: result.code };
}

describe("unobservedBuses", () => {
  const linux = ["linux-sysfs", "bluez-dbus", "bluez-store"];

  it("a bus is unobserved only when every source of it failed", () => {
    expect(unobservedBuses(linux, [])).toEqual([]);
    expect(unobservedBuses(linux, [{ source: "bluez-dbus", reason: "denied" }])).toEqual([]);
    expect(
      unobservedBuses(linux, [
        { source: "bluez-dbus", reason: "denied" },
        { source: "bluez-store", reason: "EACCES" },
      ]),
    ).toEqual(["bluetooth"]);
    expect(unobservedBuses(linux, [{ source: "linux-sysfs", reason: "ENOENT" }])).toEqual(["usb"]);
  });

  it("a stack that is not installed is a complete answer, not a failure", () => {
    expect(
      unobservedBuses(linux, [
        { source: "bluez-dbus", reason: "no BlueZ", absent: true },
        { source: "bluez-store", reason: "no store", absent: true },
      ]),
    ).toEqual([]);
  });

  it("counts nothing unobserved for a backend it does not know", () => {
    expect(unobservedBuses(["no-such"], [{ source: "replay", reason: "x" }])).toEqual([]);
  });
});

describe("loadConfig with a root", () => {
  it("eca run --root reads only the tree: the file-based backends unless backends are named", async () => {
    const { loadConfig } = await import("../agent/config/config.ts");
    expect((await loadConfig(undefined, { root: "examples/x" })).backends).toEqual([
      "linux-sysfs",
      "bluez-store",
    ]);
    const named = join(work, "named.yaml");
    writeFileSync(named, "root: examples/x\nbackends: [linux-sysfs, bluez-dbus]\n");
    expect((await loadConfig(named)).backends).toEqual(["linux-sysfs", "bluez-dbus"]);
  });
});

describe("probeSetup", () => {
  it("a recorded tree is read with the file-based backends only, never the live machine", () => {
    expect(probeSetup({ root: "examples/x" }).backends).toEqual(["linux-sysfs", "bluez-store"]);
    expect(probeSetup({ root: "examples/x", backend: ["bluez-dbus"] }).backends).toEqual(["bluez-dbus"]);
    expect(probeSetup({ root: "x", replay: "r.json" }).backends).toEqual(["replay"]);
    expect(probeSetup({}).options.root).toBe("/");
  });
});

describe("eca scan: could not check (exit 3)", () => {
  it("scan of a missing --root is not compliant and exits 3", async () => {
    const { report, code } = await scanJson(["--root", join(work, "missing")]);
    expect(code).toBe(3);
    expect(report.compliant).toBe(false);
    expect(report.unobserved).toEqual(["usb", "bluetooth"]);
  });

  it("scan of a --root that is a file is not compliant and exits 3", async () => {
    const file = join(work, "a-file");
    writeFileSync(file, "not a tree\n");
    const { report, code } = await scanJson(["--root", file]);
    expect(code).toBe(3);
    expect(report.compliant).toBe(false);
    expect(report.unobserved).toEqual(["usb", "bluetooth"]);
  });

  it("scan of an unreadable --replay is not compliant and exits 3", async () => {
    const { report, code } = await scanJson(["--replay", join(work, "no-such.json")]);
    expect(code).toBe(3);
    expect(report.compliant).toBe(false);
    expect(report.unobserved).toEqual(["usb", "bluetooth"]);
  });

  it("the table says it could not check, and the exit code", async () => {
    const result = await eca(["scan", "--root", join(work, "missing")]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain("Could not check usb and bluetooth");
  });

  it("a tree with no Bluetooth store is fully observed: no BlueZ means no Bluetooth", async () => {
    const { report, code } = await scanJson(["--root", "examples/laptop-with-phone-and-stick"]);
    expect(code).toBe(1);
    expect(report.unobserved).toEqual([]);
  });

  it("a kernel without USB (sysfs with no usb bus) and no BlueZ is a complete answer: exit 0", async () => {
    const root = join(work, "no-usb-kernel");
    mkdirSync(join(root, "sys/bus/pci"), { recursive: true });
    const { report, code } = await scanJson(["--root", root]);
    expect(report.unobserved).toEqual([]);
    expect(report.unavailable.every((u) => u.absent)).toBe(true);
    expect(report.compliant).toBe(true);
    expect(code).toBe(0);
  });

  it("findings take precedence over could-not-check: exit 1", async () => {
    const { report, code } = await scanJson([
      "--root",
      "examples/laptop-with-phone-and-stick",
      "--backend",
      "linux-sysfs",
      "hci",
    ]);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(code).toBe(1);
  });
});

describe("eca scan --root never mixes in the live machine", () => {
  it("root scan does not consult the live BlueZ on the system bus", async () => {
    // A system bus that would answer "not there" is never even tried with --root.
    const { report } = await scanJson(["--root", "examples/laptop-approved-keyboard"]);
    const sources = new Set(report.devices.flatMap((d) => (d as { source?: string }).source ?? []));
    expect(report.unavailable.map((u) => u.source)).not.toContain("bluez-dbus");
    expect(sources.has("bluez-dbus")).toBe(false);
  });
});

describe("--help lists the exit codes of every command", () => {
  for (const command of [["scan"], ["status"], ["run"], ["policy", "check"], ["config", "check"]]) {
    it(`eca ${command.join(" ")} --help`, async () => {
      const result = await eca([...command, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Exit codes:");
      expect(result.stdout).toMatch(/^\s+2\s+/m);
      if (command[0] === "scan" || command[0] === "status")
        expect(result.stdout).toContain("3  could not check");
    });
  }
});

describe("eca status: could not check", () => {
  it("status of a running agent that observes nothing exits 3, not compliant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-status-3-"));
    const config = join(dir, "config.yaml");
    const socket = join(dir, "eca.sock");
    writeFileSync(
      config,
      `stateDir: ${join(dir, "state")}\nsocketPath: ${socket}\nroot: ${join(dir, "missing")}\npollIntervalSeconds: 1\n`,
    );
    const agent = forkEca(["run", "--config", config]);
    try {
      let result = { stdout: "", stderr: "", code: -1 };
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        result = await eca(["status", "--json", "--config", config]);
        if (result.stdout.includes('"running": true')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const status = JSON.parse(result.stdout) as {
        running: boolean;
        compliant: boolean;
        unobserved: string[];
      };
      expect(status.running).toBe(true);
      expect(status.unobserved).toEqual(["usb", "bluetooth"]);
      expect(status.compliant).toBe(false);
      expect(result.code).toBe(3);
      const text = await eca(["status", "--config", config]);
      expect(text.code).toBe(3);
      expect(text.stdout).toContain("Could not check usb and bluetooth");
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("status live fallback exits 3 when nothing could be observed", async () => {
    const config = join(work, "config.yaml");
    writeFileSync(config, `root: ${join(work, "missing")}\nsocketPath: ${join(work, "no.sock")}\n`);
    const result = await eca(["status", "--json", "--config", config]);
    const answer = JSON.parse(result.stdout) as { running: boolean; scan: ScanReport };
    expect(answer.running).toBe(false);
    expect(answer.scan.unobserved).toEqual(["usb", "bluetooth"]);
    expect(result.code).toBe(3);
  });
});
