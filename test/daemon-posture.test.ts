// Regression: heartbeats took the posture from the last scan alone, so when a source stopped
// answering (its findings held open) a heartbeat said "compliant" while `eca status` did not.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { expect, it } from "vitest";
import { startDaemon } from "../agent/daemon/daemon.ts";
import { silentLogger } from "../agent/log.ts";
import { replayDaemonConfig, usbStick } from "./helpers/devices.ts";

const stick = usbStick("4C530001");

it("a heartbeat's posture follows the open findings when a source stops answering", async () => {
  const dir = mkdtempSync(join(tmpdir(), "eca-posture-"));
  const replayFile = join(dir, "devices.json");
  writeFileSync(replayFile, JSON.stringify({ observations: [stick] }));
  const daemon = await startDaemon(await replayDaemonConfig(dir, replayFile), silentLogger);
  try {
    writeFileSync(replayFile, "{ not json");
    await daemon.scanNow("test");
    expect(daemon.status().compliant).toBe(false);
    expect(daemon.status().findings.map((f) => f.rule)).toEqual(["personal-storage"]);
  } finally {
    await daemon.stop();
  }
  const db = new DatabaseSync(join(dir, "state/state.db"), { readOnly: true });
  const heartbeats = db
    .prepare("SELECT payload FROM events WHERE kind = 'heartbeat' ORDER BY seq")
    .all()
    .map((row) => JSON.parse((row as { payload: string }).payload) as { device: { is_compliant: boolean } });
  db.close();
  expect(heartbeats.length).toBeGreaterThanOrEqual(2);
  expect(heartbeats.map((h) => h.device.is_compliant)).toEqual(heartbeats.map(() => false));
});
