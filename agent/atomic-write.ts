// Small state files (the last good policy, enforcement memory, releases): written whole or not at
// all, 0600, through a temporary file that is never a link, then a rename.

import { closeSync, constants, openSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** Writes `data` to `path` as 0600 through a temporary file (O_EXCL, O_NOFOLLOW) and a rename. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const descriptor = openSync(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeFileSync(descriptor, data);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
}
