// Regression: every device event restarted the 150 ms debounce and the safety poll went through the
// same debounce, so a device re-enumerating faster than that (a flaky cable, a failing hub) stopped
// all scanning while it flapped: a stick plugged in beside it went unreported for 30 s and more.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadConfig } from "../agent/config/config.ts";
import { DEBOUNCE_MS, type RunningDaemon, startDaemon } from "../agent/daemon/daemon.ts";
import { silentLogger } from "../agent/log.ts";
import { createReplayProbe } from "../probes/replay.ts";
import { recording, until, usbStick } from "./faults/support.ts";

/** The replay probe, plus a `change` event every 20 ms: a device that never settles. */
function flappingProbes(emitted: { count: number }) {
  return async (_backends: string[], options: { root: string; replayFile?: string }) => {
    const probe = createReplayProbe(options);
    let timer: NodeJS.Timeout | undefined;
    probe.watch = () => {
      timer = setInterval(() => {
        emitted.count++;
        probe.emit("change", "usb 1-3 re-enumerated");
      }, 20);
    };
    probe.stop = async () => clearInterval(timer);
    return [probe];
  };
}

let dir: string;
let replayFile: string;
let daemon: RunningDaemon | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eca-starve-"));
  replayFile = join(dir, "devices.json");
  writeFileSync(replayFile, recording(usbStick("FLAKY01", "1-3")));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(seams: Parameters<typeof startDaemon>[2], pollIntervalSeconds: number) {
  return startDaemon(
    {
      ...(await loadConfig(undefined)),
      stateDir: join(dir, "state"),
      socketPath: join(dir, "eca.sock"),
      replayFile,
      backends: ["replay"],
      pollIntervalSeconds,
      heartbeatMinutes: 1440,
    },
    silentLogger,
    seams,
  );
}

it("scan starvation: a device flapping every 20 ms does not hold off the scan that reports a second one", async () => {
  const emitted = { count: 0 };
  daemon = await start({ openProbes: flappingProbes(emitted) }, 3600);
  const running = daemon;
  await until(() => emitted.count >= 10, "the flapping to begin");
  writeFileSync(replayFile, recording(usbStick("FLAKY01", "1-3"), usbStick("NEW00001", "1-4")));
  const before = emitted.count;
  // The poll is an hour away: only event-triggered scans can report it.
  await until(
    () => running.status().devices.length === 2 || emitted.count - before > 400,
    "the second device or 400 more events",
  );
  const windows = ((emitted.count - before) * 20) / DEBOUNCE_MS;
  expect(running.status().devices).toHaveLength(2);
  // One window for the scan to start, one for a scan already under way, plus slack for a busy machine.
  expect(windows).toBeLessThan(20);
});

it("scan starvation: the safety poll is not postponed by events", async () => {
  const emitted = { count: 0 };
  // A debounce window far longer than the test: only the poll can scan.
  daemon = await start({ openProbes: flappingProbes(emitted), debounceMs: 2 ** 31 - 1 }, 1);
  const running = daemon;
  writeFileSync(replayFile, recording(usbStick("FLAKY01", "1-3"), usbStick("NEW00001", "1-4")));
  await until(() => running.status().devices.length === 2, "the poll to report the second device", 8_000);
  expect(running.status().lastScan?.trigger).toBe("poll");
});
