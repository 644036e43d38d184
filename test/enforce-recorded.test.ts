// A daemon judging recorded devices (--replay, --capture) must never act on them: their port paths
// name whatever real device sits there on the machine replaying them.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDaemonEnforcer } from "../agent/enforce/daemon-hook.ts";
import { silentLogger } from "../agent/log.ts";
import { replayDaemonConfig, usbStick } from "./helpers/devices.ts";

describe("enforcement and recorded devices", () => {
  it("a replayed stick under an enforcing policy opens no actuator (it would write the real /sys)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-enforce-recorded-"));
    const replayFile = join(dir, "devices.json");
    writeFileSync(replayFile, JSON.stringify({ observations: [usbStick("4C530001")] }));
    const config = await replayDaemonConfig(dir, replayFile);
    expect(await openDaemonEnforcer(config, silentLogger)).toBeUndefined();
    const capture = { ...config, replayFile: undefined, captureDir: dir };
    expect(await openDaemonEnforcer(capture, silentLogger)).toBeUndefined();
  });
});
