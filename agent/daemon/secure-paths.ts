// The paths the daemon trusts: its state directory (whose database it delivers with its own
// credentials) and the directory of its status socket. Both were attackable by a local user:
// chown/chmod after listen followed a symbolic link swapped into a writable socket directory
// (a root-owned file became root:adm 0660), and a state.db planted in a writable state directory
// was delivered as the agent's own events. So: the daemon creates these directories itself, and
// refuses to use one that another user owns or can write to, or that sits under such a directory,
// or a file in it that is a link or belongs to someone else. Nothing here follows a symbolic link
// it has not checked. (The same rules as OpenSSH's StrictModes and sudo's secure_path checks.)

import { closeSync, constants, fchmodSync, lstatSync, openSync, type Stats } from "node:fs";
import { dirname, join, parse, resolve } from "node:path";
import { lstat, mkdir, open, realpath, unlink } from "./async-fs.ts";

/** A path the agent must not use as it is, with what to do about it. */
export class InsecurePathError extends Error {
  readonly path: string;
  constructor(path: string, problem: string, fix: string) {
    super(`${path}: ${problem}; ${fix}`);
    this.name = "InsecurePathError";
    this.path = path;
  }
}

const POSIX = process.platform !== "win32";
/**
 * The outbox's database (outbox.ts DB_FILE) and SQLite's WAL companions. Spelled out rather than
 * imported so `eca status`, which loads this module, does not load node:sqlite; a test keeps the
 * two in step.
 */
export const DB_FILE = "state.db";
const STATE_FILES = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`];
const S_ISVTX = 0o1000;

function euid(): number {
  return process.geteuid?.() ?? 0;
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

function who(uid: number): string {
  return uid === 0 ? "root" : `uid ${uid}`;
}

/**
 * Files the daemon creates are private whatever umask it was started with (systemd's UMask=0077
 * is not there when it is started by hand). process.umask cannot be set in a worker thread.
 */
export function restrictUmask(): void {
  try {
    process.umask(process.umask() | 0o077);
  } catch {
    // In a worker thread: the explicit modes below still hold.
  }
}

/**
 * Checks one directory the agent trusts, and every directory above it: each is owned by root or the
 * agent's user, and none can be written by anyone else, except sticky ones such as /tmp (where
 * others cannot rename or remove what is not theirs). The directory itself must belong to the
 * agent's user and be writable by nobody else, sticky or not.
 */
async function checkTrustedDirectory(dir: string, role: string, fix: string): Promise<void> {
  const me = euid();
  const leaf = await lstat(dir);
  if (leaf.isSymbolicLink()) {
    // A link is fine when it and everything leading to it are safe; then check where it leads.
    unsafeAncestor(dir, leaf, me, role);
    await checkAncestors(dir, role);
    return checkTrustedDirectory(await realpath(dir), role, fix);
  }
  if (!leaf.isDirectory()) throw new InsecurePathError(dir, `the ${role} is not a directory`, fix);
  if (leaf.uid !== me) {
    throw new InsecurePathError(
      dir,
      `the ${role} is owned by ${who(leaf.uid)}, not by the agent's user (${who(me)}): whoever owns it can put files there`,
      fix,
    );
  }
  if (leaf.mode & 0o022) {
    throw new InsecurePathError(
      dir,
      `the ${role} can be written by ${leaf.mode & 0o002 ? "every user" : "its group"} (mode ${octal(leaf.mode)})`,
      fix,
    );
  }
  await checkAncestors(dir, role);
  // Where a directory above is a link (macOS: /var -> private/var), check the real ones too.
  const real = await realpath(dir);
  if (real !== resolve(dir)) await checkAncestors(real, role);
}

async function checkAncestors(path: string, role: string): Promise<void> {
  const me = euid();
  const { root } = parse(resolve(path));
  let current = dirname(resolve(path));
  for (;;) {
    const stats = await lstat(current);
    unsafeAncestor(current, stats, me, role);
    if (current === root) return;
    current = dirname(current);
  }
}

/**
 * System directories that are group-writable by design and whose group only system daemons are
 * in: macOS's /var/run is root:daemon 0775 (the group of the "daemon" system account, uid 1).
 */
const SYSTEM_GROUP_WRITABLE =
  process.platform === "darwin" ? new Set(["/private/var/run", "/var/run"]) : new Set();

function unsafeAncestor(dir: string, stats: Stats, me: number, role: string): void {
  if (stats.uid !== 0 && stats.uid !== me) {
    throw new InsecurePathError(
      dir,
      `is owned by ${who(stats.uid)}, who could replace the ${role} below it`,
      `keep the ${role} under directories owned by root (chown root ${dir}) or move it`,
    );
  }
  // Symbolic links report mode 0777; their owner is what counts, checked above.
  // Writable by the group root (gid 0) is writable by root's own; sticky directories (/tmp) keep
  // others from renaming what is not theirs.
  const othersMayWrite =
    stats.mode & 0o002 || (stats.mode & 0o020 && stats.gid !== 0 && !SYSTEM_GROUP_WRITABLE.has(dir));
  if (!stats.isSymbolicLink() && othersMayWrite && !(stats.mode & S_ISVTX)) {
    throw new InsecurePathError(
      dir,
      `can be written by others (mode ${octal(stats.mode)}), who could replace the ${role} below it`,
      `chmod go-w ${dir}, or move the ${role} elsewhere`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Creates the directory if it is missing (mode `mode`, whatever the umask, by chmod on a handle
 * opened without following links), then checks it as checkTrustedDirectory does.
 */
async function ensureTrustedDirectory(dir: string, mode: number, role: string, fix: string): Promise<void> {
  const absolute = resolve(dir);
  // Nothing is created below a directory someone else could tamper with.
  let existing = dirname(absolute);
  while (!(await exists(existing))) existing = dirname(existing);
  await checkAncestors(join(existing, "-"), role);
  const real = await realpath(existing);
  if (real !== existing) await checkAncestors(join(real, "-"), role);
  let created: string | undefined;
  try {
    created = await mkdir(absolute, { recursive: true, mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  if (created !== undefined) {
    // mkdir applied the umask to every directory it made: give the one we asked for its mode.
    const handle = await open(absolute, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
  }
  await checkTrustedDirectory(absolute, role, fix);
}

/**
 * The state directory: created 0700 if missing, refused when another user owns it, can write to it
 * or to a directory above it; its database files are refused when they are links, have more than
 * one name, or belong to someone else. A missing state.db is created 0600 here, so SQLite (which
 * gives -wal and -shm the database's mode) never creates one under a loose umask.
 */
export async function secureStateDir(stateDir: string): Promise<void> {
  if (!POSIX) return;
  restrictUmask();
  const fix = `use a directory only the agent's user can write, e.g. install -d -m 0700 -o ${who(euid())} ${stateDir}`;
  await ensureTrustedDirectory(stateDir, 0o700, "state directory", fix);
  checkStateFiles(stateDir, true);
}

/**
 * Verifies the state database files after the database is open (SQLite has by then created -wal
 * and -shm): each a plain file of the agent's user with one name, and mode 0600 (tightened when
 * looser, on a handle opened without following links).
 */
export function checkStateFiles(stateDir: string, createMissingDatabase = false): void {
  if (!POSIX) return;
  const me = euid();
  for (const name of STATE_FILES) {
    const path = join(stateDir, name);
    let stats: Stats;
    try {
      stats = lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (createMissingDatabase && name === DB_FILE) {
        const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
        const fd = openSync(path, flags, 0o600);
        try {
          fchmodSync(fd, 0o600);
        } finally {
          closeSync(fd);
        }
      }
      continue;
    }
    const remove = `move it away (mv ${path} ${path}.untrusted) and start the agent again`;
    if (stats.isSymbolicLink()) {
      throw new InsecurePathError(path, "is a symbolic link, not the agent's own database file", remove);
    }
    if (!stats.isFile()) throw new InsecurePathError(path, "is not a regular file", remove);
    if (stats.uid !== me) {
      throw new InsecurePathError(
        path,
        `is owned by ${who(stats.uid)}, not by the agent's user (${who(me)}): someone else put it there, and its events would be delivered as the agent's`,
        remove,
      );
    }
    if (stats.nlink !== 1) {
      throw new InsecurePathError(
        path,
        `has ${stats.nlink} names (hard links); the agent's file has one`,
        remove,
      );
    }
    if (stats.mode & 0o077) tighten(path);
  }
}

function tighten(path: string): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * The directory of the status socket (/run/eca): created if missing, 0755 so the status group can
 * reach the socket (itself 0660 root:<group>), and refused when someone else owns or can write it.
 */
export async function secureSocketDir(socketPath: string): Promise<void> {
  if (!POSIX) return;
  const dir = dirname(resolve(socketPath));
  const fix = `give the socket a directory of its own that only the agent's user can write, e.g. install -d -m 0755 -o ${who(euid())} ${dir} (or socketPath: /run/eca/eca.sock)`;
  await ensureTrustedDirectory(dir, 0o755, "status socket directory", fix);
  await clearSocketPath(socketPath);
}

/**
 * Clears the way for the socket: a stale socket of the agent's own is removed; anything else at
 * the path (a link, a file, another user's socket) is refused, never removed or followed.
 */
export async function clearSocketPath(socketPath: string): Promise<void> {
  if (!POSIX) return;
  let stats: Stats;
  try {
    stats = await lstat(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const fix = `remove it (rm ${socketPath}) after checking what it is, or choose another socketPath`;
  if (stats.isSymbolicLink())
    throw new InsecurePathError(socketPath, "is a symbolic link, not a socket", fix);
  if (!stats.isSocket()) throw new InsecurePathError(socketPath, "exists and is not a socket", fix);
  if (stats.uid !== euid()) {
    throw new InsecurePathError(socketPath, `is a socket owned by ${who(stats.uid)}, not the agent's`, fix);
  }
  await unlink(socketPath);
}

/**
 * What startDaemon runs before it opens anything: a private umask, then the state directory and
 * the status socket's directory, each created if missing and refused when another user could
 * tamper with it. Throws InsecurePathError naming the path and the fix.
 */
export async function secureAgentPaths(config: { stateDir: string; socketPath: string }): Promise<void> {
  await secureStateDir(config.stateDir);
  await secureSocketDir(config.socketPath);
}
