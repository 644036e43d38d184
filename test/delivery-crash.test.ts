// Crash safety: a daemon killed with SIGKILL while the server holds its request loses nothing;
// on restart every event is delivered, and the ones sent again keep their metadata.uid.

import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { silentLogger } from "../agent/log.ts";
import { readOutboxStats } from "../agent/outbox/outbox.ts";
import {
  createTestPki,
  type Receiver,
  startReceiver,
  type TestPki,
  uidOf,
} from "./helpers/https-receiver.ts";

const script = join(import.meta.dirname, "helpers", "crash-agent.ts");
let pki: TestPki;
let stateDir: string;
let receiver: Receiver;

beforeAll(() => {
  pki = createTestPki();
  stateDir = mkdtempSync(join(tmpdir(), "eca-crash-"));
});
afterAll(async () => {
  await receiver?.close();
  pki.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

function runAgent(enqueue: number): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const settings = {
    stateDir,
    url: receiver.url,
    caFile: pki.caFile,
    certFile: pki.clientCertFile,
    keyFile: pki.clientKeyFile,
    enqueue,
  };
  const child = fork(script, [], {
    execPath: process.execPath,
    env: { ...process.env, ECA_CRASH_AGENT: JSON.stringify(settings), NODE_USE_ENV_PROXY: "" },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

it("delivers everything after a SIGKILL in the middle of a batch", { timeout: 30_000 }, async () => {
  receiver = await startReceiver({ pki });
  // The first batch is taken and acknowledged; the second is held: the agent dies waiting for it.
  receiver.script([{ status: 200 }, { hold: true }]);

  const first = runAgent(120);
  await receiver.waitForRequests(2);
  first.child.kill("SIGKILL");
  const killed = await first.exited;
  expect(killed.signal).toBe("SIGKILL");
  const enqueued = (JSON.parse(first.output().split("\n")[0] ?? "{}") as { enqueued: string[] }).enqueued;
  expect(enqueued).toHaveLength(120);
  const heldUids = receiver.requests[1]?.events.map(uidOf) ?? [];
  expect(heldUids).toHaveLength(50);
  receiver.release();

  // Nothing acknowledged was lost, nothing unacknowledged was dropped.
  const left = readOutboxStats(stateDir, silentLogger);
  expect(left?.depth).toBe(70);

  receiver.setFallback({ status: 200 });
  const second = runAgent(0);
  const restarted = await second.exited;
  expect(restarted).toEqual({ code: 0, signal: null });
  expect(second.output()).toContain('{"drained":true}');

  const acknowledged = receiver.acknowledgedUids();
  for (const uid of enqueued) expect(acknowledged.has(uid), uid).toBe(true);
  // The held batch was sent again, same uids, same bytes.
  const resent = receiver.requests.slice(2).flatMap((request) => request.events);
  for (const uid of heldUids) expect(resent.some((event) => uidOf(event) === uid)).toBe(true);
  const byUid = new Map<string, string>();
  for (const event of receiver.events()) {
    const text = JSON.stringify(event);
    expect(byUid.get(uidOf(event)) ?? text).toBe(text);
    byUid.set(uidOf(event), text);
  }
  // Only the held batch's events were seen twice.
  expect(receiver.events().length).toBe(120 + 50);
  expect(readOutboxStats(stateDir, silentLogger)?.depth).toBe(0);
});
