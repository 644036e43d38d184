// The durable outbox: every event is committed to the state database before anything else happens
// with it, and leaves only when the endpoint acknowledged it (2xx) or rejected it for good (dead letters).
// The same database keeps the open-findings set, so a finding's state change and its event commit
// together: a crash can neither lose the event of a change nor replay a change twice.

import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { Logger } from "pino";
import type { Finding } from "../../policy/types.ts";
import type { OpenFinding } from "../findings/lifecycle.ts";

export type EventKind = "finding" | "heartbeat";

/** An event to enqueue: `uid` is the OCSF `metadata.uid`, fixed when the event was built. */
export interface NewEvent {
  uid: string;
  kind: EventKind;
  findingId?: string;
  /** The event itself, serialised once here and sent byte for byte on every attempt. */
  payload: object;
}

export interface OutboxEvent {
  seq: number;
  uid: string;
  kind: EventKind;
  findingId: string | null;
  /** JSON text of the OCSF event. */
  payload: string;
  createdAt: number;
  attempts: number;
}

export interface DroppedCounts {
  /** Older events of a finding dropped because a newer event of the same finding was queued. */
  superseded: number;
  /** Heartbeats dropped, oldest first, to keep the outbox under its bound. */
  heartbeats: number;
}

export interface OutboxStats {
  depth: number;
  /** Sum of queued payload sizes: what the bound applies to. */
  bytes: number;
  /** Null when read by another process, which does not know the daemon's setting. */
  maxBytes: number | null;
  oldestCreatedAt: number | null;
  deadLetters: number;
  dropped: DroppedCounts;
  lastDeliveryAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  authPaused: boolean;
  /** False when the state directory could not be used and events only live in memory. */
  durable: boolean;
  path: string;
}

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
}

export interface FindingChanges {
  opened: OpenFinding[];
  resolvedIds: string[];
  events: NewEvent[];
}

export interface Outbox {
  enqueue(events: NewEvent[]): void;
  /** The oldest events, in order; always at least one when any is queued, whatever its size. */
  nextBatch(limits: BatchLimits): OutboxEvent[];
  ack(seqs: number[]): void;
  recordAttempt(seqs: number[]): void;
  deadLetter(seqs: number[], reason: string, status?: number): void;
  recordError(message: string): void;
  setAuthPaused(paused: boolean): void;
  loadOpenFindings(): Map<string, OpenFinding>;
  /** Open-set changes and their events in one transaction. */
  commitFindingChanges(changes: FindingChanges): void;
  stats(): OutboxStats;
  close(): void;
}

export interface OutboxOptions {
  stateDir: string;
  logger: Logger;
  /** Bound on queued payload bytes. Default 64 MiB. */
  maxBytes?: number;
  /** Dead letters kept, oldest removed first. Default 10,000. */
  maxDeadLetters?: number;
  /** SQLite synchronous mode; FULL unless measuring (see openChecked). */
  synchronous?: "FULL" | "NORMAL";
  now?: () => number;
}

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DB_FILE = "state.db";
const SCHEMA_VERSION = "1";

// SQLite primary result codes that mean the file itself is damaged or is not a database.
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uid TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('finding', 'heartbeat')),
  finding_id TEXT,
  payload TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_by_finding ON events (finding_id) WHERE finding_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind, seq);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  uid TEXT NOT NULL,
  kind TEXT NOT NULL,
  finding_id TEXT,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at INTEGER NOT NULL,
  status INTEGER,
  reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS open_findings (
  id TEXT PRIMARY KEY,
  finding TEXT NOT NULL,
  opened_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export function openOutbox(options: OutboxOptions): Outbox {
  const { stateDir, logger } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDeadLetters = options.maxDeadLetters ?? 10_000;
  const now = options.now ?? Date.now;
  const synchronous = options.synchronous ?? "FULL";
  const path = join(stateDir, DB_FILE);

  let db: DatabaseSync;
  let durable = true;
  let queuedBytes = 0;

  function open(): void {
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      db = openChecked(path, synchronous);
      durable = true;
    } catch (error) {
      if (isCorruption(error)) {
        moveAside(path, now(), logger, error);
        try {
          db = openChecked(path, synchronous);
          durable = true;
        } catch (again) {
          fallBackToMemory(again);
        }
      } else {
        fallBackToMemory(error);
      }
    }
    queuedBytes = Number(
      (db.prepare("SELECT COALESCE(SUM(bytes), 0) AS b FROM events").get() as { b: number | bigint }).b,
    );
  }

  function fallBackToMemory(error: unknown): void {
    // The agent must keep watching devices even when its state directory is unusable; events then
    // live only as long as the process, and `eca status` shows durable: false.
    logger.error(
      { err: error, path },
      "state database cannot be opened: keeping events in memory only until restart",
    );
    db = new DatabaseSync(":memory:");
    db.exec(SCHEMA);
    durable = false;
  }

  // Runs an operation; if the database turns out to be damaged while running, moves it aside,
  // rebuilds it and runs the operation once more on the fresh database.
  function guarded<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      if (!isCorruption(error) || !durable) throw error;
      try {
        db.close();
      } catch {
        // Already unusable; moving it aside is what matters.
      }
      moveAside(path, now(), logger, error);
      open();
      return operation();
    }
  }

  function transaction<T>(body: () => T): T {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  function getMeta(key: string): string | null {
    const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row ? row.value : null;
  }

  function setMeta(key: string, value: string): void {
    db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }

  function addToCounter(key: string, amount: number): void {
    if (amount <= 0) return;
    setMeta(key, String(Number(getMeta(key) ?? "0") + amount));
  }

  interface SerializedEvent {
    event: NewEvent;
    payload: string;
    bytes: number;
  }

  // Serialised once: the stored text is what is sent on every attempt, and what the bound counts.
  function serialize(events: NewEvent[]): SerializedEvent[] {
    return events.map((event) => {
      const payload = JSON.stringify(event.payload);
      return { event, payload, bytes: Buffer.byteLength(payload) };
    });
  }

  /** Inserts events, first making room for them under the bound. */
  function insertEvents(events: SerializedEvent[]): void {
    makeRoom(sum(events));
    const insert = db.prepare(
      "INSERT OR IGNORE INTO events (uid, kind, finding_id, payload, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const createdAt = now();
    for (const { event, payload, bytes } of events) {
      const result = insert.run(event.uid, event.kind, event.findingId ?? null, payload, bytes, createdAt);
      if (Number(result.changes) > 0) queuedBytes += bytes;
    }
  }

  // Makes room for `needed` more bytes: first keeps only the newest event of each finding, then
  // drops the oldest heartbeats. Finding events are never dropped beyond that: after compaction
  // there is at most one per finding, which the number of devices bounds.
  function makeRoom(needed: number): void {
    if (queuedBytes + needed <= maxBytes) return;
    const superseded = db
      .prepare(
        `DELETE FROM events WHERE finding_id IS NOT NULL AND seq NOT IN
           (SELECT MAX(seq) FROM events WHERE finding_id IS NOT NULL GROUP BY finding_id)
         RETURNING bytes`,
      )
      .all() as { bytes: number }[];
    let freed = sum(superseded);
    addToCounter("dropped_superseded", superseded.length);
    queuedBytes -= freed;

    let heartbeatsDropped = 0;
    const oldestHeartbeats = db.prepare(
      "SELECT seq, bytes FROM events WHERE kind = 'heartbeat' ORDER BY seq LIMIT 256",
    );
    const remove = db.prepare("DELETE FROM events WHERE seq = ?");
    while (queuedBytes + needed > maxBytes) {
      const rows = oldestHeartbeats.all() as { seq: number; bytes: number }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (queuedBytes + needed <= maxBytes) break;
        remove.run(row.seq);
        queuedBytes -= row.bytes;
        freed += row.bytes;
        heartbeatsDropped++;
      }
    }
    addToCounter("dropped_heartbeats", heartbeatsDropped);
    logger.warn(
      {
        supersededDropped: superseded.length,
        heartbeatsDropped,
        freedBytes: freed,
        queuedBytes,
        maxBytes,
      },
      queuedBytes + needed > maxBytes
        ? "outbox over its bound after compaction: keeping finding events anyway"
        : "outbox full: compacted",
    );
  }

  function deleteBySeq(seqs: number[]): void {
    if (seqs.length === 0) return;
    const rows = db
      .prepare(`DELETE FROM events WHERE seq IN (${placeholders(seqs.length)}) RETURNING bytes`)
      .all(...seqs) as { bytes: number }[];
    queuedBytes -= sum(rows);
  }

  open();

  return {
    enqueue(events) {
      if (events.length === 0) return;
      const serialized = serialize(events);
      guarded(() =>
        transaction(() => {
          insertEvents(serialized);
        }),
      );
    },

    nextBatch(limits) {
      return guarded(() => {
        const rows = db
          .prepare(
            "SELECT seq, uid, kind, finding_id, payload, bytes, created_at, attempts FROM events ORDER BY seq LIMIT ?",
          )
          .all(Math.max(1, limits.maxEvents)) as unknown as EventRow[];
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
      });
    },

    ack(seqs) {
      guarded(() =>
        transaction(() => {
          deleteBySeq(seqs);
          setMeta("last_delivery_at", String(now()));
          // Delivery works again: the last error is history, not the state (lastError cleared).
          db.prepare("DELETE FROM meta WHERE key IN ('last_error', 'last_error_at')").run();
        }),
      );
    },

    recordAttempt(seqs) {
      if (seqs.length === 0) return;
      guarded(() =>
        db
          .prepare(`UPDATE events SET attempts = attempts + 1 WHERE seq IN (${placeholders(seqs.length)})`)
          .run(...seqs),
      );
    },

    deadLetter(seqs, reason, status) {
      if (seqs.length === 0) return;
      guarded(() =>
        transaction(() => {
          db.prepare(
            `INSERT OR REPLACE INTO dead_letters
               (seq, uid, kind, finding_id, payload, created_at, attempts, failed_at, status, reason)
             SELECT seq, uid, kind, finding_id, payload, created_at, attempts, ?, ?, ?
             FROM events WHERE seq IN (${placeholders(seqs.length)})`,
          ).run(now(), status ?? null, reason, ...seqs);
          deleteBySeq(seqs);
          db.prepare(
            "DELETE FROM dead_letters WHERE seq NOT IN (SELECT seq FROM dead_letters ORDER BY seq DESC LIMIT ?)",
          ).run(maxDeadLetters);
          addToCounter("dead_lettered_total", seqs.length);
        }),
      );
    },

    recordError(message) {
      guarded(() =>
        transaction(() => {
          setMeta("last_error", message);
          setMeta("last_error_at", String(now()));
        }),
      );
    },

    setAuthPaused(paused) {
      guarded(() => setMeta("auth_paused", paused ? "1" : "0"));
    },

    loadOpenFindings() {
      return guarded(() => {
        const rows = db.prepare("SELECT id, finding, opened_at FROM open_findings").all() as {
          id: string;
          finding: string;
          opened_at: string;
        }[];
        const open = new Map<string, OpenFinding>();
        for (const row of rows) {
          open.set(row.id, { finding: JSON.parse(row.finding) as Finding, openedAt: row.opened_at });
        }
        return open;
      });
    },

    commitFindingChanges(changes) {
      const serialized = serialize(changes.events);
      guarded(() =>
        transaction(() => {
          const upsert = db.prepare(
            `INSERT INTO open_findings (id, finding, opened_at) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET finding = excluded.finding, opened_at = excluded.opened_at`,
          );
          for (const open of changes.opened) {
            upsert.run(open.finding.id, JSON.stringify(open.finding), open.openedAt);
          }
          const remove = db.prepare("DELETE FROM open_findings WHERE id = ?");
          for (const id of changes.resolvedIds) remove.run(id);
          if (serialized.length > 0) {
            insertEvents(serialized);
          }
        }),
      );
    },

    stats() {
      return guarded(() => {
        const queue = db.prepare("SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM events").get() as {
          depth: number;
          oldest: number | null;
        };
        const dead = db.prepare("SELECT COUNT(*) AS n FROM dead_letters").get() as { n: number };
        const numberOrNull = (value: string | null) => (value === null ? null : Number(value));
        return {
          depth: Number(queue.depth),
          bytes: queuedBytes,
          maxBytes,
          oldestCreatedAt: queue.oldest === null ? null : Number(queue.oldest),
          deadLetters: Number(dead.n),
          dropped: {
            superseded: Number(getMeta("dropped_superseded") ?? "0"),
            heartbeats: Number(getMeta("dropped_heartbeats") ?? "0"),
          },
          lastDeliveryAt: numberOrNull(getMeta("last_delivery_at")),
          lastError: getMeta("last_error"),
          lastErrorAt: numberOrNull(getMeta("last_error_at")),
          authPaused: getMeta("auth_paused") === "1",
          durable,
          path: durable ? path : ":memory:",
        };
      });
    },

    close() {
      try {
        db.close();
      } catch {
        // Closing twice is harmless.
      }
    },
  };
}

/**
 * For `eca status` in another process while the daemon runs: WAL lets a reader see the last
 * committed state without blocking the writer. Undefined when there is no state database yet.
 */
export function readOutboxStats(stateDir: string, logger: Logger): OutboxStats | undefined {
  const path = join(stateDir, DB_FILE);
  if (!existsSync(path)) return undefined;
  let reader: DatabaseSync | undefined;
  try {
    reader = new DatabaseSync(path, { readOnly: true });
    reader.exec("PRAGMA busy_timeout = 5000");
    const get = (sql: string) => reader?.prepare(sql).get() as Record<string, number | string | null>;
    const meta = new Map(
      (reader.prepare("SELECT key, value FROM meta").all() as { key: string; value: string }[]).map((r) => [
        r.key,
        r.value,
      ]),
    );
    const queue = get(
      "SELECT COUNT(*) AS depth, COALESCE(SUM(bytes), 0) AS bytes, MIN(created_at) AS oldest FROM events",
    );
    const dead = get("SELECT COUNT(*) AS n FROM dead_letters");
    const numberOrNull = (value: string | undefined) => (value === undefined ? null : Number(value));
    return {
      depth: Number(queue.depth),
      bytes: Number(queue.bytes),
      maxBytes: null,
      oldestCreatedAt: queue.oldest === null ? null : Number(queue.oldest),
      deadLetters: Number(dead.n),
      dropped: {
        superseded: Number(meta.get("dropped_superseded") ?? "0"),
        heartbeats: Number(meta.get("dropped_heartbeats") ?? "0"),
      },
      lastDeliveryAt: numberOrNull(meta.get("last_delivery_at")),
      lastError: meta.get("last_error") ?? null,
      lastErrorAt: numberOrNull(meta.get("last_error_at")),
      authPaused: meta.get("auth_paused") === "1",
      durable: true,
      path,
    };
  } catch (error) {
    logger.warn({ err: error, path }, "cannot read the state database");
    return undefined;
  } finally {
    reader?.close();
  }
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

function openChecked(path: string, synchronous: "FULL" | "NORMAL"): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    // FULL rather than NORMAL: with WAL, NORMAL survives a process crash but an OS crash or power
    // loss can lose the last commits. Events are few (device changes, one heartbeat every few
    // minutes), so the fsync per commit costs nothing that matters; bench/results/delivery.md
    // has the measured enqueue cost of both.
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    const check = db.prepare("PRAGMA quick_check").get() as { quick_check: string } | undefined;
    if (check?.quick_check !== "ok") {
      throw Object.assign(new Error(`quick_check failed: ${check?.quick_check ?? "no answer"}`), {
        errcode: SQLITE_CORRUPT,
      });
    }
    db.exec(SCHEMA);
    const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    if (!version) {
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(
        SCHEMA_VERSION as SQLInputValue,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function isCorruption(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { errcode?: unknown }).errcode;
  if (typeof code !== "number") return false;
  const primary = code & 0xff;
  return primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB;
}

function moveAside(path: string, timestamp: number, logger: Logger, cause: unknown): void {
  const aside = `${path}.corrupt-${timestamp}`;
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  logger.error(
    { err: cause, path, movedTo: aside },
    "state database is corrupt: moved it aside and started a new one; queued events in it were not sent",
  );
}

function placeholders(count: number): string {
  return new Array(count).fill("?").join(", ");
}

function sum(rows: { bytes: number }[]): number {
  let total = 0;
  for (const row of rows) total += Number(row.bytes);
  return total;
}
