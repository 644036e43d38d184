// Rebuilding: copying what a database holds (queued events with their seq, dead letters, counters)
// into another, and writing the open set the daemon holds in memory. Used when the file was removed
// or replaced under the daemon, after corruption, and when a state directory that could not be used
// at start becomes usable. Each table is copied on its own, so a damaged one does not stop the rest.

import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "pino";
import type { OpenFinding } from "../findings/lifecycle.ts";
import { storeOpenFindings } from "./open-findings.ts";
import { transaction } from "./schema.ts";

/** Events in memory get seqs from here on, so they never collide with a file's when copied into it. */
export const MEMORY_SEQ_START = 2 ** 40;

export interface CopyResult {
  events: number;
  /** Tables that could not be read from the source (damaged). */
  unreadable: string[];
}

const TABLES = {
  events: "seq, uid, kind, finding_id, payload, bytes, created_at, attempts",
  dead_letters: "seq, uid, kind, finding_id, payload, created_at, attempts, failed_at, status, reason",
  meta: "key, value",
} as const;

export function copyState(
  from: DatabaseSync,
  to: DatabaseSync,
  openSet: Map<string, OpenFinding>,
  logger: Logger,
): CopyResult {
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
    to.exec("DELETE FROM open_findings");
    storeOpenFindings(to, [...openSet.values()], []);
  });
  return { events: rows.events?.length ?? 0, unreadable };
}
