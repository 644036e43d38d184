// End to end: `eca run` forked as a real process, judging recorded observations (the replay
// backend), delivering to a real HTTPS receiver on 127.0.0.1 with mutual TLS; SIGKILLed in the
// middle of a batch and restarted; asked for its status over the real socket.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usbStick } from "./helpers/devices.ts";
import { type ForkedEca, forkEca, runEca } from "./helpers/eca-cli.ts";
import {
  createTestPki,
  endpointConfigLines,
  type Receiver,
  startReceiver,
  type TestPki,
  uidOf,
} from "./helpers/https-receiver.ts";

const stick = usbStick("4C530001");
const car = {
  bus: "bluetooth",
  source: "replay",
  id: "bt:00:1E:AE:12:34:56",
  address: "00:1E:AE:12:34:56",
  name: "MY VW 1234",
  classOfDevice: 0x240420,
  uuids: ["0000111e-0000-1000-8000-00805f9b34fb"],
  paired: true,
  bonded: true,
  connected: false,
};

type Event = Record<string, unknown> & {
  finding_info?: { uid: string };
  activity_id?: number;
  class_uid?: number;
};

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("eca run", () => {
  let pki: TestPki;
  let receiver: Receiver;
  let dir: string;
  let replayFile: string;
  let configFile: string;
  let socket: string;

  function startAgent(): ForkedEca {
    return forkEca(["run", "--config", configFile], { env: { ECA_LOG_LEVEL: "info" } });
  }

  function status(): Promise<{ stdout: string; code: number }> {
    return runEca(["status", "--json", "--config", configFile]);
  }

  const findingEvents = () => receiver.events().filter((e: Event) => e.class_uid === 2003) as Event[];
  const opened = (findingId: string) =>
    new Set(
      findingEvents()
        .filter((e) => e.activity_id === 1 && e.finding_info?.uid === findingId)
        .map(uidOf),
    );

  beforeAll(async () => {
    pki = createTestPki();
    receiver = await startReceiver({ pki });
    dir = mkdtempSync(join(tmpdir(), "eca-daemon-"));
    replayFile = join(dir, "devices.json");
    socket = join(dir, "eca.sock");
    configFile = join(dir, "config.yaml");
    writeFileSync(replayFile, JSON.stringify({ observations: [stick, car] }));
    writeFileSync(
      configFile,
      [
        ...endpointConfigLines(pki, [`url: ${receiver.url}`]),
        `stateDir: ${join(dir, "state")}`,
        `socketPath: ${socket}`,
        `pollIntervalSeconds: 1`,
        `heartbeatMinutes: 60`,
        `replayFile: ${replayFile}`,
      ].join("\n"),
    );
  });

  afterAll(async () => {
    await receiver.close();
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers findings, survives SIGKILL mid-batch without loss or reopening, and answers status", async () => {
    let agent = startAgent();
    await until(() => findingEvents().length >= 2, "the two findings to open");
    const ids = [...new Set(findingEvents().map((e) => e.finding_info?.uid as string))];
    expect(ids).toHaveLength(2);
    expect(receiver.events().some((e: Event) => e.class_uid === 5001)).toBe(true);

    const answer = await status();
    expect(answer.code).toBe(1);
    const current = JSON.parse(answer.stdout);
    expect(current.running).toBe(true);
    expect(current.findings.map((f: { rule: string }) => f.rule).sort()).toEqual([
      "personal-storage",
      "vehicle-pairing",
    ]);
    expect(current.devices).toHaveLength(2);

    // The endpoint holds the next batch; the stick is removed, so a close event is queued and
    // sent; the agent is killed while the request is in flight.
    receiver.setFallback({ hold: true });
    const before = receiver.requests.length;
    writeFileSync(replayFile, JSON.stringify({ observations: [car] }));
    await receiver.waitForRequests(before + 1);
    agent.child.kill("SIGKILL");
    await agent.exited;
    receiver.release();
    receiver.setFallback({ status: 200 });

    agent = startAgent();
    const closes = () => findingEvents().filter((e) => e.activity_id === 3);
    await until(
      () => receiver.acknowledgedUids().size > 0 && closes().length > 0,
      "the close event after restart",
    );
    await until(() => {
      const acknowledged = receiver.acknowledgedUids();
      return receiver.events().every((e) => acknowledged.has(uidOf(e)));
    }, "every event to be acknowledged");

    // Nothing reopened under a new event: each finding has exactly one open event uid.
    for (const id of ids) expect(opened(id).size).toBe(1);
    // Duplicates only ever share metadata.uid: the same uid always carries the same event.
    const byUid = new Map<string, string>();
    for (const event of receiver.events()) {
      const text = JSON.stringify(event);
      const seen = byUid.get(uidOf(event));
      if (seen) expect(text).toBe(seen);
      byUid.set(uidOf(event), text);
    }

    const after = JSON.parse((await status()).stdout);
    expect(after.findings.map((f: { rule: string }) => f.rule)).toEqual(["vehicle-pairing"]);
    expect(after.delivery.outboxDepth).toBe(0);

    agent.child.kill("SIGTERM");
    expect((await agent.exited).code).toBe(0);
  }, 60_000);

  it("says plainly when the agent is not running, and scans live instead", async () => {
    const answer = await status();
    const document = JSON.parse(answer.stdout);
    expect(document.running).toBe(false);
    expect(document.reason).toMatch(/eca\.sock/);
    expect(document.scan.findings.map((f: { rule: string }) => f.rule)).toEqual(["vehicle-pairing"]);
    expect(answer.code).toBe(1);
  });
});
