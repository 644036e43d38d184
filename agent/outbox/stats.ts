// Statistics: the counters and markers kept in the meta table, and the figures `eca status` shows,
// read either by the daemon itself or, read-only, by another process.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Logger } from "../log.ts";
import { DB_FILE } from "./schema.ts";
import { statement } from "./statements.ts";
import type { OutboxStats } from "./types.ts";

export function getMeta(db: DatabaseSync, key: string): string | null {
  const row = statement(db, "SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return row ? row.value : null;
}

export function setMeta(db: DatabaseSync, key: string, value: string): void {
  statement(
    db,
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ).run(key, value);
}

export function addToCounter(db: DatabaseSync, key: string, amount: number): void {
  if (amount <= 0) return;
  setMeta(db, key, String(Number(getMeta(db, key) ?? "0") + amount));
}

/** The statistics of an open database; the caller knows the bound and whether it is durable. */
export function readStats(
  db: DatabaseSync,
  own: { queuedBytes: number; maxBytes: number | null; durable: boolean; path: string },
): OutboxStats {
  const queue = statement(db, "SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM events").get() as {
    depth: number;
    oldest: number | null;
  };
  const dead = statement(db, "SELECT COUNT(*) AS n FROM dead_letters").get() as { n: number };
  const meta = new Map(
    (statement(db, "SELECT key, value FROM meta").all() as { key: string; value: string }[]).map((r) => [
      r.key,
      r.value,
    ]),
  );
  const numberOrNull = (value: string | undefined) => (value === undefined ? null : Number(value));
  return {
    depth: Number(queue.depth),
    bytes: own.queuedBytes,
    maxBytes: own.maxBytes,
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
    durable: own.durable,
    path: own.path,
    pendingWrites: 0,
    storageProblem: null,
    lastRebuild: meta.has("last_rebuild_at")
      ? { at: Number(meta.get("last_rebuild_at")), reason: meta.get("last_rebuild_reason") ?? "" }
      : null,
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
    const bytes = reader.prepare("SELECT COALESCE(SUM(bytes), 0) AS b FROM events").get() as { b: number };
    return readStats(reader, { queuedBytes: Number(bytes.b), maxBytes: null, durable: true, path });
  } catch (error) {
    logger.warn({ err: error, path }, "cannot read the state database");
    return undefined;
  } finally {
    reader?.close();
  }
}
