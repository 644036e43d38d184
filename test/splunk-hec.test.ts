// Splunk HEC end to end: outbox → deliverer → HTTPS sink → an HEC on 127.0.0.1 that behaves as
// Splunk documents (test/helpers/hec-receiver.ts), with indexer acknowledgement on and off.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Deliverer, startDeliverer } from "../agent/delivery/deliverer.ts";
import { createHttpSink, type EndpointConfig, type HttpSink } from "../agent/delivery/http-sink.ts";
import { ackUrlFor, hecRetryReason, parseAckAnswer, parseHecAnswer } from "../agent/delivery/splunk-hec.ts";
import { silentLogger } from "../agent/log.ts";
import { type NewEvent, type Outbox, openOutbox } from "../agent/outbox/outbox.ts";
import { testEvent } from "./helpers/events.ts";
import { type HecReceiver, startHecReceiver } from "./helpers/hec-receiver.ts";
import { createTestPki, type Receiver, startReceiver, type TestPki } from "./helpers/https-receiver.ts";

const logger = silentLogger;
const fastRetry = { baseMs: 20, capMs: 100, authRetryMs: 60_000 };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let pki: TestPki;
let stateDir: string;
let outbox: Outbox;
let tokenFile: string;
let hec: HecReceiver | undefined;
let plain: Receiver | undefined;
let deliverer: Deliverer | undefined;
let sink: HttpSink | undefined;

beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "eca-hec-"));
  outbox = openOutbox({ stateDir, logger });
  tokenFile = join(stateDir, "token");
  writeFileSync(tokenFile, "hec-token\n");
});
afterEach(async () => {
  await deliverer?.stop();
  deliverer = undefined;
  sink?.close();
  outbox.close();
  await hec?.close();
  await plain?.close();
  hec = undefined;
  plain = undefined;
  rmSync(stateDir, { recursive: true, force: true });
});

function start(url: string, overrides: Partial<EndpointConfig> = {}): Deliverer {
  sink = createHttpSink(
    { url, format: "splunk-hec", tokenFile, caFile: pki.caFile, ...overrides },
    { logger, agentVersion: "0.1.0", hostname: "laptop-42", proxyEnv: null },
  );
  deliverer = startDeliverer({ outbox, sink, logger, retry: fastRetry, idlePollMs: 50 });
  return deliverer;
}

function enqueue(count: number): NewEvent[] {
  const events = Array.from({ length: count }, () => testEvent("heartbeat"));
  outbox.enqueue(events);
  return events;
}

const uidsOf = (envelopes: { event: Record<string, unknown> }[]) =>
  envelopes.map((e) => (e.event.metadata as { uid: string }).uid);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("Splunk HEC indexer acknowledgement", () => {
  it("sends a channel with every request, and keeps a batch until /services/collector/ack says its ackId is true (acks late)", async () => {
    hec = await startHecReceiver({ pki, token: "hec-token", ack: true });
    hec.holdAcks(true);
    const events = enqueue(3);
    start(hec.url, { hec: { ackPollSeconds: 0.02, ackTimeoutSeconds: 30 } });
    await until(() => (hec?.ackQueries ?? 0) >= 3);
    // Accepted ("looks valid") but not yet indexed: still in the outbox.
    expect(hec.batches).toHaveLength(1);
    expect(outbox.stats().depth).toBe(3);
    hec.holdAcks(false);
    hec.release();
    await deliverer?.drained();
    expect(outbox.stats().depth).toBe(0);
    expect(uidsOf(hec.indexedEvents())).toEqual(events.map((e) => e.uid));
    expect(hec.batches[0]?.channel).toMatch(GUID);
    expect(hec.rejected).toEqual([]);
    expect(outbox.stats().deadLetters).toBe(0);
  });

  it("an ack that never comes: the batch is sent again after the ack timeout, on the same channel, and nothing is lost", async () => {
    hec = await startHecReceiver({ pki, token: "hec-token", ack: true, ackAfterQueries: 2 });
    hec.loseAckOf([1]);
    const events = enqueue(5);
    start(hec.url, { hec: { ackPollSeconds: 0.02, ackTimeoutSeconds: 0.2 } });
    await deliverer?.drained();
    expect(hec.batches.length).toBeGreaterThanOrEqual(2);
    const [first, second] = hec.batches;
    expect(first?.indexed).toBe(false);
    expect(uidsOf(second?.envelopes ?? [])).toEqual(uidsOf(first?.envelopes ?? []));
    expect(second?.channel).toBe(first?.channel);
    expect(second?.ackId).toBe(1);
    expect(new Set(uidsOf(hec.indexedEvents()))).toEqual(new Set(events.map((e) => e.uid)));
    expect(outbox.stats()).toMatchObject({ depth: 0, deadLetters: 0 });
    expect(deliverer?.state().lastError).toBeNull();
  });

  it("acknowledgement off: a 200 delivers and no ack is asked for", async () => {
    hec = await startHecReceiver({ pki, token: "hec-token", ack: false });
    const events = enqueue(4);
    start(hec.url);
    await deliverer?.drained();
    expect(uidsOf(hec.indexedEvents())).toEqual(events.map((e) => e.uid));
    expect(hec.ackQueries).toBe(0);
    expect(outbox.stats().depth).toBe(0);
  });

  it("index, source and sourcetype are configurable; time is in epoch seconds", async () => {
    hec = await startHecReceiver({ pki, token: "hec-token", ack: true });
    const [event] = enqueue(1);
    start(hec.url, {
      hec: { index: "security", source: "eca:laptop", sourcetype: "ocsf:eca", ackPollSeconds: 0.02 },
    });
    await deliverer?.drained();
    expect(hec.indexedEvents()[0]).toMatchObject({
      index: "security",
      source: "eca:laptop",
      sourcetype: "ocsf:eca",
      host: "laptop-42",
      time: ((event as NewEvent).payload as { time: number }).time / 1000,
    });
  });

  it("'Data channel is missing' (code 10) is retried, never dead-lettered (it was, and every batch was lost to dead letters)", async () => {
    plain = await startReceiver({ pki, format: "splunk-hec", requireClientCert: false });
    plain.script([{ status: 400, body: '{"text":"Data channel is missing","code":10}' }]);
    const events = enqueue(2);
    start(plain.url);
    await deliverer?.drained();
    expect(outbox.stats()).toMatchObject({ depth: 0, deadLetters: 0 });
    expect(plain.requests.map((r) => r.status)).toEqual([400, 200]);
    expect(plain.requests[0]?.headers["x-splunk-request-channel"]).toMatch(GUID);
    expect(plain.acknowledgedUids()).toEqual(new Set(events.map((e) => e.uid)));
  });
});

describe("HEC protocol pieces", () => {
  it("derives the ack URL from the event URL", () => {
    const ack = (url: string) => ackUrlFor(new URL(url)).href;
    expect(ack("https://splunk:8088/services/collector/event")).toBe(
      "https://splunk:8088/services/collector/ack",
    );
    expect(ack("https://splunk:8088/services/collector")).toBe("https://splunk:8088/services/collector/ack");
    expect(ack("https://proxy/splunk/services/collector/event/1.0")).toBe(
      "https://proxy/splunk/services/collector/ack",
    );
    expect(ack("https://hec.example/ingest?x=1")).toBe("https://hec.example/services/collector/ack");
  });

  it("reads answers and acks, and knows which codes are HEC's trouble", () => {
    expect(parseHecAnswer('{"text":"Success","code":0,"ackId":7}')).toEqual({
      text: "Success",
      code: 0,
      ackId: 7,
    });
    expect(parseHecAnswer("<html>")).toEqual({});
    expect(parseAckAnswer('{"acks":{"1":true,"2":false,"3":true}}')).toEqual(new Set([1, 3]));
    expect(hecRetryReason({ code: 9, text: "Server is busy" })).toBe("HEC code 9: Server is busy");
    expect(hecRetryReason({ code: 6, text: "Invalid data format" })).toBeUndefined();
  });
});
