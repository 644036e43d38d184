import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../agent/config/config.ts";
import { startDaemon } from "../agent/daemon/daemon.ts";
import { silentLogger } from "../agent/log.ts";

describe("daemon posture when a bus could not be observed", () => {
  it("an unreadable recording makes the daemon 'could not check', not compliant (heartbeats said compliant)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-unobserved-"));
    const replayFile = join(dir, "devices.json");
    writeFileSync(replayFile, "{ not json");
    const config = await loadConfig(undefined, {
      stateDir: join(dir, "state"),
      socketPath: join(dir, "eca.sock"),
      replayFile,
      backends: ["replay"],
    });
    const daemon = await startDaemon(config, silentLogger);
    try {
      const report = await daemon.scanNow("test");
      expect(report.unobserved).toEqual(["usb", "bluetooth"]);
      const status = daemon.status();
      expect(status.compliant).toBe(false);
      expect(status.unobserved).toEqual(["usb", "bluetooth"]);
      writeFileSync(replayFile, JSON.stringify({ observations: [] }));
      await daemon.scanNow("test");
      expect(daemon.status()).toMatchObject({ compliant: true, unobserved: [] });
    } finally {
      await daemon.stop();
    }
  });
});
