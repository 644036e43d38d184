// Writes a command's output straight to file descriptor 1. process.stdout is made on first use,
// and making it (a net.Socket for a pipe, a stream for a file, with node:stream and its friends)
// cost a one-shot `eca scan --json` ~2-3 ms of its start-up (bench/results/startup.md).

import { writeSync } from "node:fs";

/**
 * Writes all of `text` to stdout. A reader that went away (EPIPE: `eca scan | head`) ends the
 * output quietly; a non-blocking stdout that is full (EAGAIN) gets the rest through process.stdout,
 * which waits for it.
 */
export function writeStdout(text: string): void {
  let rest = Buffer.from(text, "utf8");
  try {
    while (rest.length > 0) rest = rest.subarray(writeSync(1, rest));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return;
    if (code !== "EAGAIN") throw error;
    process.stdout.write(rest);
  }
}
