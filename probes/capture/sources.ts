// Where a probe's raw input comes from: the live machine (run a command) or a capture folder (read
// the file that command's output was saved to). Probes on macOS and Windows never call
// child_process themselves; they ask a SourceReader, so `eca scan --capture DIR` replays exactly
// what `eca capture DIR` recorded, and the parsers behind them stay pure (text in, observations out).

import { execFile } from "node:child_process";
import { closeSync, constants, openSync, readSync } from "node:fs";
import { join } from "node:path";

/** One thing a probe reads: a command's output, saved in a capture folder under `file`. */
export interface CommandSource {
  /** File name in the capture folder, named after the command: "ioreg-usb.txt". */
  file: string;
  /** argv of the live command: ["ioreg", "-p", "IOUSB", "-l", "-w0"]. */
  command: readonly string[];
  /** A command still running after this is killed and the source reported unavailable. */
  timeoutMs: number;
  /** Output beyond this is an error, never read whole (a hostile or broken tool cannot exhaust memory). */
  maxBytes: number;
}

export type SourceOutput =
  | { ok: true; text: string; durationMs: number }
  | { ok: false; reason: string; durationMs?: number };

/** Gives probes their raw input; the only place their I/O happens. */
export interface SourceReader {
  readonly kind: "live" | "capture";
  read(source: CommandSource): Promise<SourceOutput>;
}

/** Runs the command on this machine. */
export function liveSourceReader(): SourceReader {
  return {
    kind: "live",
    read(source) {
      const [program, ...args] = source.command;
      const began = process.hrtime.bigint();
      const elapsed = () => Math.round(Number(process.hrtime.bigint() - began) / 1e6);
      return new Promise((resolve) => {
        if (!program) {
          resolve({ ok: false, reason: `${source.file}: no command` });
          return;
        }
        execFile(
          program,
          args,
          { timeout: source.timeoutMs, maxBuffer: source.maxBytes, windowsHide: true, encoding: "utf8" },
          (error, stdout) => {
            if (error) {
              const code = (error as NodeJS.ErrnoException).code;
              const why =
                code === "ENOENT"
                  ? `${program} is not installed`
                  : code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER"
                    ? `output larger than ${source.maxBytes} bytes`
                    : error.killed
                      ? `no answer within ${source.timeoutMs} ms`
                      : error.message.split("\n")[0];
              resolve({ ok: false, reason: `${source.command.join(" ")}: ${why}`, durationMs: elapsed() });
              return;
            }
            resolve({ ok: true, text: stdout, durationMs: elapsed() });
          },
        );
      });
    },
  };
}

/**
 * Reads at most `maxBytes` of a file; larger files are refused rather than read whole (a file
 * pointing at /dev/zero, a 10 MB "info" file). Returns the text or the reason it cannot be used.
 */
export function readBoundedFile(path: string, maxBytes: number): { text: string } | { reason: string } {
  let fd: number;
  try {
    // Without blocking: a FIFO planted in its place would otherwise wait for a writer for ever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { reason: code === "ENOENT" ? `${path} is missing` : `${path} cannot be read (${code ?? error})` };
  }
  try {
    const buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, 1 << 20));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      total += read;
      if (total > maxBytes) return { reason: `${path} is larger than ${maxBytes} bytes` };
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return { text: Buffer.concat(chunks).toString("utf8") };
  } catch (error) {
    return { reason: `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})` };
  } finally {
    closeSync(fd);
  }
}

/** Reads each source from `directory/<file>`: a file missing from the folder is simply unavailable. */
export function captureSourceReader(directory: string): SourceReader {
  return {
    kind: "capture",
    async read(source) {
      const result = readBoundedFile(join(directory, source.file), source.maxBytes);
      if ("reason" in result) return { ok: false, reason: `capture: ${result.reason}` };
      return { ok: true, text: result.text, durationMs: 0 };
    },
  };
}
