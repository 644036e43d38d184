// The daemon's asynchronous file calls, on node:fs's callback API rather than node:fs/promises.
// Loading node:fs/promises loads nine more built-in modules with it (readline's interface and the
// REPL's history among them, for FileHandle.readLines): their source text and code cache are pages
// of the executable the idle daemon then keeps resident, ~1 MB of its RSS for a handful of lstat,
// mkdir and open calls at start-up (bench/idle.bench.ts, BENCHMARKS.md Footprint). Same calls,
// same errors (the callback API throws the same ErrnoExceptions); an open file is a descriptor.

import * as fs from "node:fs";
import { promisify } from "node:util";

export const lstat = promisify(fs.lstat);
export const stat = promisify(fs.stat);
export const realpath = promisify(fs.realpath);
export const mkdir = promisify(fs.mkdir);
export const unlink = promisify(fs.unlink);
export const chmod = promisify(fs.chmod);
export const lchown = promisify(fs.lchown);
export const readFile = promisify(fs.readFile);
export const rm = promisify(fs.rm);

const openFd = promisify(fs.open);
const closeFd = promisify(fs.close);
const fstat = promisify(fs.fstat);
const fchmod = promisify(fs.fchmod);
const readFd = promisify(fs.read);

/** An open file: what the daemon does with one (FileHandle's names), then close() in a finally. */
export interface OpenFile {
  stat(): Promise<fs.Stats>;
  chmod(mode: number): Promise<void>;
  /** Reads at most `length` bytes at `position` into `buffer` at `offset`. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export async function open(path: string, flags: number): Promise<OpenFile> {
  const fd = await openFd(path, flags);
  return {
    stat: () => fstat(fd),
    chmod: (mode) => fchmod(fd, mode),
    read: async (buffer, offset, length, position) => {
      const { bytesRead } = await readFd(fd, buffer, offset, length, position);
      return { bytesRead };
    },
    close: () => closeFd(fd),
  };
}
