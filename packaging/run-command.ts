// Runs a build tool without blocking the event loop, so package.ts can build two targets at once.
// Fails with the tool's exit status and what it wrote on stderr.

import { spawn } from "node:child_process";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Let the tool write to this process's stdout and stderr. */
  inherit?: boolean;
}

export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
      stdio: ["ignore", options.inherit ? "inherit" : "ignore", options.inherit ? "inherit" : "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString();
    });
    child.on("error", fail);
    child.on("close", (code, signal) => {
      if (code === 0) done();
      else
        fail(
          new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`),
        );
    });
  });
}
