import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Logs go to stderr only, so `--json` output on stdout stays one clean document.
 * Synchronous writes: a CLI that exits right after logging must not lose the line.
 */
export function createLogger(level: string = process.env.ECA_LOG_LEVEL ?? "warn"): Logger {
  return pino({ name: "eca", level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
