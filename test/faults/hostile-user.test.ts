// Fault injection: a hostile local user against the status socket and the state directory. Each
// test is named after what the user could do before the fix. The daemon runs in this process as
// root; the hostile user is a real account (created with useradd) whose commands are forked with
// setpriv, so the kernel, not the test, decides what it may do.
//
// Needs root (to create the user, own the daemon's paths and switch user). Skipped otherwise.

import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentConfig, loadConfig } from "../../agent/config/config.ts";
import { type RunningDaemon, startDaemon } from "../../agent/daemon/daemon.ts";
import { DB_FILE } from "../../agent/daemon/secure-paths.ts";
import { silentLogger } from "../../agent/log.ts";
import { DB_FILE as OUTBOX_DB_FILE } from "../../agent/outbox/outbox.ts";
import { usbStick } from "../helpers/devices.ts";
import { runEca } from "../helpers/eca-cli.ts";

const HOSTILE = "eca-hostile";
const isRoot = process.geteuid?.() === 0;
const hasTools = existsSync("/usr/sbin/useradd") && existsSync("/usr/bin/setpriv");
const skipReason = !isRoot
  ? "needs root: it creates a local user and runs the daemon's paths as root"
  : !hasTools
    ? "needs useradd and setpriv (Debian: passwd, util-linux)"
    : "";
if (skipReason) console.warn(`hostile-user tests skipped: ${skipReason}`);

const stick = usbStick("4C530001");

let uid = -1;
let gid = -1;
let base = "";
let replayFile = "";
let defaults: AgentConfig;

/** setpriv's arguments that run what follows as the hostile user, with no supplementary groups (so not in adm). */
function hostile(): string[] {
  return ["setpriv", "--reuid", String(uid), "--regid", String(gid), "--clear-groups", "--"];
}

/** The environment a user's own shell gives: nothing of root's. */
const USER_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/" };

/** Runs a command as the hostile user; its exit status. */
function asHostile(command: string, args: string[]): number | null {
  const [setpriv = "setpriv", ...privileges] = hostile();
  return spawnSync(setpriv, [...privileges, command, ...args], { env: USER_ENV }).status;
}

/** A fresh directory under the (0755) test base, made by root with the given mode. */
function dir(name: string, mode = 0o755): string {
  const path = join(base, name);
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  return path;
}

function config(overrides: Partial<AgentConfig>): AgentConfig {
  return {
    ...defaults,
    replayFile,
    backends: ["replay"],
    pollIntervalSeconds: 3600,
    heartbeatMinutes: 1440,
    statusGroup: "adm",
    ...overrides,
  };
}

function start(overrides: Partial<AgentConfig>): Promise<RunningDaemon> {
  return startDaemon(config(overrides), silentLogger);
}

/** A root-owned file the attacker wants turned into something they can use. */
function victim(name: string): string {
  const path = join(base, name);
  writeFileSync(path, "root's own\n", { mode: 0o644 });
  chmodSync(path, 0o644);
  return path;
}

function expectUntouched(path: string): void {
  const stats = statSync(path);
  expect({ uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o7777 }).toEqual({
    uid: 0,
    gid: 0,
    mode: 0o644,
  });
  expect(readFileSync(path, "utf8")).toBe("root's own\n");
}

describe.skipIf(skipReason !== "")("a hostile local user", () => {
  beforeAll(async () => {
    if (spawnSync("getent", ["passwd", HOSTILE]).status !== 0) {
      execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", HOSTILE]);
    }
    uid = Number(execFileSync("id", ["-u", HOSTILE], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", HOSTILE], { encoding: "utf8" }).trim());
    base = mkdtempSync(join(tmpdir(), "eca-hostile-"));
    chmodSync(base, 0o755);
    replayFile = join(base, "devices.json");
    writeFileSync(replayFile, JSON.stringify({ observations: [stick] }));
    chmodSync(replayFile, 0o644);
    defaults = await loadConfig(undefined);
  });

  afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
  });

  describe("against the status socket", () => {
    it("a symlink swapped into a socket directory the user owns no longer makes a root file root:adm 0660", async () => {
      const sockets = dir("a-owned-sockets");
      chownSync(sockets, uid, gid);
      const target = victim("a-owned-victim");
      expect(asHostile("ln", ["-s", target, join(sockets, "eca.sock")])).toBe(0);
      await expect(
        start({ stateDir: join(dir("a-owned"), "state"), socketPath: join(sockets, "eca.sock") }),
      ).rejects.toThrow(`${sockets}: the status socket directory is owned by uid ${uid}`);
      expectUntouched(target);
      expect(lstatSync(join(sockets, "eca.sock")).isSymbolicLink()).toBe(true);
    });

    it("a socket directory anyone can write to is refused, with the fix", async () => {
      const sockets = dir("a-open-sockets", 0o777);
      const target = victim("a-open-victim");
      expect(asHostile("ln", ["-s", target, join(sockets, "eca.sock")])).toBe(0);
      const started = start({
        stateDir: join(dir("a-open"), "state"),
        socketPath: join(sockets, "eca.sock"),
      });
      await expect(started).rejects.toThrow(/can be written by every user \(mode 0777\).*install -d -m 0755/);
      expectUntouched(target);
    });

    it("a symlink left at the socket path is refused, never followed nor removed", async () => {
      const sockets = dir("a-left-sockets");
      const target = victim("a-left-victim");
      execFileSync("ln", ["-s", target, join(sockets, "eca.sock")]);
      await expect(
        start({ stateDir: join(dir("a-left"), "state"), socketPath: join(sockets, "eca.sock") }),
      ).rejects.toThrow("is a symbolic link, not a socket");
      expectUntouched(target);
    });

    it("eca run creates a missing socket directory (0755) and the socket is 0660 root:adm", async () => {
      const socketPath = join(base, "a-missing-run", "eca", "eca.sock");
      const daemon = await start({ stateDir: join(dir("a-missing"), "state"), socketPath });
      try {
        const directory = lstatSync(join(base, "a-missing-run", "eca"));
        expect({ uid: directory.uid, mode: directory.mode & 0o7777 }).toEqual({ uid: 0, mode: 0o755 });
        const socket = lstatSync(socketPath);
        const adm = Number(execFileSync("getent", ["group", "adm"], { encoding: "utf8" }).split(":")[2]);
        expect(socket.isSocket()).toBe(true);
        expect({ uid: socket.uid, gid: socket.gid, mode: socket.mode & 0o777 }).toEqual({
          uid: 0,
          gid: adm,
          mode: 0o660,
        });
      } finally {
        await daemon.stop();
      }
    });
  });

  describe("against the state directory", () => {
    it("a state directory the user owns is refused", async () => {
      const state = dir("b-owned-state", 0o700);
      chownSync(state, uid, gid);
      await expect(start({ stateDir: state, socketPath: join(dir("b-owned"), "eca.sock") })).rejects.toThrow(
        `${state}: the state directory is owned by uid ${uid}, not by the agent's user (root)`,
      );
    });

    it("a state directory under a directory the user owns is refused, naming that directory", async () => {
      const parent = dir("b-parent");
      chownSync(parent, uid, gid);
      const state = join(parent, "state");
      await expect(
        start({ stateDir: state, socketPath: join(dir("b-parent-run"), "eca.sock") }),
      ).rejects.toThrow(`${parent}: is owned by uid ${uid}, who could replace the state directory below it`);
    });

    it("a state directory reached through a link into the user's directory is refused", async () => {
      const theirs = dir("b-link-theirs");
      chownSync(theirs, uid, gid);
      const link = join(dir("b-link"), "lib");
      execFileSync("ln", ["-s", theirs, link]);
      // Both spellings: the state directory is the link, or lies below it.
      for (const state of [link, join(link, "state")]) {
        await expect(
          start({ stateDir: state, socketPath: join(dir("b-link-run"), "eca.sock") }),
        ).rejects.toThrow(`uid ${uid}`);
      }
      expect(existsSync(join(theirs, "state"))).toBe(false); // refused before creating anything there
    });

    it("a state.db planted in a writable state directory is never delivered as the agent's", async () => {
      // The planted database holds a queued event the agent would have sent with its credentials.
      const planted = join(base, "planted.db");
      const db = new DatabaseSync(planted);
      db.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, payload TEXT)");
      db.exec(`INSERT INTO events (payload) VALUES ('{"forged":true}')`);
      db.close();
      chmodSync(planted, 0o644);
      const state = dir("c-state", 0o777);
      expect(asHostile("cp", [planted, join(state, DB_FILE)])).toBe(0);
      const socketPath = join(dir("c-run"), "eca.sock");
      await expect(start({ stateDir: state, socketPath })).rejects.toThrow(
        `${state}: the state directory can be written by every user (mode 0777)`,
      );
      // The administrator tightens the directory, but the planted file is still the user's.
      chmodSync(state, 0o700);
      await expect(start({ stateDir: state, socketPath })).rejects.toThrow(
        `${join(state, DB_FILE)}: is owned by uid ${uid}, not by the agent's user (root): someone else put it there`,
      );
      expect(existsSync(socketPath)).toBe(false); // refused before anything started
    });

    it("a state.db that is a symlink to another file is refused", async () => {
      const state = dir("c-link-state", 0o700);
      const target = victim("c-link-victim");
      execFileSync("ln", ["-s", target, join(state, DB_FILE)]);
      await expect(start({ stateDir: state, socketPath: join(dir("c-link"), "eca.sock") })).rejects.toThrow(
        "is a symbolic link, not the agent's own database file",
      );
      expectUntouched(target);
    });

    it("state files are created 0600 even under umask 000", async () => {
      const state = join(dir("c-umask", 0o755), "state");
      const previous = process.umask(0);
      let daemon: RunningDaemon | undefined;
      try {
        daemon = await start({ stateDir: state, socketPath: join(dir("c-umask-run"), "eca.sock") });
        await daemon.scanNow("test");
      } finally {
        await daemon?.stop();
        process.umask(previous);
      }
      expect(statSync(state).mode & 0o777).toBe(0o700);
      for (const name of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`]) {
        if (existsSync(join(state, name))) expect(statSync(join(state, name)).mode & 0o777).toBe(0o600);
      }
      expect(statSync(join(state, DB_FILE)).mode & 0o777).toBe(0o600);
    });

    it("a state.db left 0644 by an older version is tightened to 0600", async () => {
      const state = dir("c-loose-state", 0o700);
      writeFileSync(join(state, DB_FILE), "");
      chmodSync(join(state, DB_FILE), 0o644);
      const daemon = await start({ stateDir: state, socketPath: join(dir("c-loose-run"), "eca.sock") });
      await daemon.stop();
      expect(statSync(join(state, DB_FILE)).mode & 0o777).toBe(0o600);
    });

    it("names the same database file as the outbox", () => {
      expect(DB_FILE).toBe(OUTBOX_DB_FILE);
    });
  });

  describe("eca status outside the status group", () => {
    let daemon: RunningDaemon;
    let socketPath = "";

    beforeAll(async () => {
      socketPath = join(dir("d-run"), "eca.sock");
      daemon = await start({ stateDir: join(dir("d"), "state"), socketPath });
    });

    afterAll(async () => {
      await daemon?.stop();
    });

    it("says permission denied and who may ask, instead of 'not running' and a live scan", async () => {
      const result = await runEca(["status", "--socket", socketPath], {
        through: hostile(),
        onlyEnv: USER_ENV,
      });
      expect(result.stderr).toContain("permission denied: run as root or join group adm");
      expect(result.code).toBe(2);
      expect(result.stdout).not.toContain("NOT running");
      expect(result.stdout).not.toContain("Live scan");
    });

    it("--json says the same, with running: null (not known), not running: false", async () => {
      const result = await runEca(["status", "--json", "--socket", socketPath], {
        through: hostile(),
        onlyEnv: USER_ENV,
      });
      expect(result.code).toBe(2);
      const answer = JSON.parse(result.stdout) as { running: unknown; reason: string; scan?: unknown };
      expect(answer.running).toBeNull();
      expect(answer.reason).toContain("permission denied: run as root or join group adm");
      expect(answer).not.toHaveProperty("scan");
    });

    it("root still gets the status", async () => {
      const result = await runEca(["status", "--json", "--socket", socketPath], { onlyEnv: USER_ENV });
      expect(result.stdout).toContain('"running": true');
      expect(result.code).toBe(1); // the replayed stick is a finding
      expect((JSON.parse(result.stdout) as { running: boolean }).running).toBe(true);
    });
  });
});
