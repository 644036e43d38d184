// `eca status` against a daemon started with statusAuth (the exchange Windows always uses), forked
// through the real CLI: exit codes and messages for an authorised user, a user who cannot read the
// key, a squatter on the socket after the daemon stopped, and nothing at all.

import { execFile, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFrame, NONCE_BYTES } from "../agent/daemon/status-auth.ts";

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "..");
const ECA = join(REPO, "agent/bin/eca.ts");
const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), "eca-status-auth-cli-"));
const config = join(dir, "config.yaml");
const socketPath = join(dir, "run", "eca.sock");

interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

function eca(args: string[], as?: number): Promise<Result> {
  return run(process.execPath, [ECA, ...args], {
    cwd: REPO,
    ...(as === undefined ? {} : { uid: as, gid: as }),
  }).then(
    (r) => ({ stdout: r.stdout, stderr: r.stderr, code: 0 }),
    (e: Result) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
  );
}

beforeAll(() => {
  // Readable by the unprivileged user (the configuration), the state directory made 0700 by eca.
  chmodSync(dir, 0o755);
  writeFileSync(
    config,
    `stateDir: ${join(dir, "state")}\nsocketPath: ${socketPath}\nroot: ${join(dir, "missing")}\npollIntervalSeconds: 1\nstatusAuth: true\n`,
    { mode: 0o644 },
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("eca status through the authenticated exchange", () => {
  it("answers root, denies others by name, finds out a squatter, and says when nothing runs", {
    timeout: 60_000,
  }, async () => {
    const agent = spawn(process.execPath, [ECA, "run", "--config", config], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    agent.stderr?.on("data", (c: Buffer) => {
      log += c.toString();
    });
    try {
      let result: Result = { stdout: "", stderr: "", code: -1 };
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
        result = await eca(["status", "--json", "--config", config]);
        if (result.stdout.includes('"running": true')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const status = JSON.parse(result.stdout) as {
        running: boolean;
        statusChannel?: { authenticated: boolean };
      };
      expect(status.running, log).toBe(true);
      expect(status.statusChannel).toEqual({ authenticated: true });
      // Nothing observed under the missing root: could not check.
      expect(result.code).toBe(3);
      const text = await eca(["status", "--config", config]);
      expect(text.code).toBe(3);
      expect(text.stdout).toContain("is running");

      // A user who cannot read the key: permission denied, exit 2, never "not running".
      const denied = await eca(["status", "--config", config], NOBODY);
      expect(denied.code).toBe(2);
      expect(denied.stderr).toContain("eca status: permission denied: run eca status as root");
      expect(denied.stdout).not.toContain("NOT running");
      const deniedJson = await eca(["status", "--json", "--config", config], NOBODY);
      expect(deniedJson.code).toBe(2);
      expect(JSON.parse(deniedJson.stdout)).toMatchObject({ running: null });
    } finally {
      agent.kill("SIGTERM");
      await new Promise((resolve) => agent.once("exit", resolve));
    }

    // The daemon is gone, its key file stays; something else takes the socket and plays server.
    const squatter = createServer((c) => {
      c.on("error", () => {});
      c.once("data", () => {
        const fake = Buffer.alloc(NONCE_BYTES, 7);
        c.end(encodeFrame({ type: "server", nonce: fake, proof: fake }));
      });
    });
    await new Promise<void>((resolve) => squatter.listen(socketPath, resolve));
    try {
      const taken = await eca(["status", "--config", config]);
      expect(taken.code).toBe(2);
      expect(taken.stderr).toContain(`${socketPath} is answered by something that is not the eca service`);
      expect(taken.stdout).not.toContain("Live scan");
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }

    // Nothing listens: not running, and a live scan as before.
    const none = await eca(["status", "--config", config]);
    expect(none.stdout).toContain("eca is NOT running");
    expect(none.code).toBe(3);
  });
});
