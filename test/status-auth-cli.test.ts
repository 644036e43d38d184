// `eca status` against a daemon started with statusAuth (the exchange Windows always uses), forked
// through the real CLI: exit codes and messages for an authorised user, a user who cannot read the
// key, a squatter on the socket after the daemon stopped, and nothing at all.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFrame, NONCE_BYTES } from "../agent/daemon/status-auth.ts";
import { type EcaRun, forkEca, runEca } from "./helpers/eca-cli.ts";

const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), "eca-status-auth-cli-"));
const config = join(dir, "config.yaml");
const socketPath = join(dir, "run", "eca.sock");

/** `eca ARGS`, as root or as the user `as`. */
function eca(args: string[], as?: number): Promise<EcaRun> {
  return runEca(args, as === undefined ? {} : { uid: as, gid: as });
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
    const agent = forkEca(["run", "--config", config]);
    try {
      let result: EcaRun = { stdout: "", stderr: "", code: -1, signal: null };
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
        result = await eca(["status", "--json", "--config", config]);
        if (result.stdout.includes('"running": true')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const status = JSON.parse(result.stdout) as {
        running: boolean;
        statusChannel?: { authenticated: boolean };
      };
      expect(status.running, agent.output()).toBe(true);
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
      await agent.stop();
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
