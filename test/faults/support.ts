// Shared by the fault-injection tests: a seeded random source (the seed is printed on failure, and
// ECA_FAULT_SEED replays one), recorded devices for the replay backend, a quiet logger that keeps
// its lines, polling without timing assertions, and `eca run` forked as a real process.

import { type ChildProcess, spawn } from "node:child_process";
import pino, { type Logger } from "pino";

export { recording, usbStick } from "../helpers/devices.ts";

import { mulberry32 } from "../helpers/mulberry32.ts";

export const ECA = new URL("../../agent/bin/eca.ts", import.meta.url).pathname;

export const seeded = mulberry32;

export function faultSeed(fallback: number): number {
  const fromEnv = Number(process.env.ECA_FAULT_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : fallback;
}

export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A logger that keeps its lines, for asserting what the daemon said. */
export function capturingLogger(): { logger: Logger; lines: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
  return { logger, lines: () => lines.join("") };
}

export interface ForkedAgent {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node agent/bin/eca.ts run ...`, pino-style: the test reads its exit code and stderr. */
export function forkAgent(args: string[], env: Record<string, string> = {}): ForkedAgent {
  const child = spawn(process.execPath, [ECA, "run", ...args], {
    env: { ...process.env, ECA_LOG_LEVEL: "info", NODE_USE_ENV_PROXY: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** Resolves with the exit, or rejects if the process is still alive after `ms`: it must not linger. */
export async function exitWithin(agent: ForkedAgent, ms: number): Promise<{ code: number | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      agent.child.kill("SIGKILL");
      reject(new Error(`still running after ${ms} ms:\n${agent.output()}`));
    }, ms);
  });
  try {
    return await Promise.race([agent.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}
