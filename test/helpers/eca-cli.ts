// The real CLI, forked, for the tests that drive eca end to end (pino's way of testing its
// transports): `runEca` runs a command to its end and gives its exit code and output, `forkEca`
// starts one that keeps running (`eca run`), and `exitWithin` checks that it ends and does not
// linger. They do not block, so a daemon the test runs in its own process still answers;
// `runEcaSync` is for tests with none (another process answers, or nothing does).

import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

export const REPO = join(import.meta.dirname, "../..");
export const ECA = join(REPO, "agent/bin/eca.ts");
/** A command still running after this is killed: a hang fails the test instead of stalling it. */
const DEFAULT_TIMEOUT_MS = 30_000;

export interface EcaOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** The whole environment instead: nothing of this process's is passed on. */
  onlyEnv?: NodeJS.ProcessEnv;
  /** Default: the repository, so relative paths in the arguments name files in it. */
  cwd?: string;
  /** Default: this process's node, the pinned one. */
  node?: string;
  /** Default: agent/bin/eca.ts; null for none, when `node` is eca itself (the single executable). */
  entry?: string | null;
  /** A command the node is run through, e.g. ["setpriv", "--reuid", "1000", "--"]. */
  through?: string[];
  uid?: number;
  gid?: number;
}

export interface EcaRun {
  /** The exit code; -1 when a signal ended the process (`signal` says which). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function invocation(args: string[], options: EcaOptions): [string, string[], SpawnOptions] {
  const [command = "", ...rest] = [
    ...(options.through ?? []),
    options.node ?? process.execPath,
    ...(options.entry === null ? [] : [options.entry ?? ECA]),
    ...args,
  ];
  return [
    command,
    rest,
    {
      cwd: options.cwd ?? REPO,
      env: options.onlyEnv ?? { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    },
  ];
}

function start(args: string[], options: EcaOptions): ChildProcess {
  return spawn(...invocation(args, options));
}

/** As runEca, blocking this process: for tests with no daemon in it (another process answers). */
export function runEcaSync(args: string[], options: EcaOptions & { timeoutMs?: number } = {}): EcaRun {
  const [command, argv, spawnOptions] = invocation(args, options);
  const result = spawnSync(command, argv, {
    ...spawnOptions,
    encoding: "utf8",
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  if (result.error && result.status === null && result.signal === null) throw result.error;
  return { code: result.status ?? -1, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `eca ARGS` to its end and never rejects: a non-zero exit is a result to check. A command
 * still running after `timeoutMs` is killed (SIGKILL) and its result says so: it must not hang.
 */
export function runEca(args: string[], options: EcaOptions & { timeoutMs?: number } = {}): Promise<EcaRun> {
  return new Promise((resolve, reject) => {
    const child = start(args, options);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    });
  });
}

export interface ForkedEca {
  child: ChildProcess;
  /** stdout and stderr so far, as they came. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit; at once when it has exited already. */
  stop: () => Promise<void>;
}

/** Starts `eca ARGS` (usually `run`) and keeps what it writes; the test decides when it ends. */
export function forkEca(args: string[], options: EcaOptions = {}): ForkedEca {
  const child = start(args, options);
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return { child, output: () => output, exited, stop };
}

/** Resolves with the exit, or rejects if the process is still alive after `ms`: it must not linger. */
export async function exitWithin(agent: ForkedEca, ms: number): Promise<{ code: number | null }> {
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
