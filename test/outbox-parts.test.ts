// The outbox's parts, each alone on a bare database: queueing, compaction, corruption handling,
// statistics. The composed outbox is tested in outbox.test.ts.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../agent/log.ts";
import { makeRoom } from "../agent/outbox/compaction.ts";
import { isCorruption, moveAside } from "../agent/outbox/corruption.ts";
import { createHeldWrites } from "../agent/outbox/held-writes.ts";
import { insertEvents, queuedBytes, selectBatch, serialize } from "../agent/outbox/queue.ts";
import { copyRows, MEMORY_SEQ_START, snapshotInto } from "../agent/outbox/rebuild.ts";
import { openChecked, openInMemory } from "../agent/outbox/schema.ts";
import { readStats } from "../agent/outbox/stats.ts";
import { testEvent } from "./helpers/events.ts";

const silent = silentLogger;

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

  it("rebuild: a snapshot keeps every event with its seq; rows merge into a file that is there", () => {
    const memory = openInMemory();
    memory.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(MEMORY_SEQ_START);
    const events = serialize([testEvent(), testEvent("finding", "f1")]);
    insertEvents(memory, events, 1);
    const target = join(dir, "copy.db");
    expect(snapshotInto(memory, target, silent).method).toBe("vacuum");
    const copy = openChecked(target, "FULL");
    const seqs = selectBatch(copy, { maxEvents: 10, maxBytes: 1e9 }).map((e) => e.seq);
    expect(seqs).toEqual([MEMORY_SEQ_START + 1, MEMORY_SEQ_START + 2]);

    const existing = openChecked(join(dir, "existing.db"), "FULL");
    insertEvents(existing, serialize([testEvent()]), 1);
    copyRows(memory, existing, silent);
    // Inserted again: already there, kept once.
    copyRows(copy, existing, silent);
    expect(selectBatch(existing, { maxEvents: 10, maxBytes: 1e9 }).map((e) => e.seq)).toEqual([1, ...seqs]);
    copy.close();
    existing.close();
  });

  it("held writes: kept in order; over the bound the oldest heartbeats go, finding changes stay", () => {
    const [finding, beat1, beat2] = serialize([testEvent("finding", "f1"), testEvent(), testEvent()]);
    if (!finding || !beat1 || !beat2) throw new Error("no events");
    const held = createHeldWrites(finding.bytes + beat1.bytes + 1);
    held.hold({ events: [finding, beat1], opened: [], resolvedIds: [] });
    held.hold({ events: [beat2], opened: [], resolvedIds: [] });
    expect(held.size).toBe(2);
    expect(held.events()).toBe(2);
    expect(held.oldest()?.events.map((e) => e.event.uid)).toEqual([finding.event.uid]);
    held.done();
    expect(held.oldest()?.events.map((e) => e.event.uid)).toEqual([beat2.event.uid]);
    held.done();
    expect(held.oldest()).toBeUndefined();
  });
});
