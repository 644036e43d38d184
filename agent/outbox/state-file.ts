// The state database as a file on a disk that may fail: opened (or, when the directory cannot be
// used, replaced by memory until it can), watched for being removed, replaced or overwritten under
// the daemon (its device and inode, its header), rebuilt at the same path with what the daemon
// holds, and locked to one daemon. The outbox (outbox.ts) runs its queries on `db`, whichever
// connection that is now.

import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { OpenFinding } from "../findings/lifecycle.ts";
import type { Logger } from "../log.ts";
import { isCorruption, moveAside } from "./corruption.ts";
import { acquireStateLock, releaseStateLock, StateLockedError } from "./lock.ts";
import { loadOpenFindings, storeOpenFindings } from "./open-findings.ts";
import {
  type CopyResult,
  copyRows,
  MEMORY_SEQ_START,
  removeDatabase,
  replaceOpenFindings,
  snapshotInto,
} from "./rebuild.ts";
import { DB_FILE, openChecked, openInMemory, transaction } from "./schema.ts";
import { setMeta } from "./stats.ts";
import {
  describeStorageError,
  type FileIdentity,
  fileIdentity,
  hasSqliteHeader,
  isStorageError,
  sameFile,
} from "./storage.ts";

/** After a failed rebuild or write, operations wait this long (wall clock) before trying again. */
const RETRY_MS = 1000;

export interface StateFileOptions {
  stateDir: string;
  logger: Logger;
  synchronous: "FULL" | "NORMAL";
  /** Take the state directory's lock (lock.ts). */
  exclusive: boolean;
  now: () => number;
  /** The open set as the daemon holds it: what a rebuilt file gets. */
  openSet: () => Map<string, OpenFinding>;
  /** Called whenever `db` becomes another connection (to recount what it holds). */
  onNewDatabase: (db: DatabaseSync) => void;
}

export interface StateFile {
  /** The connection in use: the file, or memory while the file cannot be used. */
  readonly db: DatabaseSync;
  /** False while events live in memory only. */
  readonly durable: boolean;
  readonly path: string;
  /** Why the disk cannot be used now, if so. */
  problem(): string | undefined;
  /** A write the disk refused: say so (once) and wait a while before the next try. */
  refused(error: unknown, message: string): void;
  /** Writes go through again. */
  writable(): void;
  /** Whether to try the disk again now (always when forced). */
  mayRetry(force: boolean): boolean;
  /** Notices the file removed, replaced or overwritten, or usable again, and rebuilds it. */
  check(force: boolean): void;
  /** The database turned out damaged: moved aside, rebuilt with the open set. */
  recoverFromCorruption(error: unknown): void;
  close(): void;
}

export function openStateFile(options: StateFileOptions): StateFile {
  const { stateDir, logger, synchronous, now } = options;
  const path = join(stateDir, DB_FILE);
  /** Where a rebuilt database is made before it is moved into place. */
  const rebuildPath = `${path}.rebuild`;
  let db!: DatabaseSync;
  /** The file `db` was opened on; undefined while the events live in memory. */
  let identity: FileIdentity | undefined;
  let storageProblem: string | undefined;
  let retryAt = 0;

  /**
   * Opens the file. A corrupt one is moved aside, and what can still be read from it (queued events,
   * the open set) goes into the new one, so a restart does not open every finding again. Throws
   * when the disk cannot be used.
   */
  function openFile(): DatabaseSync {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    try {
      return openChecked(path, synchronous);
    } catch (error) {
      if (!isCorruption(error)) throw error;
      const salvaged = salvage();
      moveAside(path, now(), logger, error);
      if (!salvaged) return openChecked(path, synchronous);
      renameSync(rebuildPath, path);
      const fresh = openChecked(path, synchronous);
      transaction(fresh, () => {
        replaceOpenFindings(fresh, salvaged.open);
        noteRebuild(fresh, "the database was corrupt at start");
      });
      logger.warn(
        { openFindings: salvaged.open.size, events: sumCount(fresh), unreadable: salvaged.unreadable },
        "salvaged what could be read from the corrupt state database",
      );
      return fresh;
    }
  }

  /** What a corrupt file at `path` still gives, written to `rebuildPath`; undefined when nothing. */
  function salvage(): { open: Map<string, OpenFinding>; unreadable: string[] } | undefined {
    let damaged: DatabaseSync | undefined;
    try {
      damaged = new DatabaseSync(path);
      let open = new Map<string, OpenFinding>();
      try {
        open = loadOpenFindings(damaged);
      } catch {
        // The open set is unreadable; the next scan opens what it finds.
      }
      const copied = snapshotInto(damaged, rebuildPath, logger);
      return { open, unreadable: copied.unreadable };
    } catch {
      removeDatabase(rebuildPath);
      return undefined;
    } finally {
      if (damaged) closeQuietly(damaged);
    }
  }

  /** Kept in the new file, so `eca status` says so from any process. */
  function noteRebuild(into: DatabaseSync, reason: string): void {
    setMeta(into, "last_rebuild_at", String(now()));
    setMeta(into, "last_rebuild_reason", reason);
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
    options.onNewDatabase(db);
  }

  function reportProblem(error: unknown, message: string): void {
    const problem = `${describeStorageError(error)} (${path})`;
    if (problem !== storageProblem) logger.error({ err: error, path }, message);
    storageProblem = problem;
  }

  /**
   * Moves to a new file at `path` holding what `db` holds and the open set in memory. The copy is
   * built beside it, the old connection closed (closing unlinks its -wal by name, which must not be
   * the new file's), a corrupt file moved aside, and the copy moved into place. Events held in
   * memory since a start on an unusable directory are added to a file that is there.
   * "rebuilt": done; "kept": the disk cannot take it yet, `db` is unchanged; "fallback": the copy is
   * on disk but cannot be opened, `db` is whatever fileOrMemory found.
   */
  function moveToNewFile(reason: string, corrupt?: unknown): "rebuilt" | "kept" | "fallback" {
    let fresh: DatabaseSync | undefined;
    let closedOld = false;
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      if (options.exclusive) acquireStateLock(stateDir);
      let copied: CopyResult;
      if (identity === undefined && existsSync(path)) {
        fresh = openFile();
        copied = copyRows(db, fresh, logger);
      } else {
        copied = snapshotInto(db, rebuildPath, logger);
        closedOld = true;
        closeQuietly(db);
        if (corrupt !== undefined) moveAside(path, now(), logger, corrupt);
        renameSync(rebuildPath, path);
        fresh = openChecked(path, synchronous);
      }
      const into = fresh;
      transaction(into, () => {
        replaceOpenFindings(into, options.openSet());
        noteRebuild(into, reason);
      });
      if (!closedOld) closeQuietly(db);
      db = fresh;
      identity = fileIdentity(path);
      options.onNewDatabase(db);
      logger.warn(
        { path, reason, events: sumCount(db), openFindings: options.openSet().size, ...copied },
        "state database rebuilt: queued events and open findings written to the new file",
      );
      return "rebuilt";
    } catch (error) {
      if (fresh) closeQuietly(fresh);
      removeDatabase(rebuildPath);
      if (!isStorageError(error) && !isCorruption(error) && !(error instanceof StateLockedError)) throw error;
      reportProblem(error, "state database cannot be rebuilt yet: keeping events in memory");
      retryAt = Date.now() + RETRY_MS;
      if (!closedOld) return "kept";
      // The old connection is gone; the copy (if it was moved into place) is found by fileOrMemory,
      // or merged when the disk takes writes again.
      fileOrMemory();
      transaction(db, () => replaceOpenFindings(db, options.openSet()));
      return "fallback";
    }
  }

  /** The file removed, replaced or overwritten under us, or usable again: rebuild it. */
  function check(force: boolean): void {
    const retry = force || Date.now() >= retryAt;
    if (identity === undefined) {
      if (retry && moveToNewFile("the state directory is usable again") === "rebuilt")
        storageProblem = undefined;
      return;
    }
    const onDisk = fileIdentity(path);
    if (!sameFile(onDisk, identity)) {
      if (!retry) return;
      const what = onDisk ? "replaced by another file" : "removed";
      logger.error({ path }, `state database was ${what} while running: rebuilding it`);
      if (onDisk) moveAsideAs(`replaced-${now()}`);
      if (moveToNewFile(`the database file was ${what}`) === "rebuilt") storageProblem = undefined;
      else storageProblem ??= `the state database was ${what} and cannot be rebuilt yet`;
    } else if (onDisk && !hasSqliteHeader(path)) {
      // Overwritten in place: the connection's page cache would hide it until a restart.
      recoverFromCorruption(new Error("the state database's header was overwritten"));
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
    if (moveToNewFile("the database was corrupt", error) !== "kept") return;
    // Could not even make a copy: leave the damaged file and keep going in memory.
    closeQuietly(db);
    moveAside(path, now(), logger, error);
    fileOrMemory();
    transaction(db, () => replaceOpenFindings(db, options.openSet()));
  }

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
  fileOrMemory();

  return {
    get db() {
      return db;
    },
    get durable() {
      return identity !== undefined;
    },
    path,
    problem: () => storageProblem,
    refused(error, message) {
      reportProblem(error, message);
      retryAt = Date.now() + RETRY_MS;
    },
    writable() {
      storageProblem = undefined;
    },
    mayRetry: (force) => force || Date.now() >= retryAt,
    check,
    recoverFromCorruption,
    close() {
      closeQuietly(db);
      if (options.exclusive) releaseStateLock(stateDir);
    },
  };
}

function closeQuietly(db: DatabaseSync): void {
  try {
    db.close();
  } catch {
    // Already closed, or unusable: either way it is let go.
  }
}

function sumCount(db: DatabaseSync): number {
  return Number((db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n);
}
