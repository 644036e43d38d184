// The state database's file, schema and how it is opened: WAL, synchronous commits, a quick
// integrity check, and the tables created when missing.

import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { SQLITE_CORRUPT } from "./corruption.ts";

export const DB_FILE = "state.db";
const SCHEMA_VERSION = "1";

export const SCHEMA = `
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

export function openChecked(path: string, synchronous: "FULL" | "NORMAL"): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    // FULL rather than NORMAL: with WAL, NORMAL survives a process crash but an OS crash or power
    // loss can lose the last commits. Events are few (device changes, one heartbeat every few
    // minutes), so the fsync per commit costs nothing that matters; bench/results/delivery.md
    // has the measured enqueue cost of both.
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    // A 256 KiB page cache instead of SQLite's default 2 MB: the outbox is a short queue read
    // from its head, and the default filled up under churn (10,000 events delivered) and stayed in
    // the daemon's RSS for good (BENCHMARKS.md, Footprint).
    db.exec("PRAGMA cache_size = -256");
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

/** An empty database in memory with the same schema: where events live when the disk cannot be used. */
export function openInMemory(): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec(SCHEMA);
  return db;
}

/** Runs `body` in one write transaction, rolled back if it throws. */
export function transaction<T>(db: DatabaseSync, body: () => T): T {
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
