// Regression: every safety poll judged the laptop again (classify, evaluate, diff, inventory digest)
// though nothing had changed, which kept an idle agent busy. A poll that finds what the last scan
// found, under the same policy and on the same day, now answers with the last report; anything else
// (a device, the policy, an event-triggered scan) is judged in full.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../agent/daemon/daemon.ts";
import { silentLogger } from "../agent/log.ts";
import { recording, usbStick } from "./faults/support.ts";
import { replayDaemonConfig } from "./helpers/devices.ts";

let dir: string;
let replayFile: string;
let daemon: RunningDaemon | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eca-idle-poll-"));
  replayFile = join(dir, "devices.json");
  writeFileSync(replayFile, recording(usbStick("STICK001", "1-3")));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  rmSync(dir, { recursive: true, force: true });
});

it("idle poll: nothing changed, nothing judged again; a new device is", async () => {
  daemon = await startDaemon(await replayDaemonConfig(dir, replayFile), silentLogger);
  const first = await daemon.scanNow("poll");
  expect(await daemon.scanNow("poll")).toBe(first);
  expect(daemon.status().lastScan?.trigger).toBe("poll");
  // An event-triggered scan is always judged.
  const afterEvent = await daemon.scanNow("linux-sysfs: usb device node 001/004 added or removed");
  expect(afterEvent).not.toBe(first);
  writeFileSync(replayFile, recording(usbStick("STICK001", "1-3"), usbStick("STICK002", "1-4")));
  const changed = await daemon.scanNow("poll");
  expect(changed).not.toBe(afterEvent);
  expect(changed.devices).toHaveLength(2);
  expect(daemon.status().devices).toHaveLength(2);
});
