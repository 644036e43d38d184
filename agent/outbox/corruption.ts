// Telling a damaged database from other failures, and moving a damaged one aside so that a new
// one can be started in its place.

import { existsSync, renameSync } from "node:fs";
import type { Logger } from "../log.ts";

// SQLite primary result codes that mean the file itself is damaged or is not a database.
export const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

export function isCorruption(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { errcode?: unknown }).errcode;
  if (typeof code !== "number") return false;
  const primary = code & 0xff;
  return primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB;
}

export function moveAside(path: string, timestamp: number, logger: Logger, cause: unknown): void {
  const aside = `${path}.corrupt-${timestamp}`;
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  logger.error(
    { err: cause, path, movedTo: aside },
    "state database is corrupt: moved it aside and started a new one; queued events in it were not sent",
  );
}
