// The durable outbox: every event is committed to the state database before anything else happens
// with it, and leaves only when the endpoint acknowledged it (2xx) or rejected it for good (dead letters).
// The same database keeps the open-findings set, so a finding's state change and its event commit
// together: a crash can neither lose the event of a change nor replay a change twice.
//
// This file composes the parts, each readable and testable alone: schema.ts (the file and its
// tables), queue.ts (events in and out), compaction.ts (the byte bound), stats.ts, open-findings.ts,
// and state-file.ts (the file on a failing disk: corruption.ts, storage.ts, rebuild.ts, lock.ts).
// held-writes.ts keeps what the disk refused. What stays here: the API and the open set in memory.
//
// When the disk cannot take a write (full, read-only, gone), the change is kept in memory, in
// order, and written once the disk takes writes again; the open set is always kept in memory as
// well, so whatever happens to the file, the daemon can write it into a new one.

import type { OpenFinding } from "../findings/lifecycle.ts";
import type { Logger } from "../log.ts";
import { makeRoom } from "./compaction.ts";
import { isCorruption } from "./corruption.ts";
import { createHeldWrites, type PendingWrite } from "./held-writes.ts";
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
import { transaction } from "./schema.ts";
import { openStateFile } from "./state-file.ts";
import { addToCounter, readStats, setMeta } from "./stats.ts";
import { isStorageError } from "./storage.ts";
import type { Outbox } from "./types.ts";

export { DB_FILE } from "./schema.ts";
export { readOutboxStats } from "./stats.ts";
export type * from "./types.ts";

export interface OutboxOptions {
  stateDir: string;
  logger: Logger;
  /** Bound on queued payload bytes (and on writes held in memory). Default 64 MiB. */
  maxBytes?: number;
  /** Dead letters kept, oldest removed first. Default 10,000. */
  maxDeadLetters?: number;
  /** SQLite synchronous mode; FULL unless measuring (see openChecked). */
  synchronous?: "FULL" | "NORMAL";
  /** Take the state directory's lock (lock.ts): the daemon does, tools and tests need not. */
  exclusive?: boolean;
  now?: () => number;
}

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export function openOutbox(options: OutboxOptions): Outbox {
  const { logger } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDeadLetters = options.maxDeadLetters ?? 10_000;
  const now = options.now ?? Date.now;

  let queuedBytes = 0;
  /** The open set as the daemon knows it, whatever the file holds. */
  let openSet = new Map<string, OpenFinding>();
  const pending = createHeldWrites(maxBytes);
  let checking = false;

  const file = openStateFile({
    stateDir: options.stateDir,
    logger,
    synchronous: options.synchronous ?? "FULL",
    exclusive: options.exclusive ?? false,
    now,
    openSet: () => openSet,
    onNewDatabase: (db) => {
      queuedBytes = sumQueuedBytes(db);
    },
  });
  const { path } = file;
  openSet = loadOpenFindings(file.db);

  /** The file first (removed, replaced, usable again), then the writes held in memory. */
  function check(force = false): void {
    if (checking) return;
    checking = true;
    try {
      file.check(force);
      if (pending.size > 0 && file.durable && file.mayRetry(force)) flush();
    } finally {
      checking = false;
    }
  }

  // Runs an operation; if the database turns out to be damaged while running, moves it aside,
  // rebuilds it with the open set (and whatever can still be read) and runs it once more.
  function guarded<T>(operation: () => T): T {
    check();
    try {
      return operation();
    } catch (error) {
      if (!isCorruption(error) || !file.durable) throw error;
      file.recoverFromCorruption(error);
      return operation();
    }
  }

  /** Inserts events, first making room for them under the bound. */
  function insert(events: SerializedEvent[]): void {
    queuedBytes -= makeRoom(file.db, { needed: sum(events), queuedBytes, maxBytes, logger });
    queuedBytes += insertEvents(file.db, events, now());
  }

  function commit(write: PendingWrite): void {
    guarded(() =>
      transaction(file.db, () => {
        storeOpenFindings(file.db, write.opened, write.resolvedIds);
        if (write.events.length > 0) insert(write.events);
      }),
    );
  }

  /** Writes what was held in memory, oldest first, until the disk refuses again. */
  function flush(): void {
    const held = pending.size;
    for (let next = pending.oldest(); next; next = pending.oldest()) {
      try {
        commit(next);
      } catch (error) {
        if (!isStorageError(error)) throw error;
        file.refused(error, "state database still cannot be written");
        return;
      }
      pending.done();
    }
    file.writable();
    logger.warn({ path, writes: held }, "state database writable again: changes held in memory recorded");
  }

  /** A change to record: written now, or held in memory (in order) while the disk refuses. */
  function write(change: PendingWrite): void {
    check();
    if (pending.size > 0) {
      pending.hold(change);
      return;
    }
    try {
      commit(change);
    } catch (error) {
      if (!isStorageError(error)) throw error;
      file.refused(error, "state database cannot be written: keeping changes in memory until it can");
      pending.hold(change);
    }
  }

  return {
    enqueue(events) {
      if (events.length === 0) return;
      write({ events: serialize(events), opened: [], resolvedIds: [] });
    },

    nextBatch(limits) {
      return guarded(() => selectBatch(file.db, limits));
    },

    ack(seqs) {
      guarded(() =>
        transaction(file.db, () => {
          queuedBytes -= deleteBySeq(file.db, seqs);
          setMeta(file.db, "last_delivery_at", String(now()));
          // Delivery works again: the last error is history, not the state (lastError cleared).
          file.db.prepare("DELETE FROM meta WHERE key IN ('last_error', 'last_error_at')").run();
        }),
      );
    },

    recordAttempt(seqs) {
      if (seqs.length === 0) return;
      guarded(() => recordAttempt(file.db, seqs));
    },

    deadLetter(seqs, reason, status) {
      if (seqs.length === 0) return;
      guarded(() =>
        transaction(file.db, () => {
          queuedBytes -= moveToDeadLetters(file.db, seqs, {
            at: now(),
            reason,
            status: status ?? null,
            keep: maxDeadLetters,
          });
          addToCounter(file.db, "dead_lettered_total", seqs.length);
        }),
      );
    },

    recordError(message) {
      guarded(() =>
        transaction(file.db, () => {
          setMeta(file.db, "last_error", message);
          setMeta(file.db, "last_error_at", String(now()));
        }),
      );
    },

    setAuthPaused(paused) {
      guarded(() => setMeta(file.db, "auth_paused", paused ? "1" : "0"));
    },

    loadOpenFindings() {
      return new Map(openSet);
    },

    commitFindingChanges(changes) {
      // The open set in memory follows every change, written or held.
      const next = new Map(openSet);
      for (const open of changes.opened) next.set(open.finding.id, open);
      for (const id of changes.resolvedIds) next.delete(id);
      write({ events: serialize(changes.events), opened: changes.opened, resolvedIds: changes.resolvedIds });
      openSet = next;
    },

    check() {
      try {
        check(true);
      } catch (error) {
        logger.error({ err: error, path }, "state database check failed");
      }
      return file.problem() ?? null;
    },

    stats() {
      return guarded(() => ({
        ...readStats(file.db, {
          queuedBytes,
          maxBytes,
          durable: file.durable,
          path: file.durable ? path : ":memory:",
        }),
        pendingWrites: pending.events(),
        storageProblem: file.problem() ?? null,
      }));
    },

    close() {
      // A last try at what the disk refused; then say what is lost.
      try {
        if (file.db.isOpen) check(true);
      } catch {
        // Closing regardless.
      }
      if (pending.size > 0)
        logger.error(
          { path, events: pending.events(), problem: file.problem() },
          "stopping with changes the disk would not take: they are lost",
        );
      file.close();
    },
  };
}
