// The state file as a file: failures that mean "the disk cannot take this now" (full, read-only,
// gone) rather than a bug, and the file's identity, so that a database removed or replaced under
// the running daemon is noticed.

import { closeSync, openSync, readSync, statSync } from "node:fs";

// SQLite primary result codes that mean the storage, not the statement, failed.
const SQLITE_STORAGE = new Set([
  3, // PERM
  8, // READONLY
  10, // IOERR
  13, // FULL
  14, // CANTOPEN
]);
const ERRNO_STORAGE = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "ENOENT", "ENOTDIR"]);

export function isStorageError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { errcode, code } = error as { errcode?: unknown; code?: unknown };
  if (typeof errcode === "number") return SQLITE_STORAGE.has(errcode & 0xff);
  return typeof code === "string" && ERRNO_STORAGE.has(code);
}

/** What to show for a storage failure: SQLite's or the system's own words. */
export function describeStorageError(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { errstr, code, message } = error as { errstr?: unknown; code?: unknown; message?: unknown };
    if (typeof errstr === "string") return errstr;
    if (typeof code === "string" && typeof message === "string") return message;
  }
  return String(error);
}

export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The file's device and inode, or undefined when it is not there. */
export function fileIdentity(path: string): FileIdentity | undefined {
  const info = statSync(path, { throwIfNoEntry: false });
  return info ? { dev: info.dev, ino: info.ino } : undefined;
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** Whether the file still starts as every SQLite database does (one small read). */
export function hasSqliteHeader(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const read = readSync(fd, head, 0, head.length, 0);
    return read === head.length && head.equals(SQLITE_MAGIC);
  } catch {
    // Unreadable is a storage problem, found by the next write, not corruption.
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
