// The durable outbox: every event is committed to the state database before anything else happens
// with it, and leaves only when the endpoint acknowledged it (2xx) or rejected it for good (dead letters).
// The same database keeps the open-findings set, so a finding's state change and its event commit
// together: a crash can neither lose the event of a change nor replay a change twice.
//
// This file composes the parts, each readable and testable alone: schema.ts (the file and its
// tables), queue.ts (events in and out), compaction.ts (the byte bound), corruption.ts (a damaged
// file moved aside), open-findings.ts and stats.ts.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "pino";
import { makeRoom } from "./compaction.ts";
import { isCorruption, moveAside } from "./corruption.ts";
import { loadOpenFindings, storeOpenFindings } from "./open-findings.ts";
import {
  deleteBySeq,
  insertEvents,
  moveToDeadLetters,
  recordAttempt,
  type SerializedEvent,
  selectBatch,
  serialize,
  sum,
  queuedBytes as sumQueuedBytes,
} from "./queue.ts";
import { DB_FILE, openChecked, openInMemory, transaction } from "./schema.ts";
import { addToCounter, readStats, setMeta } from "./stats.ts";
import type { Outbox } from "./types.ts";

export { DB_FILE } from "./schema.ts";
export { readOutboxStats } from "./stats.ts";
export type * from "./types.ts";

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
    queuedBytes = sumQueuedBytes(db);
  }

  function fallBackToMemory(error: unknown): void {
    // The agent must keep watching devices even when its state directory is unusable; events then
    // live only as long as the process, and `eca status` shows durable: false.
    logger.error(
      { err: error, path },
      "state database cannot be opened: keeping events in memory only until restart",
    );
    db = openInMemory();
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

  /** Inserts events, first making room for them under the bound. */
  function insert(events: SerializedEvent[]): void {
    queuedBytes -= makeRoom(db, { needed: sum(events), queuedBytes, maxBytes, logger });
    queuedBytes += insertEvents(db, events, now());
  }

  open();

  return {
    enqueue(events) {
      if (events.length === 0) return;
      const serialized = serialize(events);
      guarded(() => transaction(db, () => insert(serialized)));
    },

    nextBatch(limits) {
      return guarded(() => selectBatch(db, limits));
    },

    ack(seqs) {
      guarded(() =>
        transaction(db, () => {
          queuedBytes -= deleteBySeq(db, seqs);
          setMeta(db, "last_delivery_at", String(now()));
        }),
      );
    },

    recordAttempt(seqs) {
      if (seqs.length === 0) return;
      guarded(() => recordAttempt(db, seqs));
    },

    deadLetter(seqs, reason, status) {
      if (seqs.length === 0) return;
      guarded(() =>
        transaction(db, () => {
          queuedBytes -= moveToDeadLetters(db, seqs, {
            at: now(),
            reason,
            status: status ?? null,
            keep: maxDeadLetters,
          });
          addToCounter(db, "dead_lettered_total", seqs.length);
        }),
      );
    },

    recordError(message) {
      guarded(() =>
        transaction(db, () => {
          setMeta(db, "last_error", message);
          setMeta(db, "last_error_at", String(now()));
        }),
      );
    },

    setAuthPaused(paused) {
      guarded(() => setMeta(db, "auth_paused", paused ? "1" : "0"));
    },

    loadOpenFindings() {
      return guarded(() => loadOpenFindings(db));
    },

    commitFindingChanges(changes) {
      const serialized = serialize(changes.events);
      guarded(() =>
        transaction(db, () => {
          storeOpenFindings(db, changes.opened, changes.resolvedIds);
          if (serialized.length > 0) insert(serialized);
        }),
      );
    },

    stats() {
      return guarded(() =>
        readStats(db, { queuedBytes, maxBytes, durable, path: durable ? path : ":memory:" }),
      );
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
