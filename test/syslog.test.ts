// The syslog sink against a real rsyslog (Debian rsyslog, rsyslog-gnutls, rsyslog-relp) on
// 127.0.0.1: RFC 5424 messages over RELP/TLS (acknowledged) and RFC 5425 (octet-counted TLS, not
// acknowledged), mutual TLS, parsed by mmjsonparse; rsyslog stopped and started again mid-stream
// loses nothing over RELP; oversize events handled on purpose.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSink } from "../agent/delivery/create-sink.ts";
import { type Deliverer, startDeliverer } from "../agent/delivery/deliverer.ts";
import type { EndpointConfig } from "../agent/delivery/http-sink.ts";
import { formatSyslogMessage, frame } from "../agent/delivery/syslog-sink.ts";
import { buildFindingEvent, buildHeartbeat, buildPeripheralActivity } from "../agent/events/ocsf.ts";
import { silentLogger } from "../agent/log.ts";
import { type NewEvent, type Outbox, openOutbox } from "../agent/outbox/outbox.ts";
import type { DeviceVerdict } from "../policy/types.ts";
import { testContext, testEvent, testFinding } from "./helpers/events.ts";
import { createTestPki, type TestPki } from "./helpers/https-receiver.ts";
import { type RsyslogReceiver, rsyslogAvailable, startRsyslog } from "./helpers/rsyslog-receiver.ts";

const logger = silentLogger;
const fastRetry = { baseMs: 20, capMs: 200, authRetryMs: 60_000 };
let pki: TestPki;
let stateDir: string;
let outbox: Outbox;
let rsyslog: RsyslogReceiver | undefined;
let deliverer: Deliverer | undefined;

beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "eca-syslog-"));
  outbox = openOutbox({ stateDir, logger });
});
afterEach(async () => {
  await deliverer?.stop();
  deliverer = undefined;
  outbox.close();
  await rsyslog?.close();
  rsyslog = undefined;
  rmSync(stateDir, { recursive: true, force: true });
});

function deliver(url: string, overrides: Partial<EndpointConfig> = {}, maxBatchEvents = 500): Deliverer {
  const sink = createSink(
    {
      url,
      caFile: pki.caFile,
      certFile: pki.clientCertFile,
      keyFile: pki.clientKeyFile,
      timeoutMs: 5_000,
      ...overrides,
    },
    { logger, agentVersion: "0.1.0", hostname: "laptop-42" },
  );
  deliverer = startDeliverer({ outbox, sink, logger, retry: fastRetry, idlePollMs: 50, maxBatchEvents });
  return deliverer;
}

const phone = {
  ...testFinding("ph").device,
  kind: "phone",
  builtIn: false,
  confidence: "strong",
  verdict: "violation",
  reason: "phone",
  evidence: [],
  findings: ["phone-charging"],
} as DeviceVerdict;

function realEvents(): NewEvent[] {
  const now = new Date("2026-03-01T09:05:00Z");
  const context = testContext();
  return [
    buildFindingEvent(
      "opened",
      { finding: testFinding("s1"), openedAt: "2026-03-01T09:00:00Z" },
      context,
      now,
    ),
    buildHeartbeat(
      {
        report: { compliant: false, devices: [phone], unavailable: [] },
        openFindings: 1,
        outbox: { depth: 0, deadLetters: 0, dropped: { superseded: 0, heartbeats: 0 } },
        reason: "interval",
      },
      context,
      now,
    ),
    buildPeripheralActivity("connected", phone, context, now),
  ];
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.skipIf(!rsyslogAvailable())("syslog over TLS into a real rsyslog", () => {
  for (const transport of ["relp", "rfc5425"] as const) {
    it(`events arrive (${transport === "relp" ? "RELP" : "RFC 5425, octet-counted"} over mutual TLS) and mmjsonparse sees class_uid and metadata.uid`, async () => {
      rsyslog = await startRsyslog({ pki });
      const events = realEvents();
      outbox.enqueue(events);
      await deliver(transport === "relp" ? rsyslog.relpUrl : rsyslog.url).drained();
      const lines = rsyslog.lines();
      expect(
        lines.map(({ parse, classUid, uid, msgId, pri }) => ({ parse, classUid, uid, msgId, pri })),
      ).toEqual([
        // facility 13 (log audit) * 8 + severity: High → 3 Error, Informational → 6.
        { parse: "OK", classUid: "2003", uid: events[0]?.uid, msgId: "compliance_finding", pri: "107" },
        { parse: "OK", classUid: "5001", uid: events[1]?.uid, msgId: "inventory_info", pri: "110" },
        { parse: "OK", classUid: "1010", uid: events[2]?.uid, msgId: "peripheral_activity", pri: "110" },
      ]);
      expect(lines[0]?.sd).toBe(`[ocsf@32473 uid="${events[0]?.uid}" class_uid="2003" version="1.8.0"]`);
      expect(outbox.stats().depth).toBe(0);
    });
  }

  it("RFC 5425 has no acknowledgement: a receiver that refuses our certificate still closes cleanly (why RELP is the transport for the outbox)", async () => {
    rsyslog = await startRsyslog({ pki });
    const sink = createSink(
      { url: rsyslog.url, caFile: pki.caFile, certFile: pki.strangerCertFile, keyFile: pki.strangerKeyFile },
      { logger, agentVersion: "0.1.0", hostname: "laptop-42" },
    );
    const [event] = realEvents();
    const result = await sink.send([
      {
        seq: 1,
        uid: event?.uid ?? "",
        kind: "finding",
        payload: JSON.stringify(event?.payload),
        attempts: 0,
      } as never,
    ]);
    expect(rsyslog.lines()).toEqual([]);
    // The send may look successful although nothing arrived: at most once.
    expect([200, undefined]).toContain(result.status);
  });

  it("RELP: a client certificate from another CA is refused and the events stay in the outbox", async () => {
    rsyslog = await startRsyslog({ pki });
    outbox.enqueue(realEvents());
    deliver(rsyslog.relpUrl, { certFile: pki.strangerCertFile, keyFile: pki.strangerKeyFile });
    await until(() => (deliverer?.state().consecutiveFailures ?? 0) >= 2);
    expect(rsyslog.lines()).toEqual([]);
    expect(outbox.stats().depth).toBe(3);
    expect(deliverer?.state().lastError).toMatch(/RELP: .*0 of 3 messages acknowledged/);
  });

  it("RELP: rsyslog stopped and started again mid-stream loses nothing", async () => {
    rsyslog = await startRsyslog({ pki });
    const events = Array.from({ length: 400 }, () => testEvent("heartbeat", undefined, 300));
    outbox.enqueue(events);
    deliver(rsyslog.relpUrl, {}, 20);
    await until(() => (rsyslog?.lines().length ?? 0) >= 60);
    await rsyslog.stop();
    await until(() => (deliverer?.state().consecutiveFailures ?? 0) >= 1);
    const during = outbox.stats().depth;
    expect(during).toBeGreaterThan(0);
    await rsyslog.start();
    await deliverer?.drained();
    const received = new Set(rsyslog.lines().map((line) => line.uid));
    const missing = events.filter((event) => !received.has(event.uid));
    expect(missing).toEqual([]);
    expect(outbox.stats()).toMatchObject({ depth: 0, deadLetters: 0 });
    expect(rsyslog.lines().every((line) => line.parse === "OK")).toBe(true);
  });

  it("over rsyslog's default 8k limit: sent without unmapped and marked is_truncated; still too large, a dead letter", async () => {
    rsyslog = await startRsyslog({ pki });
    const many = Array.from({ length: 60 }, (_, i) => ({
      ...phone,
      id: `dev-${i}`,
      name: `Phone number ${i}`,
    }));
    const heartbeat = buildHeartbeat(
      {
        report: { compliant: false, devices: many, unavailable: [] },
        openFindings: 60,
        outbox: { depth: 0, deadLetters: 0, dropped: { superseded: 0, heartbeats: 0 } },
        reason: "change",
      },
      testContext(),
      new Date(),
    );
    const huge = buildFindingEvent(
      "opened",
      { finding: testFinding("big", { remediation: "r".repeat(10_000) }), openedAt: "2026-03-01T09:00:00Z" },
      testContext(),
      new Date(),
    );
    expect(JSON.stringify(heartbeat.payload).length).toBeGreaterThan(8096);
    outbox.enqueue([heartbeat, huge]);
    await deliver(rsyslog.relpUrl).drained();
    expect(rsyslog.lines().map(({ parse, uid, truncated }) => ({ parse, uid, truncated }))).toEqual([
      { parse: "OK", uid: heartbeat.uid, truncated: "true" },
    ]);
    expect(outbox.stats()).toMatchObject({ depth: 0, deadLetters: 1 });
  });
});

describe("RFC 5424 messages", () => {
  it("header, structured data and octet-counting frame", () => {
    const payload = JSON.stringify({
      time: Date.parse("2026-03-01T09:05:00.123Z"),
      class_uid: 2003,
      severity_id: 5,
      metadata: { uid: 'a"b]', version: "1.8.0" },
    });
    const message = formatSyslogMessage(payload, { facility: 16 }, "laptop 42", "123");
    expect(message).toBe(
      `<130>1 2026-03-01T09:05:00.123Z laptop42 eca 123 compliance_finding [ocsf@32473 uid="a\\"b\\]" class_uid="2003" version="1.8.0"] ${payload}`,
    );
    const framed = frame("héllo");
    expect(framed.toString("utf8")).toBe("6 héllo");
  });
});
