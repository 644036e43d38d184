// Shared by the fault-injection tests: a seeded random source (the seed is printed on failure, and
// ECA_FAULT_SEED replays one), recorded devices for the replay backend, a quiet logger that keeps
// its lines, polling without timing assertions, and `eca run` forked as a real process.

import { createLogger, type Logger } from "../../agent/log.ts";
import { type ForkedEca as ForkedAgent, forkEca } from "../helpers/eca-cli.ts";
import { mulberry32 } from "../helpers/mulberry32.ts";

export { recording, usbStick } from "../helpers/devices.ts";
export { ECA, exitWithin, type ForkedEca as ForkedAgent } from "../helpers/eca-cli.ts";
export { until } from "../helpers/until.ts";
export const seeded = mulberry32;

export function faultSeed(fallback: number): number {
  const fromEnv = Number(process.env.ECA_FAULT_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : fallback;
}

/** A logger that keeps its lines, for asserting what the daemon said. */
export function capturingLogger(): { logger: Logger; lines: () => string } {
  const lines: string[] = [];
  const logger = createLogger("info", { write: (line: string) => lines.push(line) });
  return { logger, lines: () => lines.join("") };
}

/** `node agent/bin/eca.ts run ...`, forked: the test reads its exit code and stderr. */
export function forkAgent(args: string[], env: Record<string, string> = {}): ForkedAgent {
  return forkEca(["run", ...args], { env: { ECA_LOG_LEVEL: "info", NODE_USE_ENV_PROXY: "", ...env } });
}
