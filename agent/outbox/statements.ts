// Prepared statements kept per database connection and reused, instead of one prepared per call.
// A statement's SQLite memory is freed only when V8 collects its JavaScript wrapper, which V8 sizes
// at a few bytes; under churn (1,000 findings a scan, a status answer every few milliseconds) the
// daemon's native heap filled with statements waiting for a collection and stayed that large
// (BENCHMARKS.md, Footprint). Lists of seqs are bound as one JSON array (json_each), so a batch of
// any size uses the same statement.

import type { DatabaseSync, StatementSync } from "node:sqlite";

const cache = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** The statement for `sql` on `db`, prepared on first use. */
export function statement(db: DatabaseSync, sql: string): StatementSync {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let prepared = statements.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
}

/** `seq IN (…)` for a list bound as one JSON array parameter. */
export const SEQ_IN_LIST = "seq IN (SELECT value FROM json_each(?))";
