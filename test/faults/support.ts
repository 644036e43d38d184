// Shared by the fault-injection tests: a seeded random source (the seed is printed on failure, and
// ECA_FAULT_SEED replays one), recorded devices for the replay backend, a quiet logger that keeps
// its lines, polling without timing assertions, and `eca run` forked as a real process.

import { type ChildProcess, spawn } from "node:child_process";
import pino, { type Logger } from "pino";

export const ECA = new URL("../../agent/bin/eca.ts", import.meta.url).pathname;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultSeed(fallback: number): number {
  const fromEnv = Number(process.env.ECA_FAULT_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : fallback;
}

export function usbStick(serial: string, portPath = "1-2"): Record<string, unknown> {
  return {
    bus: "usb",
    source: "replay",
    id: `usb:0781:5581:${serial}`,
    vendorId: "0781",
    productId: "5581",
    serial,
    manufacturer: "SanDisk",
    product: "Ultra",
    interfaces: [{ class: "08", subclass: "06", protocol: "50" }],
    portPath,
    parents: ["usb1"],
    isRootHub: false,
    removable: "removable",
    connectType: "hotplug",
  };
}

export function recording(...observations: Record<string, unknown>[]): string {
  return JSON.stringify({ observations });
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
