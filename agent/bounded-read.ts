// Reading a small input file (a policy, a capture's saved output, a BlueZ info file, the fleet
// key, /etc/machine-id) that someone else may have planted: only a regular file, never more than
// the caller's bound, and never waiting. Writing state files is atomic-write.ts.
//
// The read is synchronous on purpose: the files are local and bounded (a few MiB at the most), and
// the thread-pool round trips of fs.promises (open, fstat, read, close) cost more than the read.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** Why a file was not read; `message` leaves out the path, for errors that name the file already. */
export interface BoundedReadFailure {
  ok: false;
  problem: "missing" | "directory" | "not-a-file" | "too-large" | "unreadable";
  /** What is wrong, without the path: "is larger than 4096 bytes, the most eca reads of it". */
  message: string;
  /** The path and what is wrong: "/etc/machine-id is missing". */
  reason: string;
  /** What to do about it, for callers with nothing more specific to say. */
  hint: string;
  /** The errno code, when the system refused. */
  code?: string;
}

export type BoundedRead = { ok: true; bytes: Buffer } | BoundedReadFailure;
export type BoundedText = { ok: true; text: string } | BoundedReadFailure;

/**
 * Reads at most `maxBytes` of a regular file. A FIFO, a device (a link to /dev/zero), a socket or a
 * directory is refused without a byte read: the open does not block (O_NONBLOCK, so a FIFO with
 * no writer cannot hang the caller) and the file's type is checked on the opened descriptor, so it
 * cannot be swapped in between. A file past the bound is refused, never read whole, even one that
 * grows while it is read or whose size its file system does not report (procfs says 0).
 */
export function readBoundedFile(path: string, maxBytes: number): BoundedRead {
  let descriptor: number;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return systemFailure(path, error);
  }
  try {
    const stats = fstatSync(descriptor);
    if (stats.isDirectory()) return isDirectory(path);
    if (!stats.isFile()) return failure(path, "not-a-file", notAFile(stats), NOT_A_FILE_HINT);
    if (stats.size > maxBytes) return tooLarge(path, maxBytes);
    // One read for a file as large as it says it is; the buffer grows only for one that lied.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(stats.size, 4096)) + 1);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > maxBytes) return tooLarge(path, maxBytes);
        const larger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(larger, 0, 0, total);
        buffer = larger;
      }
      const read = readSync(descriptor, buffer, total, buffer.length - total, null);
      if (read === 0) break;
      total += read;
    }
    if (total > maxBytes) return tooLarge(path, maxBytes);
    // A copy when the buffer is much larger than the file, so it is not kept alive by a small one.
    return {
      ok: true,
      bytes:
        buffer.length - total > 4096 ? Buffer.from(buffer.subarray(0, total)) : buffer.subarray(0, total),
    };
  } catch (error) {
    return systemFailure(path, error);
  } finally {
    closeSync(descriptor);
  }
}

/** As readBoundedFile, decoded as UTF-8. */
export function readBoundedText(path: string, maxBytes: number): BoundedText {
  const read = readBoundedFile(path, maxBytes);
  return read.ok ? { ok: true, text: read.bytes.toString("utf8") } : read;
}

function failure(
  path: string,
  problem: BoundedReadFailure["problem"],
  message: string,
  hint: string,
  code?: string,
): BoundedReadFailure {
  return { ok: false, problem, message, reason: `${path} ${message}`, hint, ...(code ? { code } : {}) };
}

function tooLarge(path: string, maxBytes: number): BoundedReadFailure {
  return failure(
    path,
    "too-large",
    `is larger than ${maxBytes} bytes, the most eca reads of it`,
    "check that the path names the file meant; a file this large is not one eca reads",
  );
}

function systemFailure(path: string, error: unknown): BoundedReadFailure {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR")
    return failure(path, "missing", "is missing", "check the path", code);
  if (code === "EISDIR") return isDirectory(path);
  const hint =
    code === "EACCES" || code === "EPERM"
      ? "let the agent's user read it (check its owner and mode)"
      : "check the file and the disk it is on";
  return failure(path, "unreadable", `cannot be read (${code ?? String(error)})`, hint, code);
}

function isDirectory(path: string): BoundedReadFailure {
  return failure(path, "directory", "is a directory, not a file", "name a file, not a directory");
}

const NOT_A_FILE_HINT =
  "give a regular file: eca never reads a FIFO, a device or a socket, which may never end or never answer";

function notAFile(stats: Stats): string {
  const kind = stats.isFIFO()
    ? "a FIFO"
    : stats.isCharacterDevice()
      ? "a character device"
      : stats.isBlockDevice()
        ? "a block device"
        : stats.isSocket()
          ? "a socket"
          : "of no kind eca reads";
  return `is not a regular file (${kind})`;
}
