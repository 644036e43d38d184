// Where a probe's raw input comes from: the live machine (run a command) or a capture folder (read
// the file that command's output was saved to). Probes on macOS and Windows never call
// child_process themselves; they ask a SourceReader, so `eca scan --capture DIR` replays exactly
// what `eca capture DIR` recorded, and the parsers behind them stay pure (text in, observations out).

import { execFile } from "node:child_process";
import { join } from "node:path";
import { readBoundedText } from "../../agent/bounded-read.ts";

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
  /** Tried when this one fails (system_profiler -xml where -json is too new); the first that answers counts. */
  fallback?: CommandSource;
  /**
   * What the output must look like to count as an answer ("a JSON object"), for commands that
   * exit 0 with something else (an old system_profiler printing text for -json). Output that fails
   * the test is treated as a failure, so the fallback is tried.
   */
  expects?: { test: (text: string) => boolean; description: string };
}

export type SourceOutput =
  | { ok: true; text: string; durationMs: number }
  | { ok: false; reason: string; durationMs?: number; exitCode?: number };

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
              const code = (error as { code?: unknown }).code;
              const why =
                code === "ENOENT"
                  ? `${program} is not installed`
                  : code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER"
                    ? `output larger than ${source.maxBytes} bytes`
                    : error.killed
                      ? `no answer within ${source.timeoutMs} ms`
                      : error.message.split("\n")[0];
              const failed: SourceOutput = {
                ok: false,
                reason: `${source.command.join(" ")}: ${why}`,
                durationMs: elapsed(),
              };
              if (typeof code === "number") failed.exitCode = code;
              resolve(failed);
              return;
            }
            resolve({ ok: true, text: stdout, durationMs: elapsed() });
          },
        );
      });
    },
  };
}

/** Reads each source from `directory/<file>`: a file missing from the folder is simply unavailable. */
export function captureSourceReader(directory: string): SourceReader {
  return {
    kind: "capture",
    async read(source) {
      const result = readBoundedText(join(directory, source.file), source.maxBytes);
      if (!result.ok) return { ok: false, reason: `capture: ${result.reason}` };
      return { ok: true, text: result.text, durationMs: 0 };
    },
  };
}

/**
 * Reads a source, then its fallbacks in turn until one answers. Returns the source that answered
 * (or the last tried) with its output, and every failure on the way (a capture lists them).
 */
export async function readWithFallback(
  reader: SourceReader,
  source: CommandSource,
): Promise<{
  source: CommandSource;
  output: SourceOutput;
  failures: { source: CommandSource; output: SourceOutput }[];
}> {
  const failures: { source: CommandSource; output: SourceOutput }[] = [];
  for (let current: CommandSource | undefined = source; ; ) {
    let output = await reader.read(current);
    if (output.ok && current.expects && !current.expects.test(output.text)) {
      output = {
        ok: false,
        reason: `${current.command.join(" ") || current.file}: the output is not ${current.expects.description}`,
        durationMs: output.durationMs,
        exitCode: 0,
      };
    }
    if (output.ok || !current.fallback) return { source: current, output, failures };
    failures.push({ source: current, output });
    current = current.fallback;
  }
}

/**
 * Answers each source from its last successful output for `minIntervalMs` (monotonic clock), so a
 * slow command (system_profiler) is not spawned on every poll. Failures are not kept: the next
 * read tries again. A capture reader is returned as is: files are cheap and never go stale.
 */
export function throttledSourceReader(
  inner: SourceReader,
  minIntervalMs: number,
  now: () => number = () => Number(process.hrtime.bigint() / 1_000_000n),
): SourceReader {
  if (inner.kind === "capture") return inner;
  const last = new Map<string, { at: number; output: SourceOutput }>();
  return {
    kind: inner.kind,
    async read(source) {
      const kept = last.get(source.file);
      if (kept && now() - kept.at < minIntervalMs) return kept.output;
      const output = await inner.read(source);
      if (output.ok) last.set(source.file, { at: now(), output });
      else last.delete(source.file);
      return output;
    },
  };
}
