// Full disk: the state directory on a real, small tmpfs filled to the last byte. Regression: the
// daemon crashed (`database or disk is full`, thrown from the heartbeat timer), and restarted on the
// full disk it stayed alive without scanning or answering status. Now it keeps scanning and
// answering, keeps the open set in memory, says so in status and the log, and records the changes
// once space returns. Needs root (mount); CI runs as root.

import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startDaemon } from "../../agent/daemon/daemon.ts";
import { replayDaemonConfig } from "../helpers/devices.ts";
import { runEca } from "../helpers/eca-cli.ts";
import { storedFindings } from "../helpers/state-db.ts";
import { capturingLogger, exitWithin, forkAgent, recording, until, usbStick } from "./support.ts";

const isRoot = process.getuid?.() === 0;
const skipReason = isRoot ? "" : "needs root to mount a small tmpfs (CI runs as root)";
if (!isRoot) console.warn(`full-disk tests skipped: ${skipReason}`);

let dir: string;
let mount: string;
let replayFile: string;
beforeAll(() => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), "eca-full-"));
  mount = join(dir, "mnt");
  mkdirSync(mount);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mount]);
  replayFile = join(dir, "devices.json");
});
afterAll(() => {
  if (!isRoot) return;
  execFileSync("umount", [mount]);
  rmSync(dir, { recursive: true, force: true });
});

/** Fills the filesystem until it refuses even 1 byte. */
function fill(): void {
  const fd = openSync(join(mount, "filler"), "a");
  try {
    for (let size = 64 * 1024; size >= 1; size = Math.floor(size / 2)) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

function free(): void {
  rmSync(join(mount, "filler"), { force: true });
}

async function daemonOn(
  stateDir: string,
  logger: ReturnType<typeof capturingLogger>["logger"],
  heartbeatMinutes = 1440,
) {
  return startDaemon({ ...(await replayDaemonConfig(dir, replayFile)), stateDir, heartbeatMinutes }, logger);
}

describe.skipIf(!isRoot)("full disk", () => {
  it("full disk: keeps scanning and answering, holds the changes in memory, and records them once space returns", async () => {
    const stateDir = join(mount, "state");
    writeFileSync(replayFile, recording(usbStick("AAAA0001")));
    const { logger, lines } = capturingLogger();
    // The heartbeat timer is where `database or disk is full` was thrown: it is driven by hand here.
    vi.useFakeTimers({ toFake: ["setInterval"] });
    const daemon = await daemonOn(stateDir, logger, 1);
    try {
      expect(daemon.status().findings).toHaveLength(1);
      fill();
      writeFileSync(replayFile, recording(usbStick("AAAA0001"), usbStick("BBBB0002", "1-3")));
      await daemon.scanNow("test");
      const status = daemon.status();
      expect(status.findings).toHaveLength(2);
      expect(status.delivery.storageProblem).toMatch(/full/);
      const held = status.delivery.pendingWrites ?? 0;
      expect(held).toBeGreaterThan(0);
      vi.advanceTimersByTime(60_000);
      expect(daemon.status().delivery.pendingWrites).toBe(held + 1);
      expect(lines()).toContain("state database unusable: scanning goes on, changes kept in memory");

      free();
      await daemon.scanNow("test");
      expect(daemon.status().delivery.storageProblem).toBeUndefined();
      expect(lines()).toContain("changes held in memory recorded");
      const { open, events } = storedFindings(stateDir);
      expect(open).toHaveLength(2);
      expect(events.filter((e) => e.activity_id === 1)).toHaveLength(2);
    } finally {
      await daemon.stop();
      vi.useRealTimers();
      free();
    }
  });

  it("full disk: restarted on a full disk, it scans, answers and opens nothing twice", async () => {
    const stateDir = join(mount, "state");
    const before = storedFindings(stateDir);
    fill();
    // The stick A was removed while the agent was down; B stays.
    writeFileSync(replayFile, recording(usbStick("BBBB0002", "1-3")));
    const { logger } = capturingLogger();
    const daemon = await daemonOn(stateDir, logger);
    try {
      const status = daemon.status();
      expect(status.findings).toHaveLength(1);
      expect(status.lastScan?.trigger).toBe("startup");
      free();
      await daemon.scanNow("test");
      expect(daemon.status().delivery.storageProblem).toBeUndefined();
    } finally {
      await daemon.stop();
      free();
    }
    const after = storedFindings(stateDir);
    expect(after.open).toHaveLength(1);
    const opens = (events: typeof after.events) =>
      events.filter((e) => e.activity_id === 1).map((e) => e.finding_info.uid);
    // No finding opened a second time: B's open event is still the one from before.
    expect(opens(after.events).sort()).toEqual(opens(before.events).sort());
    expect(after.events.filter((e) => e.activity_id === 3)).toHaveLength(1);
  });

  it("full disk: eca run started on a full disk with no state yet scans, answers status, and records once space returns", async () => {
    const stateDir = join(mount, "fresh-state");
    const socket = join(dir, "forked.sock");
    writeFileSync(replayFile, recording(usbStick("CCCC0003")));
    fill();
    const agent = forkAgent([
      "--state-dir",
      stateDir,
      "--socket",
      socket,
      "--replay",
      replayFile,
      "--poll-interval",
      "1",
    ]);
    const status = async () => {
      const answer = await runEca(["status", "--json", "--socket", socket]);
      return JSON.parse(answer.stdout) as {
        running: boolean;
        findings?: unknown[];
        delivery?: { storageProblem?: string };
      };
    };
    try {
      await until(() => agent.output().includes('"msg":"eca running"'), "the agent to start");
      const onFullDisk = await status();
      expect(onFullDisk.running).toBe(true);
      expect(onFullDisk.findings).toHaveLength(1);
      expect(onFullDisk.delivery?.storageProblem).toMatch(/full|disk/);
      free();
      await until(() => agent.output().includes("state database usable again"), "the next poll to record it");
      expect((await status()).delivery?.storageProblem).toBeUndefined();
    } finally {
      agent.child.kill("SIGTERM");
      expect(await exitWithin(agent, 10_000)).toEqual({ code: 0, signal: null });
      free();
    }
    expect(storedFindings(stateDir).open).toHaveLength(1);
  });
});
