import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger, silentLogger } from "../agent/log.ts";
import { DB_FILE, openOutbox, readOutboxStats } from "../agent/outbox/outbox.ts";
import { testEvent, testFinding } from "./helpers/events.ts";

const logger = silentLogger;
let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "eca-outbox-"));
});
afterEach(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

describe("outbox", () => {
  it("keeps events in order until they are acknowledged, across reopen", () => {
    const outbox = openOutbox({ stateDir, logger });
    const events = [testEvent(), testEvent("finding", "f1"), testEvent()];
    outbox.enqueue(events);
    const batch = outbox.nextBatch({ maxEvents: 2, maxBytes: 1_000_000 });
    expect(batch.map((event) => event.uid)).toEqual([events[0]?.uid, events[1]?.uid]);
    expect(JSON.parse(batch[0]?.payload ?? "")).toEqual(events[0]?.payload);
    outbox.recordAttempt(batch.map((event) => event.seq));
    outbox.close();

    const reopened = openOutbox({ stateDir, logger });
    const again = reopened.nextBatch({ maxEvents: 10, maxBytes: 1_000_000 });
    expect(again.map((event) => event.uid)).toEqual(events.map((event) => event.uid));
    expect(again[0]?.attempts).toBe(1);
    reopened.ack([again[0]?.seq ?? -1, again[1]?.seq ?? -1]);
    expect(reopened.stats().depth).toBe(1);
    expect(reopened.stats().lastDeliveryAt).not.toBeNull();
    reopened.close();
  });

  it("ignores an event enqueued twice with the same uid", () => {
    const outbox = openOutbox({ stateDir, logger });
    const event = testEvent();
    outbox.enqueue([event]);
    outbox.enqueue([event]);
    expect(outbox.stats().depth).toBe(1);
    outbox.close();
  });

  it("limits batches to the event count and byte size, but always returns one event", () => {
    const outbox = openOutbox({ stateDir, logger });
    outbox.enqueue(Array.from({ length: 600 }, () => testEvent("heartbeat", undefined, 1000)));
    expect(outbox.nextBatch({ maxEvents: 500, maxBytes: 10_000_000 })).toHaveLength(500);
    const byBytes = outbox.nextBatch({ maxEvents: 500, maxBytes: 10_000 });
    expect(byBytes.length).toBeGreaterThan(5);
    expect(byBytes.reduce((total, event) => total + event.payload.length + 1, 1)).toBeLessThanOrEqual(10_000);
    expect(outbox.nextBatch({ maxEvents: 500, maxBytes: 10 })).toHaveLength(1);
    outbox.close();
  });

  it("moves rejected events to dead letters and counts them", () => {
    const outbox = openOutbox({ stateDir, logger });
    outbox.enqueue([testEvent(), testEvent()]);
    const batch = outbox.nextBatch({ maxEvents: 1, maxBytes: 1_000_000 });
    outbox.deadLetter(
      batch.map((event) => event.seq),
      "HTTP 400",
      400,
    );
    const stats = outbox.stats();
    expect(stats.depth).toBe(1);
    expect(stats.deadLetters).toBe(1);
    outbox.close();
  });

  it("when full, keeps only the newest event per finding, then drops the oldest heartbeats, and counts both", () => {
    const outbox = openOutbox({ stateDir, logger, maxBytes: 20_000 });
    const finding = [testEvent("finding", "f1", 3000), testEvent("finding", "f1", 3000)];
    outbox.enqueue(finding);
    const heartbeats = Array.from({ length: 7 }, () => testEvent("heartbeat", undefined, 2000));
    outbox.enqueue(heartbeats);
    const other = testEvent("finding", "f2", 3000);
    outbox.enqueue([other]);

    const uids = outbox.nextBatch({ maxEvents: 100, maxBytes: 10_000_000 }).map((event) => event.uid);
    expect(uids).not.toContain(finding[0]?.uid);
    expect(uids).toContain(finding[1]?.uid);
    expect(uids).toContain(other.uid);
    const stats = outbox.stats();
    expect(stats.bytes).toBeLessThanOrEqual(20_000);
    expect(stats.dropped.superseded).toBe(1);
    expect(stats.dropped.heartbeats).toBeGreaterThan(0);
    // The newest heartbeats survive.
    expect(uids).toContain(heartbeats[6]?.uid);
    expect(uids).not.toContain(heartbeats[0]?.uid);
    outbox.close();
  });

  it("keeps finding events even beyond the bound: only superseded ones and heartbeats are ever dropped", () => {
    const outbox = openOutbox({ stateDir, logger, maxBytes: 5_000 });
    const findings = Array.from({ length: 5 }, (_, i) => testEvent("finding", `f${i}`, 2000));
    outbox.enqueue(findings);
    expect(outbox.stats().depth).toBe(5);
    outbox.close();
  });

  it("persists the open findings with their events in one transaction", () => {
    const outbox = openOutbox({ stateDir, logger });
    const finding = testFinding("a");
    outbox.commitFindingChanges({
      opened: [{ finding, openedAt: "2026-01-01T00:00:00.000Z" }],
      resolvedIds: [],
      events: [testEvent("finding", "a")],
    });
    outbox.close();
    const reopened = openOutbox({ stateDir, logger });
    expect(reopened.loadOpenFindings().get("a")).toEqual({ finding, openedAt: "2026-01-01T00:00:00.000Z" });
    expect(reopened.stats().depth).toBe(1);
    reopened.commitFindingChanges({ opened: [], resolvedIds: ["a"], events: [testEvent("finding", "a")] });
    expect(reopened.loadOpenFindings().size).toBe(0);
    expect(reopened.stats().depth).toBe(2);
    reopened.close();
  });

  it("moves a corrupt database aside, logs it, and starts a fresh one", () => {
    writeFileSync(join(stateDir, DB_FILE), Buffer.alloc(8192, 0x5a));
    const lines: string[] = [];
    const capture = createLogger("error", { write: (line: string) => lines.push(line) });
    const outbox = openOutbox({ stateDir, logger: capture, now: () => 1_700_000_000_000 });
    expect(existsSync(join(stateDir, `${DB_FILE}.corrupt-1700000000000`))).toBe(true);
    expect(lines.join("")).toContain("state database is corrupt");
    outbox.enqueue([testEvent()]);
    expect(outbox.stats()).toMatchObject({ depth: 1, durable: true });
    outbox.close();
  });

  it("recovers from corruption found after opening", () => {
    const outbox = openOutbox({ stateDir, logger });
    outbox.enqueue([testEvent()]);
    outbox.close();
    // Damage the pages after the header: SQLite notices on the next read.
    const path = join(stateDir, DB_FILE);
    const { size } = statSync(path);
    writeFileSync(path, Buffer.concat([readFileSync(path).subarray(0, 100), Buffer.alloc(size - 100, 0xff)]));
    const recovered = openOutbox({ stateDir, logger });
    recovered.enqueue([testEvent()]);
    expect(recovered.stats().depth).toBe(1);
    expect(readdirSync(stateDir).some((name) => name.startsWith(`${DB_FILE}.corrupt-`))).toBe(true);
    recovered.close();
  });

  it("keeps running in memory when the state directory is unusable", () => {
    const blocker = join(stateDir, "not-a-dir");
    writeFileSync(blocker, "");
    const outbox = openOutbox({ stateDir: join(blocker, "state"), logger });
    outbox.enqueue([testEvent()]);
    expect(outbox.stats()).toMatchObject({ depth: 1, durable: false });
    outbox.close();
  });

  it("lets another process read the stats while the daemon holds the database", () => {
    const outbox = openOutbox({ stateDir, logger });
    outbox.enqueue([testEvent(), testEvent()]);
    outbox.setAuthPaused(true);
    outbox.recordError("HTTP 401");
    expect(readOutboxStats(stateDir, logger)).toMatchObject({
      depth: 2,
      authPaused: true,
      lastError: "HTTP 401",
    });
    outbox.close();
    expect(readOutboxStats(join(stateDir, "missing"), logger)).toBeUndefined();
  });

  it("state lost: a database found corrupt at start keeps the open set and the events it still holds", () => {
    const outbox = openOutbox({ stateDir, logger });
    const queued = testEvent("finding", "f1");
    outbox.commitFindingChanges({
      opened: [{ finding: testFinding("f1"), openedAt: "2026-12-01T09:00:00.000Z" }],
      resolvedIds: [],
      events: [queued],
    });
    outbox.close();
    // Damage one index page only: quick_check fails, the tables themselves can still be read.
    const path = join(stateDir, DB_FILE);
    const probe = new DatabaseSync(path, { readOnly: true });
    const { rootpage } = probe
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'events_by_kind'")
      .get() as { rootpage: number };
    const pageSize = Number((probe.prepare("PRAGMA page_size").get() as { page_size: number }).page_size);
    probe.close();
    const bytes = readFileSync(path);
    bytes.fill(0xa5, (rootpage - 1) * pageSize, rootpage * pageSize);
    writeFileSync(path, bytes);

    const recovered = openOutbox({ stateDir, logger });
    expect(readdirSync(stateDir).some((name) => name.startsWith(`${DB_FILE}.corrupt-`))).toBe(true);
    expect([...recovered.loadOpenFindings().keys()]).toEqual(["f1"]);
    expect(recovered.nextBatch({ maxEvents: 10, maxBytes: 1e6 }).map((e) => e.uid)).toEqual([queued.uid]);
    expect(recovered.stats().lastRebuild?.reason).toBe("the database was corrupt at start");
    recovered.close();
  });
});
