// One daemon per state directory. The lock is a symbolic link whose target is the holder's pid:
// creating it is atomic (EEXIST when held), and it needs no data block, so it can be taken on a
// full disk. A lock whose pid is not alive is stale (the holder was killed) and is taken over.

import { readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";

export const LOCK_FILE = "eca.lock";

/** Directories locked by this process: a second daemon in one process is refused too. */
const heldHere = new Set<string>();

export class StateLockedError extends Error {
  readonly pid: number;
  constructor(stateDir: string, pid: number) {
    super(
      `state directory ${stateDir} is in use by another eca run (pid ${pid}): stop it first, or give this one its own --state-dir`,
    );
    this.name = "StateLockedError";
    this.pid = pid;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock, or throws StateLockedError naming the holder. Idempotent for the holder. */
export function acquireStateLock(stateDir: string): void {
  const path = join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      symlinkSync(String(process.pid), path);
      heldHere.add(stateDir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: number;
    try {
      holder = Number(readlinkSync(path));
    } catch (error) {
      // A plain file or directory in its place: not ours to remove.
      if ((error as NodeJS.ErrnoException).code === "EINVAL")
        throw new Error(`${path} exists and is not an eca lock: remove it`);
      continue;
    }
    if (holder === process.pid) {
      if (heldHere.has(stateDir)) return;
      // Left by an earlier process that had our pid (a container's pid 1, say): stale.
    } else if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new StateLockedError(stateDir, holder);
    }
    try {
      unlinkSync(path);
    } catch {
      // Another starter removed it first; try again.
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

/** Whether this process holds the lock (it disappears with the state directory). */
export function holdsStateLock(stateDir: string): boolean {
  try {
    return Number(readlinkSync(join(stateDir, LOCK_FILE))) === process.pid && heldHere.has(stateDir);
  } catch {
    return false;
  }
}

export function releaseStateLock(stateDir: string): void {
  if (!heldHere.delete(stateDir)) return;
  const path = join(stateDir, LOCK_FILE);
  try {
    if (Number(readlinkSync(path)) === process.pid) unlinkSync(path);
  } catch {
    // Already gone with the state directory.
  }
}
