// Reading sysfs in a way that also works under umockdev-run (tests replay recorded devices).
//
// What umockdev 0.17's LD_PRELOAD intercepts, found by experiment with Node 26 (see
// test/usb-umockdev.test.ts, which runs the probe that way):
// - intercepted: fs.promises.opendir (readdir(3) under the hood), fs.readFile / fs.promises.readFile
//   and FileHandle reads (open(2)), fs.promises.readlink, fs.promises.realpath; Dirent types from
//   opendir (isSymbolicLink/isDirectory) are right.
// - NOT intercepted: fs.readdir / fs.promises.readdir (libuv's scandir fails with ENOENT),
//   fs.stat / fs.lstat (statx goes straight to the kernel: ENOENT).
// So: list directories with opendir only, learn types from Dirents, never stat.

import { opendir, readFile, readlink } from "node:fs/promises";
import type { RawAttribute } from "./usb-sysfs-parse.ts";

export interface DirectoryEntry {
  name: string;
  isDirectory: boolean;
  isSymbolicLink: boolean;
}

export async function listDirectory(path: string): Promise<DirectoryEntry[]> {
  const directory = await opendir(path, { bufferSize: 128 });
  const entries: DirectoryEntry[] = [];
  for await (const entry of directory) {
    entries.push({
      name: entry.name,
      isDirectory: entry.isDirectory(),
      isSymbolicLink: entry.isSymbolicLink(),
    });
  }
  return entries;
}

/** Reads one attribute as UTF-8 text; a failure is data (the parser turns it into a warning), not an exception. */
export async function readAttribute(path: string): Promise<RawAttribute> {
  try {
    return { text: await readFile(path, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { missing: true };
    return { error: code ?? String(error) };
  }
}

export async function readLinkTarget(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch {
    return undefined;
  }
}
