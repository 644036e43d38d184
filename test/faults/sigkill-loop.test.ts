// SIGKILL at random moments: `eca run` forked again and again and killed at a seeded random time
// (during start-up, mid-scan, mid-request), while the devices change between and during runs and a
// checking receiver sometimes holds requests. At the end nothing is lost (each finding's events
// alternate opened, resolved, ... and end in the devices' final state) and nothing is reopened (no
// two opens in a row), and a uid always carries the same bytes.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createTestPki,
  endpointConfigLines,
  type Receiver,
  startReceiver,
  type TestPki,
  uidOf,
} from "../helpers/https-receiver.ts";
import { faultSeed, forkAgent, recording, seeded, until, usbStick } from "./support.ts";

const SEED = faultSeed(0x5eed_0007);
const ROUNDS = 8;

let pki: TestPki;
let receiver: Receiver;
let dir: string;
beforeAll(async () => {
  pki = createTestPki();
  receiver = await startReceiver({ pki });
  dir = mkdtempSync(join(tmpdir(), "eca-sigkill-"));
});
afterAll(async () => {
  await receiver.close();
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

type Event = Record<string, unknown> & {
  class_uid?: number;
  activity_id?: number;
  finding_info?: { uid: string };
};

it(`SIGKILL at random moments loses nothing and reopens nothing (seed ${SEED})`, {
  timeout: 60_000,
}, async () => {
  const random = seeded(SEED);
  const replayFile = join(dir, "devices.json");
  const configFile = join(dir, "config.yaml");
  const sticks = ["AAAA0001", "BBBB0002", "CCCC0003"].map((serial, i) => usbStick(serial, `1-${i + 2}`));
  let present = sticks.map(() => random() < 0.5);
  const writeDevices = () => writeFileSync(replayFile, recording(...sticks.filter((_, i) => present[i])));
  const toggle = () => {
    present = present.map((on) => (random() < 0.4 ? !on : on));
    writeDevices();
  };
  writeDevices();
  writeFileSync(
    configFile,
    [
      ...endpointConfigLines(pki, [`url: ${receiver.url}`]),
      `stateDir: ${join(dir, "state")}`,
      `socketPath: ${join(dir, "eca.sock")}`,
      "pollIntervalSeconds: 1",
      "heartbeatMinutes: 60",
      `replayFile: ${replayFile}`,
    ].join("\n"),
  );
  // A quarter of the requests are held: the agent dies waiting for the answer.
  receiver.setFallback(() => (random() < 0.25 ? { hold: true } : { status: 200 }));

  for (let round = 0; round < ROUNDS; round++) {
    toggle();
    const agent = forkAgent(["--config", configFile]);
    const killAt = 100 + Math.floor(random() * 900);
    await new Promise((resolve) => setTimeout(resolve, killAt / 2));
    if (random() < 0.5) toggle();
    await new Promise((resolve) => setTimeout(resolve, killAt / 2));
    agent.child.kill("SIGKILL");
    await agent.exited;
    receiver.release();
  }

  // The last run is left to finish: every event acknowledged and the final state delivered.
  receiver.setFallback({ status: 200 });
  const last = forkAgent(["--config", configFile]);
  const findings = () => receiver.events().filter((e: Event) => e.class_uid === 2003) as Event[];
  const distinctByFinding = () => {
    const seen = new Set<string>();
    const byFinding = new Map<string, number[]>();
    for (const event of findings()) {
      const uid = uidOf(event);
      if (seen.has(uid)) continue;
      seen.add(uid);
      const id = event.finding_info?.uid as string;
      byFinding.set(id, [...(byFinding.get(id) ?? []), event.activity_id as number]);
    }
    return byFinding;
  };
  const openNow = () =>
    [...distinctByFinding().values()].filter((activities) => activities.at(-1) === 1).length;
  const expectedOpen = present.filter(Boolean).length;
  try {
    await until(
      () => {
        const acknowledged = receiver.acknowledgedUids();
        return (
          last.output().includes('"msg":"eca running"') &&
          receiver.events().every((e) => acknowledged.has(uidOf(e))) &&
          openNow() === expectedOpen
        );
      },
      `every event acknowledged and ${expectedOpen} findings open (seed ${SEED})`,
      20_000,
    );
  } finally {
    last.child.kill("SIGTERM");
    await last.exited;
  }

  for (const [id, activities] of distinctByFinding()) {
    // 1 opened, 3 resolved: strictly alternating, starting with an open.
    const expected = activities.map((_, i) => (i % 2 === 0 ? 1 : 3));
    expect(activities, `finding ${id} (seed ${SEED})`).toEqual(expected);
  }
  const byUid = new Map<string, string>();
  for (const event of receiver.events()) {
    const text = JSON.stringify(event);
    expect(byUid.get(uidOf(event)) ?? text, `seed ${SEED}`).toBe(text);
    byUid.set(uidOf(event), text);
  }
});
