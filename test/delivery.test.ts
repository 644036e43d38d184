// End to end: outbox → deliverer → HTTPS sink (mutual TLS) → a real receiver on 127.0.0.1 that
// fails on cue. Pass means every event reaches the server, duplicates only ever repeat a uid,
// and nothing is lost.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Deliverer, startDeliverer } from "../agent/delivery/deliverer.ts";
import {
  createHttpSink,
  type EndpointConfig,
  GZIP_THRESHOLD_BYTES,
  type HttpSink,
} from "../agent/delivery/http-sink.ts";
import { silentLogger } from "../agent/log.ts";
import { type NewEvent, type Outbox, openOutbox } from "../agent/outbox/outbox.ts";
import { startConnectProxy } from "./helpers/connect-proxy.ts";
import { testEvent } from "./helpers/events.ts";
import {
  createTestPki,
  type Receiver,
  startReceiver,
  type TestPki,
  uidOf,
} from "./helpers/https-receiver.ts";

const logger = silentLogger;
const fastRetry = { baseMs: 20, capMs: 200, authRetryMs: 60_000 };

let pki: TestPki;
let stateDir: string;
let receiver: Receiver;
let outbox: Outbox;
let deliverer: Deliverer | undefined;
const sinks: HttpSink[] = [];

beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "eca-delivery-"));
  outbox = openOutbox({ stateDir, logger });
});

afterEach(async () => {
  await deliverer?.stop();
  deliverer = undefined;
  for (const sink of sinks.splice(0)) sink.close();
  outbox.close();
  await receiver?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function sink(overrides: Partial<EndpointConfig> = {}, proxyEnv: NodeJS.ProcessEnv | null = null): HttpSink {
  const created = createHttpSink(
    {
      url: receiver.url,
      caFile: pki.caFile,
      certFile: pki.clientCertFile,
      keyFile: pki.clientKeyFile,
      ...overrides,
    },
    { logger, agentVersion: "0.1.0", hostname: "laptop-42", proxyEnv },
  );
  sinks.push(created);
  return created;
}

function enqueue(count: number, size = 200): NewEvent[] {
  const events = Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? testEvent("finding", `f${i}`, size) : testEvent("heartbeat", undefined, size),
  );
  outbox.enqueue(events);
  return events;
}

async function deliverAll(events: NewEvent[], options: Partial<Parameters<typeof startDeliverer>[0]> = {}) {
  deliverer = startDeliverer({ outbox, sink: sink(), logger, retry: fastRetry, idlePollMs: 50, ...options });
  await deliverer.drained();
  expectAllDelivered(events);
}

function expectAllDelivered(events: NewEvent[]): void {
  const sent = new Map(events.map((event) => [event.uid, JSON.stringify(event.payload)]));
  const acknowledged = receiver.acknowledgedUids();
  for (const uid of sent.keys()) expect(acknowledged.has(uid), `event ${uid} acknowledged`).toBe(true);
  // A duplicate is the same event again: same uid, same bytes.
  for (const event of receiver.events()) {
    expect(sent.get(uidOf(event))).toBe(JSON.stringify(event));
  }
  expect(outbox.stats().depth).toBe(0);
}

describe("delivery over mutual TLS", () => {
  it("delivers in batches of at most 500, gzip when large, with the bearer token", async () => {
    receiver = await startReceiver({ pki });
    const tokenFile = join(stateDir, "token");
    writeFileSync(tokenFile, "s3cret-token\n");
    const events = enqueue(1200);
    deliverer = startDeliverer({
      outbox,
      sink: sink({ tokenFile }),
      logger,
      retry: fastRetry,
      idlePollMs: 50,
    });
    await deliverer.drained();
    expectAllDelivered(events);
    expect(receiver.requests.map((request) => request.events.length)).toEqual([500, 500, 200]);
    const first = receiver.requests[0];
    expect(first?.headers.authorization).toBe("Bearer s3cret-token");
    expect(first?.headers["content-encoding"]).toBe("gzip");
    expect(first?.headers["content-type"]).toBe("application/json");
    // Events arrive in the order they were enqueued.
    expect(receiver.events().map(uidOf)).toEqual(events.map((event) => event.uid));
    expect(deliverer.state()).toMatchObject({ deliveredSinceStart: 1200, authPaused: false });
    expect(outbox.stats().lastDeliveryAt).not.toBeNull();
  });

  it("sends small batches uncompressed", async () => {
    receiver = await startReceiver({ pki });
    const events = enqueue(2, 100);
    await deliverAll(events);
    expect(receiver.requests[0]?.headers["content-encoding"]).toBeUndefined();
  });

  it("survives the endpoint being down, 500s, 429 with Retry-After and slow responses", async () => {
    receiver = await startReceiver({ pki });
    await receiver.down();
    const events = enqueue(30);
    deliverer = startDeliverer({
      outbox,
      sink: sink({ timeoutMs: 300 }),
      logger,
      retry: fastRetry,
      maxBatchEvents: 10,
      idlePollMs: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliverer.state().consecutiveFailures).toBeGreaterThan(0);
    expect(deliverer.state().lastError).toMatch(/network error/);
    receiver.script([
      { status: 500 },
      { status: 502, body: "bad gateway" },
      { status: 429, headers: { "Retry-After": "1" } },
      { status: 200, delayMs: 1000 }, // longer than the timeout: the client gives up, the server got it
      { status: 503, headers: { "Retry-After": "0" } },
    ]);
    await receiver.up();
    const started = Date.now();
    await deliverer.drained();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expectAllDelivered(events);
    // The timed-out batch was sent again with the same uids.
    const counts = new Map<string, number>();
    for (const event of receiver.events()) counts.set(uidOf(event), (counts.get(uidOf(event)) ?? 0) + 1);
    expect([...counts.values()].some((count) => count > 1)).toBe(true);
  });

  it("splits a batch on 413 and dead-letters a single event that is still too large", async () => {
    receiver = await startReceiver({ pki });
    receiver.setFallback((request) => ({
      status: request.wireBytes > 20_000 || request.events.length > 60 ? 413 : 200,
    }));
    const events = enqueue(200, 100);
    const huge = testEvent("heartbeat", undefined, 200_000);
    outbox.enqueue([huge]);
    deliverer = startDeliverer({
      outbox,
      sink: sink({ gzipThresholdBytes: 1e9 }),
      logger,
      retry: fastRetry,
      idlePollMs: 50,
    });
    await deliverer.drained();
    const acknowledged = receiver.acknowledgedUids();
    for (const event of events) expect(acknowledged.has(event.uid)).toBe(true);
    expect(acknowledged.has(huge.uid)).toBe(false);
    expect(outbox.stats()).toMatchObject({ depth: 0, deadLetters: 1 });
  });

  it("sends a start-up-sized batch uncompressed, so the idle daemon never loads node:zlib", async () => {
    // 18 events of ~3.5 KiB (what a daemon sends when it starts) stay under GZIP_THRESHOLD_BYTES.
    receiver = await startReceiver({ pki });
    const events = enqueue(18, 3500);
    deliverer = startDeliverer({ outbox, sink: sink(), logger, retry: fastRetry, idlePollMs: 50 });
    await deliverer.drained();
    expectAllDelivered(events);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.wireBytes).toBeLessThan(GZIP_THRESHOLD_BYTES);
    expect(receiver.requests[0]?.headers["content-encoding"]).toBeUndefined();
  });

  it("dead-letters a batch the endpoint rejects with 400, and carries on", async () => {
    receiver = await startReceiver({ pki });
    receiver.script([{ status: 400, body: "schema violation" }]);
    const rejected = enqueue(5);
    deliverer = startDeliverer({ outbox, sink: sink(), logger, retry: fastRetry, idlePollMs: 50 });
    await deliverer.drained();
    expect(outbox.stats().lastError).toBe("HTTP 400: schema violation");
    const accepted = enqueue(5);
    deliverer.nudge();
    await deliverer.drained();
    expect(outbox.stats()).toMatchObject({ deadLetters: 5, depth: 0 });
    // The next delivery worked: the error is no longer the state of delivery.
    expect(outbox.stats().lastError).toBeNull();
    const acknowledged = receiver.acknowledgedUids();
    expect(rejected.some((event) => acknowledged.has(event.uid))).toBe(false);
    expect(accepted.every((event) => acknowledged.has(event.uid))).toBe(true);
  });

  it("pauses on 401 and resumes as soon as the token file changes", async () => {
    receiver = await startReceiver({ pki });
    const tokenFile = join(stateDir, "token");
    writeFileSync(tokenFile, "old-token");
    receiver.setFallback((request) => ({
      status: request.headers.authorization === "Bearer new-token" ? 200 : 401,
    }));
    const events = enqueue(3);
    deliverer = startDeliverer({
      outbox,
      sink: sink({ tokenFile }),
      logger,
      retry: fastRetry,
      authCheckMs: 20,
      idlePollMs: 50,
    });
    await receiver.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(deliverer.state().authPaused).toBe(true);
    expect(outbox.stats()).toMatchObject({ authPaused: true, depth: 3 });
    // Only the first attempt: no hammering while paused.
    expect(receiver.requests).toHaveLength(1);
    writeFileSync(tokenFile, "new-token");
    await deliverer.drained();
    expectAllDelivered(events);
    expect(deliverer.state().authPaused).toBe(false);
    expect(outbox.stats().authPaused).toBe(false);
  });

  it("is refused without a client certificate the endpoint trusts, and delivers once given one", async () => {
    receiver = await startReceiver({ pki });
    const events = enqueue(4);
    deliverer = startDeliverer({
      outbox,
      sink: sink({ certFile: pki.strangerCertFile, keyFile: pki.strangerKeyFile }),
      logger,
      retry: fastRetry,
      idlePollMs: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests).toHaveLength(0);
    expect(deliverer.state().consecutiveFailures).toBeGreaterThan(0);
    deliverer.setSink(sink());
    await deliverer.drained();
    expectAllDelivered(events);
  });

  it("speaks Splunk HEC when asked", async () => {
    receiver = await startReceiver({ pki, format: "splunk-hec" });
    const tokenFile = join(stateDir, "token");
    writeFileSync(tokenFile, "hec-token");
    const events = enqueue(3);
    deliverer = startDeliverer({
      outbox,
      sink: sink({ format: "splunk-hec", tokenFile }),
      logger,
      retry: fastRetry,
      idlePollMs: 50,
    });
    await deliverer.drained();
    expectAllDelivered(events);
    expect(receiver.requests[0]?.headers.authorization).toBe("Splunk hec-token");
  });

  it("goes through the HTTPS_PROXY, unless NO_PROXY says otherwise", async () => {
    receiver = await startReceiver({ pki });
    const proxy = await startConnectProxy();
    try {
      const events = enqueue(3);
      deliverer = startDeliverer({
        outbox,
        sink: sink({}, { HTTPS_PROXY: proxy.url }),
        logger,
        retry: fastRetry,
        idlePollMs: 50,
      });
      await deliverer.drained();
      expectAllDelivered(events);
      expect(proxy.tunnels).toEqual([`127.0.0.1:${receiver.port}`]);
      await deliverer.stop();

      const direct = enqueue(3);
      deliverer = startDeliverer({
        outbox,
        sink: sink({}, { HTTPS_PROXY: proxy.url, NO_PROXY: "127.0.0.1" }),
        logger,
        retry: fastRetry,
        idlePollMs: 50,
      });
      await deliverer.drained();
      expect(direct.every((event) => receiver.acknowledgedUids().has(event.uid))).toBe(true);
      expect(proxy.tunnels).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("stops promptly even with a request held by the server, and keeps the events", async () => {
    receiver = await startReceiver({ pki });
    receiver.setFallback({ hold: true });
    enqueue(3);
    deliverer = startDeliverer({ outbox, sink: sink(), logger, retry: fastRetry, stopGraceMs: 100 });
    await receiver.waitForRequests(1);
    const started = Date.now();
    await deliverer.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outbox.stats().depth).toBe(3);
  });
});
