// A flapping device: a hub port that re-enumerates at seeded random intervals of 1 to 60 ms, the
// device appearing and vanishing each time, while a stick is plugged in beside it at a random
// moment. The stick is reported within a bounded number of debounce windows, and once the port
// settles the findings match what is attached. See also test/daemon-scan-starvation.test.ts.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEBOUNCE_MS, startDaemon } from "../../agent/daemon/daemon.ts";
import { silentLogger } from "../../agent/log.ts";
import type { Probe } from "../../probes/probe.ts";
import { createReplayProbe } from "../../probes/replay.ts";
import { replayDaemonConfig } from "../helpers/devices.ts";
import { faultSeed, recording, seeded, until, usbStick } from "./support.ts";

const SEED = faultSeed(0xf1a9);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "eca-flap-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(`a flapping device does not hide a stick plugged in beside it (seed ${SEED})`, async () => {
  const random = seeded(SEED);
  const replayFile = join(dir, "devices.json");
  const flaky = usbStick("FLAKY001", "1-3");
  const stick = usbStick("STICK001", "1-4");
  let flakyPresent = true;
  let stickPresent = false;
  const write = () =>
    writeFileSync(replayFile, recording(...(flakyPresent ? [flaky] : []), ...(stickPresent ? [stick] : [])));
  write();

  let flapping = true;
  let flaps = 0;
  let probe: Probe | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flap = () => {
    if (!flapping) return;
    flakyPresent = !flakyPresent;
    write();
    flaps++;
    probe?.emit("change", "usb 1-3 re-enumerated");
    timer = setTimeout(flap, 1 + Math.floor(random() * 60));
  };

  const daemon = await startDaemon(await replayDaemonConfig(dir, replayFile), silentLogger, {
    openProbes: async (_backends, options) => {
      probe = createReplayProbe(options);
      probe.watch = flap;
      return [probe];
    },
  });
  try {
    const plugAfter = 5 + Math.floor(random() * 20);
    await until(() => flaps >= plugAfter, "the flapping to begin");
    stickPresent = true;
    write();
    const plugged = Date.now();
    const stickReported = () => daemon.status().devices.some((d) => d.serial === "STICK001");
    await until(stickReported, `the stick to be reported (seed ${SEED})`);
    // Wall time is only a bound here, generous for a busy CI machine: 20 windows, not 30 s.
    expect((Date.now() - plugged) / DEBOUNCE_MS, `seed ${SEED}`).toBeLessThan(20);

    flapping = false;
    clearTimeout(timer);
    await daemon.scanNow("settled");
    const serials = daemon
      .status()
      .findings.map((f) => f.device.serial)
      .sort();
    expect(serials, `seed ${SEED}`).toEqual(flakyPresent ? ["FLAKY001", "STICK001"] : ["STICK001"]);
  } finally {
    flapping = false;
    clearTimeout(timer);
    await daemon.stop();
  }
});
