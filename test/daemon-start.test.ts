// Start-up faults, with `eca run` forked as a real process (pino's way of testing transports): a
// start that fails exits non-zero, promptly, having stopped what it started, and says why.
// Regression: after delivery had begun, an unknown backend or a full disk left a process that never
// scanned and never exited, which a service manager never restarts.

import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../agent/config/config.ts";
import { MAX_TIMER_MS, timerDelay } from "../agent/daemon/daemon.ts";
import { acquireStateLock, holdsStateLock, releaseStateLock } from "../agent/outbox/lock.ts";
import { exitWithin, forkAgent, recording, until, usbStick } from "./faults/support.ts";

let dir: string;
let replayFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "eca-start-"));
  replayFile = join(dir, "devices.json");
  writeFileSync(replayFile, recording(usbStick("4C530001")));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Flags for a daemon of its own; delivery goes to a closed port on 127.0.0.1, so it has begun. */
function flags(name: string, extra: string[] = []): string[] {
  return [
    "--state-dir",
    join(dir, name, "state"),
    "--socket",
    join(dir, `${name}.sock`),
    "--endpoint",
    "https://127.0.0.1:9/events",
    ...extra,
  ];
}

describe("half-alive after a failed start", () => {
  it("an unknown backend exits 2 promptly and names the valid ones", async () => {
    const agent = forkAgent(flags("backend", ["--backend", "no-such-probe"]));
    expect(await exitWithin(agent, 5_000)).toEqual({ code: 2, signal: null });
    expect(agent.output()).toMatch(/eca: Unknown probe backend "no-such-probe". Choose one of: .*replay/);
  });

  it("a status socket that cannot be served, after delivery started, exits 2 promptly", async () => {
    // A trusted directory passes the path checks; a name past the 108-byte sun_path limit then
    // fails only at listen(), after delivery has started.
    const tooLong = join(dir, `${"s".repeat(120)}.sock`);
    const agent = forkAgent([...flags("socket", ["--replay", replayFile]), "--socket", tooLong]);
    expect(await exitWithin(agent, 5_000)).toEqual({ code: 2, signal: null });
    expect(agent.output()).toContain(`eca: status socket ${tooLong} cannot be served`);
  });
});

describe("flags bypass the schema", () => {
  it("--heartbeat-minutes 40000 is refused like heartbeatMinutes in the file", async () => {
    const agent = forkAgent(flags("heartbeat", ["--replay", replayFile, "--heartbeat-minutes", "40000"]));
    expect(await exitWithin(agent, 5_000)).toEqual({ code: 2, signal: null });
    expect(agent.output()).toContain("--heartbeat-minutes: is 40000; the largest allowed is 1440");
  });

  it("--poll-interval 2200000 is refused like pollIntervalSeconds in the file", async () => {
    const agent = forkAgent(flags("poll", ["--replay", replayFile, "--poll-interval", "2200000"]));
    expect(await exitWithin(agent, 5_000)).toEqual({ code: 2, signal: null });
    expect(agent.output()).toContain("--poll-interval: is 2200000; the largest allowed is 3600");
  });
});

describe("flags bypass the schema: timers", () => {
  it("a period a timer cannot keep is refused, never left to fire every millisecond", () => {
    expect(timerDelay(1440, 60_000, "heartbeatMinutes")).toBe(86_400_000);
    expect(() => timerDelay(40_000, 60_000, "heartbeatMinutes")).toThrow(/cannot wait 2400000000 ms/);
    expect(() => timerDelay(0, 1000, "pollIntervalSeconds")).toThrow(RangeError);
    expect(timerDelay(MAX_TIMER_MS, 1, "x")).toBe(MAX_TIMER_MS);
  });

  it("the merged configuration is checked against the schema, whoever set the value", async () => {
    await expect(loadConfig(undefined, { heartbeatMinutes: 40_000 })).rejects.toThrow(
      /heartbeatMinutes: is 40000; the largest allowed is 1440/,
    );
  });
});

describe("two daemons on one state directory", () => {
  it("the second exits 2 naming the first one's pid", async () => {
    const first = forkAgent(flags("shared", ["--replay", replayFile]));
    try {
      await until(() => first.output().includes('"msg":"eca running"'), "the first daemon to start");
      const second = forkAgent([
        ...flags("shared", ["--replay", replayFile]),
        "--socket",
        join(dir, "second.sock"),
      ]);
      expect(await exitWithin(second, 5_000)).toEqual({ code: 2, signal: null });
      expect(second.output()).toContain(
        `eca: state directory ${join(dir, "shared", "state")} is in use by another eca run (pid ${first.child.pid})`,
      );
    } finally {
      first.child.kill("SIGTERM");
      expect(await exitWithin(first, 10_000)).toEqual({ code: 0, signal: null });
    }
  });

  it("a lock left by a killed daemon is taken over", () => {
    const stateDir = mkdtempSync(join(dir, "stale-state-"));
    // A pid above the kernel's pid_max is never alive.
    symlinkSync("4194305", join(stateDir, "eca.lock"));
    acquireStateLock(stateDir);
    expect(holdsStateLock(stateDir)).toBe(true);
    releaseStateLock(stateDir);
    expect(holdsStateLock(stateDir)).toBe(false);
  });
});

describe("a status pipe taken by another user on Windows", () => {
  it("does not keep the agent from running: it scans on without its status socket", async () => {
    const { silentLogger } = await import("../agent/log.ts");
    const { loadConfig } = await import("../agent/config/config.ts");
    const { startDaemon } = await import("../agent/daemon/daemon.ts");
    const config = await loadConfig(undefined, {
      stateDir: join(dir, "state-optional"),
      socketPath: join(dir, `${"s".repeat(120)}.sock`),
      replayFile,
      backends: ["replay"],
    });
    const daemon = await startDaemon(config, silentLogger, { statusOptional: true });
    try {
      expect((await daemon.scanNow("test")).devices).toBeDefined();
    } finally {
      await daemon.stop();
    }
  });

  it("tells the SOC at once, in a heartbeat, that eca status is not served (it was only in the laptop's log)", async () => {
    const { silentLogger } = await import("../agent/log.ts");
    const { loadConfig } = await import("../agent/config/config.ts");
    const { startDaemon } = await import("../agent/daemon/daemon.ts");
    const { storedEvents } = await import("./helpers/state-db.ts");
    const stateDir = join(dir, "state-told");
    const config = await loadConfig(undefined, {
      stateDir,
      socketPath: join(dir, `${"t".repeat(120)}.sock`),
      replayFile,
      backends: ["replay"],
    });
    const daemon = await startDaemon(config, silentLogger, { statusOptional: true });
    await daemon.stop();
    type Heartbeat = { unmapped: { eca: { reason: string; status_channel?: Record<string, unknown> } } };
    const heartbeats = storedEvents<Heartbeat>(stateDir, "heartbeat").map((h) => h.unmapped.eca);
    expect(heartbeats.map((h) => h.reason)).toEqual(["startup", "change"]);
    expect(heartbeats[1]?.status_channel).toMatchObject({ served: false, authenticated: false });
    expect(String(heartbeats[1]?.status_channel?.problem)).toContain("cannot be served");
  });
});
