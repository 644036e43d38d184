// The status key: 32 random bytes the daemon writes to <stateDir>/status.key at each start, which
// only SYSTEM and Administrators can read (root, on Linux and macOS with statusAuth). Whoever can
// read it may ask for status, and whatever answers the status pipe must prove it holds it
// (status-auth.ts). On Windows the daemon first restricts the state directory with icacls and reads
// the ACL back (windows-acl.ts); a key others could read is never written or served.

import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-write.ts";
import { lstat, open, rm } from "./async-fs.ts";
import { type AclTool, aclProblem, icaclsTool, restrictCommand } from "./windows-acl.ts";

export const STATUS_KEY_FILE = "status.key";
export const STATUS_KEY_BYTES = 32;
/** Far above the 65 bytes of a key file: what is longer is not one. */
const MAX_KEY_FILE_BYTES = 256;

export interface StatusKeyDeps {
  platform?: NodeJS.Platform;
  acl?: AclTool;
}

export type ProvisionedKey = { key: Buffer; path: string } | { problem: string; path: string };

export function statusKeyPath(stateDir: string): string {
  return join(stateDir, STATUS_KEY_FILE);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes a fresh key, on Windows only after the state directory is SYSTEM's and Administrators'
 * alone (set, then read back). Says why not when it cannot be so: then no key is left behind.
 */
export async function provisionStatusKey(
  stateDir: string,
  deps: StatusKeyDeps = {},
): Promise<ProvisionedKey> {
  const platform = deps.platform ?? process.platform;
  const acl = deps.acl ?? icaclsTool;
  const path = statusKeyPath(stateDir);
  const refuse = async (problem: string): Promise<ProvisionedKey> => {
    await rm(path, { force: true }).catch(() => undefined);
    return { problem, path };
  };
  if (platform === "win32") {
    const fix = `run from an elevated prompt: ${restrictCommand(stateDir)}`;
    try {
      await acl.restrict(stateDir);
    } catch (error) {
      // Even where the DACL reads back right, an owner left as it was could rewrite it later.
      return refuse(`the state directory ${stateDir} could not be restricted: ${message(error)}; ${fix}`);
    }
    const problem = await aclProblem(acl, stateDir, "directory");
    if (problem)
      return refuse(
        `the state directory ${stateDir} is not limited to SYSTEM and Administrators: ${problem}; ${fix}`,
      );
  }
  const key = randomBytes(STATUS_KEY_BYTES);
  try {
    writeFileAtomic(path, `${key.toString("hex")}\n`);
  } catch (error) {
    return refuse(`the status key ${path} could not be written: ${message(error)}`);
  }
  if (platform === "win32") {
    const problem = await aclProblem(acl, path, "file");
    if (problem)
      return refuse(`the status key ${path} came out readable by others: ${problem}; it was removed`);
  }
  return { key, path };
}

export type KeyRead =
  | { key: Buffer; path: string }
  /** This user may not read it: whether the agent runs is not known. */
  | { denied: string; path: string }
  | { missing: string; path: string }
  /** It is there, but others could have written or read it: nothing it proves can be believed. */
  | { untrusted: string; path: string };

/** What `eca status` says on Windows to a user refused the key or the pipe. */
export const ELEVATED_PROMPT_REASON =
  "permission denied: run eca status from an elevated prompt (Administrator)";

/** What `eca status` says to a user who cannot read the key. */
export function deniedReason(platform: NodeJS.Platform, path: string): string {
  return platform === "win32"
    ? ELEVATED_PROMPT_REASON
    : `permission denied: run eca status as root (to read the status key ${path})`;
}

/** Reads the key for `eca status`, refusing one that others could have read or replaced. */
export async function readStatusKey(stateDir: string, deps: StatusKeyDeps = {}): Promise<KeyRead> {
  const platform = deps.platform ?? process.platform;
  const path = statusKeyPath(stateDir);
  let text: string;
  try {
    const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return { untrusted: `${path} is not a regular file`, path };
      if (platform !== "win32") {
        const me = process.geteuid?.() ?? 0;
        if ((stats.uid !== 0 && stats.uid !== me) || stats.mode & 0o077)
          return {
            untrusted: `${path} belongs to uid ${stats.uid} with mode 0${(stats.mode & 0o777).toString(8)}: the agent's key is root's and 0600`,
            path,
          };
        const dir = await lstat(stateDir);
        if ((dir.uid !== 0 && dir.uid !== me) || dir.mode & 0o022)
          return { untrusted: `${stateDir} can be written by others, who could replace the key`, path };
      }
      const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, MAX_KEY_FILE_BYTES, 0);
      text = buffer.subarray(0, bytesRead).toString("latin1");
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") return { denied: deniedReason(platform, path), path };
    if (code === "ENOENT" || code === "ENOTDIR") return { missing: `no status key at ${path}`, path };
    if (code === "ELOOP") return { untrusted: `${path} is a symbolic link`, path };
    return { untrusted: `${path} could not be read: ${message(error)}`, path };
  }
  const match = /^([0-9a-f]{64})\r?\n?$/.exec(text);
  if (!match) return { untrusted: `${path} does not hold a status key (64 hex digits)`, path };
  if (platform === "win32") {
    const acl = deps.acl ?? icaclsTool;
    const problem =
      (await aclProblem(acl, stateDir, "directory").then((p) => p && `${stateDir}: ${p}`)) ??
      (await aclProblem(acl, path, "file").then((p) => p && `${path}: ${p}`));
    if (problem)
      return { untrusted: `the status key is not SYSTEM's and Administrators' alone: ${problem}`, path };
  }
  return { key: Buffer.from(match[1] as string, "hex"), path };
}
