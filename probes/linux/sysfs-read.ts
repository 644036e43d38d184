// Reading sysfs in a way that also works under umockdev-run (tests replay recorded devices).
//
// What umockdev 0.17's LD_PRELOAD intercepts, found by experiment with Node 26 (see
// test/usb-umockdev.test.ts, which runs the probe that way):
// - intercepted: fs.promises.opendir (readdir(3) under the hood), fs.readFile / fs.promises.readFile,
//   FileHandle reads and openSync/readSync (open(2)), fs.promises.readlink, fs.promises.realpath,
//   existsSync (access(2)); Dirent types from opendir (isSymbolicLink/isDirectory) are right.
// - NOT intercepted: fs.readdir / fs.promises.readdir (libuv's scandir fails with ENOENT),
//   fs.stat / fs.lstat (statx goes straight to the kernel: ENOENT).
// So: list directories with opendir only, learn types from Dirents, never stat. opendirSync and
// readlinkSync end in the same libc calls (opendir/readdir, readlink) and are intercepted too.

import {
  closeSync,
  constants,
  existsSync,
  opendir as opendirCallback,
  opendirSync,
  openSync,
  readlinkSync,
  readSync,
} from "node:fs";
import { promisify } from "node:util";
import type { RawAttribute } from "./usb-sysfs-parse.ts";

// The same opendir(3) as fs.promises.opendir, without loading node:fs/promises (and the nine
// built-in modules it brings) into the daemon: agent/daemon/async-fs.ts.
const opendir = promisify(opendirCallback);

export interface DirectoryEntry {
  name: string;
  isDirectory: boolean;
  isSymbolicLink: boolean;
}

/**
 * The most entries a listing returns before it gives up with an error: a real /sys/bus/usb/devices
 * holds a few hundred, a BlueZ adapter directory a few dozen. A hostile --root tree with a million
 * entries must not make the scan hold them all.
 */
export const MAX_DIRECTORY_ENTRIES = 10_000;

/**
 * Opened without blocking: under a --root tree an "attribute" may be a FIFO, whose open(2) would
 * wait for a writer for ever. Regular files and sysfs attributes read the same either way.
 */
const readFlags = constants.O_RDONLY | constants.O_NONBLOCK;

/** What a file operation of this module was: a listing, a file read, or an existence check. */
export type SysfsOperation = "list" | "read" | "exists";

let observer: ((operation: SysfsOperation, path: string) => void) | undefined;

/**
 * Calls `callback` with every file operation of this module until the returned function is called:
 * how bench/usb-scan.bench.ts and the tests count what a scan opens. One check of a variable a
 * call when nobody observes.
 */
export function observeSysfs(callback: (operation: SysfsOperation, path: string) => void): () => void {
  observer = callback;
  return () => {
    if (observer === callback) observer = undefined;
  };
}

function tooManyEntries(path: string): Error {
  return new Error(`${path} holds more than ${MAX_DIRECTORY_ENTRIES} entries; not read further`);
}

/**
 * Lists a directory synchronously: a scan lists a few sysfs directories, and like attribute reads
 * (below) the async opendir's thread-pool round trips (open, read, close) cost more than the listing.
 */
export function listDirectorySync(path: string): DirectoryEntry[] {
  observer?.("list", path);
  const directory = opendirSync(path, { bufferSize: 128 });
  const entries: DirectoryEntry[] = [];
  try {
    for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) {
      if (entries.length >= MAX_DIRECTORY_ENTRIES) throw tooManyEntries(path);
      entries.push({
        name: entry.name,
        isDirectory: entry.isDirectory(),
        isSymbolicLink: entry.isSymbolicLink(),
      });
    }
  } finally {
    directory.closeSync();
  }
  return entries;
}

export async function listDirectory(path: string): Promise<DirectoryEntry[]> {
  const directory = await opendir(path, { bufferSize: 128 });
  const entries: DirectoryEntry[] = [];
  for await (const entry of directory) {
    // Leaving the loop early closes the directory.
    if (entries.length >= MAX_DIRECTORY_ENTRIES) throw tooManyEntries(path);
    entries.push({
      name: entry.name,
      isDirectory: entry.isDirectory(),
      isSymbolicLink: entry.isSymbolicLink(),
    });
  }
  return entries;
}

// Attributes are read synchronously, on purpose. sysfs attributes are produced from kernel memory
// (no disk I/O), and measured on the 30-device bench tree, 499 reads took 6.0 ms as
// Promise.all(fs.promises.readFile) but 2.2 ms as openSync/readSync: the thread-pool round trips
// (open, fstat, read, close each) cost far more than the reads. A scan blocks the loop ~1-2 ms.
const attributeBuffer = Buffer.allocUnsafe(4096);

type ReadFailure = { missing: true } | { error: string };

/**
 * Opens `path`, hands the descriptor to `read` and closes it; a failure to open or read is data (the
 * parser turns it into a warning), not an exception. `read` is a module-level function, so a call
 * allocates no closure.
 */
function readOpened<T>(path: string, read: (descriptor: number) => T): T | ReadFailure {
  observer?.("read", path);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, readFlags);
    return read(descriptor);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { missing: true };
    return { error: code ?? String(error) };
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

function readText(descriptor: number): { text: string } {
  // sysfs attributes are at most a page (4096 bytes); one read returns them whole, and reads no
  // more than that of anything else (a 10 MB file, a link to /dev/zero).
  const length = readSync(descriptor, attributeBuffer, 0, attributeBuffer.length, 0);
  return { text: attributeBuffer.toString("utf8", 0, length) };
}

/** Reads one attribute as UTF-8 text; a failure is data (the parser turns it into a warning), not an exception. */
export function readAttribute(path: string): RawAttribute {
  return readOpened(path, readText);
}

/**
 * The most a binary attribute read returns: a device descriptor and configurations whose
 * wTotalLength is a 16-bit count. Anything longer is cut here and its parser sees it truncated.
 */
export const MAX_BINARY_ATTRIBUTE_BYTES = 65_536;
let binaryBuffer: Buffer | undefined;
const PAGE = 4096;

/**
 * Reads a binary attribute (a device's `descriptors`) whole, up to MAX_BINARY_ATTRIBUTE_BYTES. The
 * bytes are a view of a shared buffer, valid until the next call: parse them at once.
 */
export function readBinaryAttribute(path: string): { bytes: Uint8Array } | ReadFailure {
  return readOpened(path, readBytes);
}

function readBytes(descriptor: number): { bytes: Uint8Array } {
  binaryBuffer ??= Buffer.allocUnsafe(MAX_BINARY_ATTRIBUTE_BYTES);
  let length = 0;
  // sysfs returns a binary attribute in pieces of at most a page: a shorter piece is the end (no
  // second read to learn it), a full one may be followed by more.
  for (let read = PAGE; read >= PAGE && length < binaryBuffer.length; length += read) {
    read = readSync(descriptor, binaryBuffer, length, binaryBuffer.length - length, length);
  }
  return { bytes: binaryBuffer.subarray(0, length) };
}

/** Whether `path` exists (access(2), following links): about half the cost of reading a file. */
export function pathExists(path: string): boolean {
  observer?.("exists", path);
  return existsSync(path);
}

export function readLinkTargetSync(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
