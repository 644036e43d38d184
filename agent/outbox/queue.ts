// Queueing: events in, oldest batch out, acknowledged or dead-lettered events removed. Each function
// takes the database and returns the change in queued bytes; the outbox keeps the running total.

import type { DatabaseSync } from "node:sqlite";
import { SEQ_IN_LIST, statement } from "./statements.ts";
import type { BatchLimits, EventKind, NewEvent, OutboxEvent } from "./types.ts";

export interface SerializedEvent {
  event: NewEvent;
  payload: string;
  bytes: number;
}

// Serialised once: the stored text is what is sent on every attempt, and what the bound counts.
export function serialize(events: NewEvent[]): SerializedEvent[] {
  return events.map((event) => {
    const payload = JSON.stringify(event.payload);
    return { event, payload, bytes: Buffer.byteLength(payload) };
  });
}

/** Inserts events (a uid already queued is ignored); returns the bytes added. */
export function insertEvents(db: DatabaseSync, events: SerializedEvent[], createdAt: number): number {
  const insert = statement(
    db,
    "INSERT OR IGNORE INTO events (uid, kind, finding_id, payload, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  let added = 0;
  for (const { event, payload, bytes } of events) {
    const result = insert.run(event.uid, event.kind, event.findingId ?? null, payload, bytes, createdAt);
    if (Number(result.changes) > 0) added += bytes;
  }
  return added;
}

interface EventRow {
  seq: number | bigint;
  uid: string;
  kind: EventKind;
  finding_id: string | null;
  payload: string;
  bytes: number;
  created_at: number | bigint;
  attempts: number | bigint;
}

/** The oldest events within the limits; always at least one when any is queued, whatever its size. */
export function selectBatch(db: DatabaseSync, limits: BatchLimits): OutboxEvent[] {
  const rows = statement(
    db,
    "SELECT seq, uid, kind, finding_id, payload, bytes, created_at, attempts FROM events ORDER BY seq LIMIT ?",
  ).all(Math.max(1, limits.maxEvents)) as unknown as EventRow[];
  const batch: OutboxEvent[] = [];
  let bytes = 0;
  for (const row of rows) {
    // JSON array framing: one comma per event plus the brackets.
    const cost = row.bytes + 1;
    if (batch.length > 0 && bytes + cost + 1 > limits.maxBytes) break;
    bytes += cost;
    batch.push({
      seq: Number(row.seq),
      uid: row.uid,
      kind: row.kind,
      findingId: row.finding_id,
      payload: row.payload,
      createdAt: Number(row.created_at),
      attempts: Number(row.attempts),
    });
  }
  return batch;
}

/** Removes events by seq; returns the bytes freed. */
export function deleteBySeq(db: DatabaseSync, seqs: number[]): number {
  if (seqs.length === 0) return 0;
  const rows = statement(db, `DELETE FROM events WHERE ${SEQ_IN_LIST} RETURNING bytes`).all(
    JSON.stringify(seqs),
  ) as { bytes: number }[];
  return sum(rows);
}

export function recordAttempt(db: DatabaseSync, seqs: number[]): void {
  statement(db, `UPDATE events SET attempts = attempts + 1 WHERE ${SEQ_IN_LIST}`).run(JSON.stringify(seqs));
}

/** Copies events to the dead letters (keeping the newest `keep`); returns the bytes freed. */
export function moveToDeadLetters(
  db: DatabaseSync,
  seqs: number[],
  failure: { at: number; reason: string; status: number | null; keep: number },
): number {
  statement(
    db,
    `INSERT OR REPLACE INTO dead_letters
       (seq, uid, kind, finding_id, payload, created_at, attempts, failed_at, status, reason)
     SELECT seq, uid, kind, finding_id, payload, created_at, attempts, ?, ?, ?
     FROM events WHERE ${SEQ_IN_LIST}`,
  ).run(failure.at, failure.status, failure.reason, JSON.stringify(seqs));
  const freed = deleteBySeq(db, seqs);
  statement(
    db,
    "DELETE FROM dead_letters WHERE seq NOT IN (SELECT seq FROM dead_letters ORDER BY seq DESC LIMIT ?)",
  ).run(failure.keep);
  return freed;
}

export function queuedBytes(db: DatabaseSync): number {
  return Number(
    (statement(db, "SELECT COALESCE(SUM(bytes), 0) AS b FROM events").get() as { b: number | bigint }).b,
  );
}

export function sum(rows: { bytes: number }[]): number {
  let total = 0;
  for (const row of rows) total += Number(row.bytes);
  return total;
}
