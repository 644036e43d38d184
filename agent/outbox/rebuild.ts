// Rebuilding: copying what a database holds (queued events with their seq, dead letters, counters)
// into another. Used when the file was removed or replaced under the daemon, after corruption, and
// when a state directory that could not be used at start becomes usable. A whole copy goes through
// VACUUM INTO (page by page, nothing held in JavaScript); a damaged database is copied row by row,
// each table on its own, so a damaged table does not stop the rest. The new file is built under a
// temporary name and moved into place, so the old connection never sees a new file at its own path.

import { chmodSync, rmSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import type { OpenFinding } from "../findings/lifecycle.ts";
import type { Logger } from "../log.ts";
import { isCorruption } from "./corruption.ts";
import { storeOpenFindings } from "./open-findings.ts";
import { openChecked, transaction } from "./schema.ts";

/** Events in memory get seqs from here on, so they never collide with a file's when copied into it. */
export const MEMORY_SEQ_START = 2 ** 40;

export interface CopyResult {
  /** "vacuum": a whole copy; "rows": table by table, what could be read. */
  method: "vacuum" | "rows";
  /** Tables that could not be read from the source (damaged). */
  unreadable: string[];
}

const TABLES = {
  events: "seq, uid, kind, finding_id, payload, bytes, created_at, attempts",
  dead_letters: "seq, uid, kind, finding_id, payload, created_at, attempts, failed_at, status, reason",
  meta: "key, value",
} as const;

/** Copies rows into `to` (an event whose uid is there already is kept once). */
export function copyRows(from: DatabaseSync, to: DatabaseSync, logger: Logger): CopyResult {
  const rows: Partial<Record<keyof typeof TABLES, Record<string, unknown>[]>> = {};
  const unreadable: string[] = [];
  for (const [table, columns] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) {
    try {
      rows[table] = from.prepare(`SELECT ${columns} FROM ${table}`).all() as Record<string, unknown>[];
    } catch (error) {
      unreadable.push(table);
      logger.warn({ err: error, table }, "could not read this table of the old state database");
    }
  }
  transaction(to, () => {
    for (const [table, columns] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) {
      const names = columns.split(", ");
      const verb = table === "events" ? "INSERT OR IGNORE" : "INSERT OR REPLACE";
      const insert = to.prepare(
        `${verb} INTO ${table} (${columns}) VALUES (${names.map(() => "?").join(", ")})`,
      );
      for (const row of rows[table] ?? []) {
        // The new file's own schema version stays.
        if (table === "meta" && row.key === "schema_version") continue;
        insert.run(...names.map((name) => row[name] as string | number | bigint | null));
      }
    }
  });
  return { method: "rows", unreadable };
}

/** Removes a database file and its companions; quietly, as cleanup on a disk that may be failing. */
export function removeDatabase(path: string): void {
  for (const extension of ["", "-wal", "-shm", "-journal"]) {
    try {
      rmSync(path + extension, { force: true });
    } catch {
      // Nothing there to remove (or no directory): nothing to clean up.
    }
  }
}

/**
 * Writes a copy of `from` to a new file at `target` (anything there is removed first), closed and
 * complete: whole with VACUUM INTO, row by row when `from` turns out damaged.
 */
export function snapshotInto(from: DatabaseSync, target: string, logger: Logger): CopyResult {
  removeDatabase(target);
  try {
    from.exec(`VACUUM INTO '${target.replaceAll("'", "''")}'`);
    // State is the agent's alone, whatever the umask.
    chmodSync(target, 0o600);
    return { method: "vacuum", unreadable: [] };
  } catch (error) {
    if (!isCorruption(error)) {
      removeDatabase(target);
      throw error;
    }
    removeDatabase(target);
  }
  const to = openChecked(target, "FULL");
  chmodSync(target, 0o600);
  try {
    return copyRows(from, to, logger);
  } finally {
    // Closing the last connection checkpoints the WAL into the file and removes it.
    to.close();
  }
}

/** The open set as the daemon holds it replaces whatever the file says. */
export function replaceOpenFindings(db: DatabaseSync, openSet: Map<string, OpenFinding>): void {
  db.exec("DELETE FROM open_findings");
  storeOpenFindings(db, [...openSet.values()], []);
}
