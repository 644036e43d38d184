// The outbox's parts, each alone on a bare database: queueing, compaction, corruption handling,
// statistics. The composed outbox is tested in outbox.test.ts.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeRoom } from "../agent/outbox/compaction.ts";
import { isCorruption, moveAside } from "../agent/outbox/corruption.ts";
import { insertEvents, queuedBytes, selectBatch, serialize } from "../agent/outbox/queue.ts";
import { openChecked, openInMemory } from "../agent/outbox/schema.ts";
import { readStats } from "../agent/outbox/stats.ts";
import { testEvent } from "./helpers/events.ts";

const silent = pino({ level: "silent" });

describe("outbox parts", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "eca-parts-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("queue: inserts once per uid and batches the oldest first within the byte limit", () => {
    const db = openInMemory();
    const events = serialize([testEvent(), testEvent(), testEvent()]);
    const added = insertEvents(db, events, 1);
    expect(added).toBe(queuedBytes(db));
    expect(insertEvents(db, events.slice(0, 1), 2)).toBe(0);
    const batch = selectBatch(db, { maxEvents: 10, maxBytes: (events[0]?.bytes ?? 0) + 3 });
    expect(batch.map((e) => e.uid)).toEqual([events[0]?.event.uid]);
  });

  it("compaction: keeps the newest event per finding, then drops the oldest heartbeats", () => {
    const db = openInMemory();
    const events = serialize([
      testEvent("finding", "f1"),
      testEvent("heartbeat"),
      testEvent("finding", "f1"),
      testEvent("heartbeat"),
    ]);
    const queued = insertEvents(db, events, 1);
    const one = events[0]?.bytes ?? 0;
    const freed = makeRoom(db, { needed: one, queuedBytes: queued, maxBytes: queued - one, logger: silent });
    expect(freed).toBeGreaterThanOrEqual(2 * one);
    const left = selectBatch(db, { maxEvents: 10, maxBytes: 1e9 }).map((e) => e.uid);
    expect(left).toEqual([events[2]?.event.uid, events[3]?.event.uid]);
    const stats = readStats(db, { queuedBytes: queued - freed, maxBytes: null, durable: false, path: "" });
    expect(stats.dropped).toEqual({ superseded: 1, heartbeats: 1 });
  });

  it("corruption: a file that is not a database is recognised and moved aside", () => {
    const path = join(dir, "state.db");
    writeFileSync(path, "not a database ".repeat(400));
    let error: unknown;
    try {
      openChecked(path, "FULL");
    } catch (caught) {
      error = caught;
    }
    expect(isCorruption(error)).toBe(true);
    expect(isCorruption(new Error("disk I/O"))).toBe(false);
    moveAside(path, 42, silent, error);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.corrupt-42`)).toBe(true);
    openChecked(path, "FULL").close();
  });
});
