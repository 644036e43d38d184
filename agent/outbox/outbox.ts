// The durable outbox: every event is committed to the state database before anything else happens
// with it, and leaves only when the endpoint acknowledged it (2xx) or rejected it for good (dead letters).
// The same database keeps the open-findings set, so a finding's state change and its event commit
// together: a crash can neither lose the event of a change nor replay a change twice.
//
// This file composes the parts, each readable and testable alone: schema.ts (the file and its
// tables), queue.ts (events in and out), compaction.ts (the byte bound), corruption.ts (a damaged
// file moved aside), storage.ts (a full disk, a file removed or replaced), rebuild.ts (copying state
// into a new file), lock.ts (one daemon per directory), open-findings.ts and stats.ts.
//
// When the disk cannot take a write (full, read-only, gone), the change is kept in memory, in
// order, and written once the disk takes writes again; the open set is always kept in memory as
// well, so whatever happens to the file, the daemon can write it into a new one.

import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Logger } from "pino";
import type { OpenFinding } from "../findings/lifecycle.ts";
import { makeRoom } from "./compaction.ts";
import { isCorruption, moveAside } from "./corruption.ts";
import { acquireStateLock, releaseStateLock, StateLockedError } from "./lock.ts";
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
import { copyState, MEMORY_SEQ_START } from "./rebuild.ts";
import { DB_FILE, openChecked, openInMemory, transaction } from "./schema.ts";
import { addToCounter, readStats, setMeta } from "./stats.ts";
import {
  describeStorageError,
  type FileIdentity,
  fileIdentity,
  hasSqliteHeader,
  isStorageError,
  sameFile,
} from "./storage.ts";
import type { Outbox } from "./types.ts";

export { StateLockedError } from "./lock.ts";
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

/** A change not yet on disk: events, and the open-set change they belong to. */
interface PendingWrite {
  events: SerializedEvent[];
  opened: OpenFinding[];
  resolvedIds: string[];
}

export function openOutbox(options: OutboxOptions): Outbox {
  const { stateDir, logger } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDeadLetters = options.maxDeadLetters ?? 10_000;
  const now = options.now ?? Date.now;
  const synchronous = options.synchronous ?? "FULL";
  const path = join(stateDir, DB_FILE);

  let db!: DatabaseSync;
  /** The file `db` was opened on; undefined while the events live in memory. */
  let identity: FileIdentity | undefined;
  let queuedBytes = 0;
  /** The open set as the daemon knows it, whatever the file holds. */
  let openSet = new Map<string, OpenFinding>();
  const pending: PendingWrite[] = [];
  let pendingBytes = 0;
  let storageProblem: string | undefined;
  let checking = false;
  /**
   * After a failed rebuild or flush, operations wait a second (wall clock, not `now`) before trying
   * again; an explicit check() (the daemon's, after each scan) always tries.
   */
  let retryAt = 0;
  const RETRY_MS = 1000;

  if (options.exclusive) {
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      acquireStateLock(stateDir);
    } catch (error) {
      // Another daemon holds it: refuse. A disk that cannot take even the lock: run without it (the
      // agent must keep watching), and take it when the state database is rebuilt.
      if (!isStorageError(error)) throw error;
      logger.error({ err: error, stateDir }, "cannot take the state directory's lock");
    }
  }

  /**
   * Opens the file. A corrupt one is moved aside first, and what can still be read from it (queued
   * events, the open set) is copied into the new one, so a restart does not open every finding again.
   * Throws when the disk cannot be used.
   */
  function openFile(): DatabaseSync {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    try {
      return openChecked(path, synchronous);
    } catch (error) {
      if (!isCorruption(error)) throw error;
      let damaged: DatabaseSync | undefined;
      try {
        damaged = new DatabaseSync(path, { readOnly: true });
      } catch {
        // Not even readable: nothing to salvage.
      }
      moveAside(path, now(), logger, error);
      const fresh = openChecked(path, synchronous);
      if (damaged) {
        let salvagedOpen = new Map<string, OpenFinding>();
        try {
          salvagedOpen = loadOpenFindings(damaged);
        } catch {
          // The open set is unreadable; the next scan opens what it finds.
        }
        const copied = copyState(damaged, fresh, salvagedOpen, logger);
        noteRebuild(fresh, "the database was corrupt at start");
        logger.warn(
          { events: copied.events, openFindings: salvagedOpen.size, unreadable: copied.unreadable },
          "salvaged what could be read from the corrupt state database",
        );
        damaged.close();
      }
      return fresh;
    }
  }

  /** Kept in the new file, so `eca status` says so from any process. */
  function noteRebuild(into: DatabaseSync, reason: string): void {
    transaction(into, () => {
      setMeta(into, "last_rebuild_at", String(now()));
      setMeta(into, "last_rebuild_reason", reason);
    });
  }

  function fileOrMemory(): void {
    try {
      db = openFile();
      identity = fileIdentity(path);
    } catch (error) {
      // The agent must keep watching devices even when its state directory is unusable; events then
      // live in memory, `eca status` shows durable: false, and the file is tried again on every write.
      reportProblem(error, "state database cannot be opened: keeping events in memory until it can");
      db = openInMemory();
      db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(MEMORY_SEQ_START);
      identity = undefined;
      // The open set on disk, if it can at least be read: findings open before stay open, not new.
      try {
        const reader = new DatabaseSync(path, { readOnly: true });
        try {
          storeOpenFindings(db, [...loadOpenFindings(reader).values()], []);
        } finally {
          reader.close();
        }
      } catch {
        // Not readable either: the next scan opens what it finds.
      }
    }
    queuedBytes = sumQueuedBytes(db);
  }

  function reportProblem(error: unknown, message: string): void {
    const problem = `${describeStorageError(error)} (${path})`;
    if (problem !== storageProblem) logger.error({ err: error, path }, message);
    storageProblem = problem;
  }

  /**
   * Moves to a new file at `path`, copying what `db` holds and writing the open set. Returns false
   * (and keeps `db`) when the disk cannot take it yet.
   */
  function moveToNewFile(reason: string): boolean {
    let fresh: DatabaseSync | undefined;
    const existed = existsSync(path);
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      if (options.exclusive) acquireStateLock(stateDir);
      fresh = openFile();
      const copied = copyState(db, fresh, openSet, logger);
      noteRebuild(fresh, reason);
      try {
        db.close();
      } catch {
        // The old connection may be unusable; its content is copied.
      }
      db = fresh;
      identity = fileIdentity(path);
      queuedBytes = sumQueuedBytes(db);
      logger.warn(
        { path, reason, events: copied.events, openFindings: openSet.size, unreadable: copied.unreadable },
        "state database rebuilt: queued events and open findings written to the new file",
      );
      return true;
    } catch (error) {
      try {
        fresh?.close();
        // A half-made file (the disk filled while creating it) would pass for a replaced one next time.
        if (!existed) for (const extension of ["", "-wal", "-shm"]) rmSync(path + extension, { force: true });
      } catch {
        // Nothing to keep.
      }
      if (!isStorageError(error) && !isCorruption(error) && !(error instanceof StateLockedError)) throw error;
      reportProblem(error, "state database cannot be rebuilt yet: keeping events in memory");
      retryAt = Date.now() + RETRY_MS;
      return false;
    }
  }

  /** The file removed or replaced under us, or usable again: rebuild; then flush held writes. */
  function check(force = false): void {
    if (checking) return;
    checking = true;
    try {
      const mayRetry = force || Date.now() >= retryAt;
      if (identity === undefined) {
        if (!mayRetry) return;
        if (moveToNewFile("the state directory is usable again")) storageProblem = undefined;
      } else {
        const onDisk = fileIdentity(path);
        if (!sameFile(onDisk, identity) && mayRetry) {
          const what = onDisk ? "replaced by another file" : "removed";
          logger.error({ path }, `state database was ${what} while running: rebuilding it`);
          if (onDisk) moveAsideAs(`replaced-${now()}`);
          if (moveToNewFile(`the database file was ${what}`)) storageProblem = undefined;
          else storageProblem ??= `the state database was ${what} and cannot be rebuilt yet`;
        } else if (onDisk && !hasSqliteHeader(path)) {
          // Overwritten in place: the connection's page cache would hide it until a restart.
          recoverFromCorruption(new Error("the state database's header was overwritten"));
        }
      }
      if (pending.length > 0 && identity !== undefined && mayRetry) flush();
    } finally {
      checking = false;
    }
  }

  function moveAsideAs(suffix: string): void {
    for (const extension of ["", "-wal", "-shm"]) {
      const file = path + extension;
      if (existsSync(file)) renameSync(file, `${path}.${suffix}${extension}`);
    }
  }

  /** The database turned out damaged while running: move it aside and rebuild with the open set. */
  function recoverFromCorruption(error: unknown): void {
    const damaged = db;
    moveAside(path, now(), logger, error);
    if (moveToNewFile("the database was corrupt")) return;
    // Could not even start a new file: keep going in memory.
    try {
      damaged.close();
    } catch {
      // Unusable anyway.
    }
    fileOrMemory();
    storeOpenFindings(db, [...openSet.values()], []);
  }

  // Runs an operation; if the database turns out to be damaged while running, moves it aside,
  // rebuilds it with the open set (and whatever can still be read) and runs it once more.
  function guarded<T>(operation: () => T): T {
    check();
    try {
      return operation();
    } catch (error) {
      if (!isCorruption(error) || identity === undefined) throw error;
      recoverFromCorruption(error);
      return operation();
    }
  }

  /** Inserts events, first making room for them under the bound. */
  function insert(events: SerializedEvent[]): void {
    queuedBytes -= makeRoom(db, { needed: sum(events), queuedBytes, maxBytes, logger });
    queuedBytes += insertEvents(db, events, now());
  }

  function commit(write: PendingWrite): void {
    guarded(() =>
      transaction(db, () => {
        storeOpenFindings(db, write.opened, write.resolvedIds);
        if (write.events.length > 0) insert(write.events);
      }),
    );
  }

  /** Writes what was held in memory, oldest first, until the disk refuses again. */
  function flush(): void {
    const held = pending.length;
    while (pending.length > 0) {
      const next = pending[0] as PendingWrite;
      try {
        commit(next);
      } catch (error) {
        if (!isStorageError(error)) throw error;
        reportProblem(error, "state database still cannot be written");
        retryAt = Date.now() + RETRY_MS;
        return;
      }
      pending.shift();
      pendingBytes -= sum(next.events);
    }
    storageProblem = undefined;
    logger.warn({ path, writes: held }, "state database writable again: changes held in memory recorded");
  }

  /** Keeps a write that the disk refused; over the bound, the oldest held heartbeats go first. */
  function hold(write: PendingWrite): void {
    pending.push(write);
    pendingBytes += sum(write.events);
    for (const held of pending) {
      if (pendingBytes <= maxBytes) break;
      const heartbeats = held.events.filter((e) => e.event.kind === "heartbeat");
      held.events = held.events.filter((e) => e.event.kind !== "heartbeat");
      pendingBytes -= sum(heartbeats);
    }
  }

  /** A change to record: written now, or held in memory (in order) while the disk refuses. */
  function write(change: PendingWrite): void {
    check();
    if (pending.length > 0) {
      hold(change);
      return;
    }
    try {
      commit(change);
    } catch (error) {
      if (!isStorageError(error)) throw error;
      reportProblem(error, "state database cannot be written: keeping changes in memory until it can");
      retryAt = Date.now() + RETRY_MS;
      hold(change);
    }
  }

  fileOrMemory();
  openSet = loadOpenFindings(db);

  return {
    enqueue(events) {
      if (events.length === 0) return;
      write({ events: serialize(events), opened: [], resolvedIds: [] });
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
      return storageProblem ?? null;
    },

    stats() {
      return guarded(() => ({
        ...readStats(db, {
          queuedBytes,
          maxBytes,
          durable: identity !== undefined,
          path: identity !== undefined ? path : ":memory:",
        }),
        pendingWrites: pending.reduce((n, write) => n + write.events.length, 0),
        storageProblem: storageProblem ?? null,
      }));
    },

    close() {
      try {
        db.close();
      } catch {
        // Closing twice is harmless.
      }
      if (options.exclusive) releaseStateLock(stateDir);
    },
  };
}
