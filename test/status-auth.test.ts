// The authenticated status exchange (agent/daemon/status-auth.ts) over real Unix sockets: the same
// code answers the Windows pipe. Each case is a way a client or a server could cheat or break it.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { renderStatus } from "../agent/cli/status-command.ts";
import {
  decodeFrame,
  encodeFrame,
  MAX_FRAME_BYTES,
  NONCE_BYTES,
  proof,
  requestAuthenticated,
} from "../agent/daemon/status-auth.ts";
import {
  deniedReason,
  provisionStatusKey,
  readStatusKey,
  STATUS_KEY_FILE,
} from "../agent/daemon/status-key.ts";
import {
  listenWhenFree,
  requestStatus,
  StatusServer,
  serveStatus,
  statusChannelHealth,
} from "../agent/daemon/status-socket.ts";
import type { StatusChannel } from "../agent/daemon/status-types.ts";
import type { AclTool } from "../agent/daemon/windows-acl.ts";
import type { StatusChannelHealth } from "../agent/events/ocsf.ts";
import { createLogger, silentLogger } from "../agent/log.ts";
import { daemonStatus } from "./helpers/daemon-status.ts";

const work = mkdtempSync(join(tmpdir(), "eca-status-auth-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const silent = silentLogger;
let serial = 0;
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const STATUS = daemonStatus();

function paths(): { stateDir: string; socketPath: string } {
  const dir = join(work, `case-${++serial}`);
  const stateDir = join(dir, "state");
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return { stateDir, socketPath: join(dir, "run", "eca.sock") };
}

async function daemon(options: { timeoutMs?: number } = {}) {
  const { stateDir, socketPath } = paths();
  let served = 0;
  const server = await serveStatus(
    socketPath,
    undefined,
    () => {
      served++;
      return STATUS;
    },
    silent,
    { stateDir, authenticate: true, ...options },
  );
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { stateDir, socketPath, server, served: () => served };
}

function connect(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Everything the peer sends until it closes. */
function drain(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.once("close", () => resolve(Buffer.concat(chunks)));
  });
}

function frames(bytes: Buffer): Record<string, unknown>[] {
  return bytes
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the authenticated status exchange", () => {
  it("a client holding the key gets the status, proved by the server", async () => {
    const { stateDir, socketPath, served } = await daemon();
    const answer = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    expect(answer.running).toBe(true);
    if (answer.running) {
      expect(answer.status.version).toBe("test");
      expect(answer.status.statusChannel).toEqual({ authenticated: true });
    }
    expect(served()).toBe(1);
    // The key never crosses the socket; the key file is 0600.
    expect(readFileSync(join(stateDir, STATUS_KEY_FILE), "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it("a client with the wrong key believes nothing and the server gives nothing", async () => {
    const { socketPath, served } = await daemon();
    const result = await requestAuthenticated(await connect(socketPath), randomBytes(32));
    expect(result).toMatchObject({ ok: false, impostor: true });
    expect(served()).toBe(0);
  });

  it("a client that sends a forged proof is refused without the status", async () => {
    const { socketPath, served } = await daemon();
    const socket = await connect(socketPath);
    const received = drain(socket);
    socket.write(encodeFrame({ type: "hello", nonce: randomBytes(NONCE_BYTES) }));
    socket.write(encodeFrame({ type: "client", proof: randomBytes(32) }));
    const answer = frames(await received);
    expect(answer.map((f) => f.type)).toEqual(["server", "error"]);
    expect(answer[1]).toMatchObject({ code: "denied", v: 1 });
    expect(served()).toBe(0);
  });

  it("a proof the server made cannot be replayed as the client's (role labels)", async () => {
    const { socketPath, served } = await daemon();
    const socket = await connect(socketPath);
    const received: Buffer[] = [];
    socket.on("data", (c: Buffer) => {
      received.push(c);
      const first = frames(Buffer.concat(received))[0];
      if (first?.type === "server" && received.length === 1)
        socket.write(encodeFrame({ type: "client", proof: Buffer.from(first.proof as string, "base64") }));
    });
    const done = new Promise((resolve) => socket.once("close", resolve));
    socket.write(encodeFrame({ type: "hello", nonce: randomBytes(NONCE_BYTES) }));
    await done;
    expect(frames(Buffer.concat(received)).map((f) => f.code ?? f.type)).toEqual(["server", "denied"]);
    expect(served()).toBe(0);
  });

  it("a squatting server without the key is found out: eca status is told it is not eca", async () => {
    const { stateDir, socketPath } = paths();
    mkdirSync(join(socketPath, ".."), { recursive: true });
    await provisionStatusKey(stateDir);
    // It answers as a real server would, with a proof made from a key of its own.
    const fake = createServer((c) => {
      c.on("error", () => {});
      c.once("data", (line: Buffer) => {
        const hello = decodeFrame(line.subarray(0, line.indexOf(0x0a)));
        const ns = randomBytes(NONCE_BYTES);
        if (hello.type === "hello")
          c.write(
            encodeFrame({
              type: "server",
              nonce: ns,
              proof: proof(randomBytes(32), "server", hello.nonce, ns),
            }),
          );
      });
    });
    await new Promise<void>((resolve) => fake.listen(socketPath, resolve));
    closers.push(() => new Promise<void>((resolve) => fake.close(() => resolve())));
    const answer = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    expect(answer).toMatchObject({ running: null, denied: false });
    if (answer.running === null)
      expect(answer.reason).toContain("is answered by something that is not the eca service");
  });

  it("a squatter that answers the old way (the document at once) is not believed either", async () => {
    const { stateDir, socketPath } = paths();
    mkdirSync(join(socketPath, ".."), { recursive: true });
    await provisionStatusKey(stateDir);
    const fake = createServer((c) => c.resume().end(`${JSON.stringify(STATUS)}\n`));
    await new Promise<void>((resolve) => fake.listen(socketPath, resolve));
    closers.push(() => new Promise<void>((resolve) => fake.close(() => resolve())));
    const answer = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    expect(answer.running).toBeNull();
    if (answer.running === null) expect(answer.reason).toContain("not the eca service");
  });

  it("a client that only reads gets nothing, and is cut off", async () => {
    const { socketPath, served } = await daemon({ timeoutMs: 300 });
    const socket = await connect(socketPath);
    expect((await drain(socket)).length).toBe(0);
    expect(served()).toBe(0);
  });

  it("a slow client is cut off whatever it trickles (the deadline is for the whole exchange)", async () => {
    const { socketPath, served } = await daemon({ timeoutMs: 300 });
    const socket = await connect(socketPath);
    const received = drain(socket);
    const hello = encodeFrame({ type: "hello", nonce: randomBytes(NONCE_BYTES) });
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < hello.length - 1 && !socket.destroyed) socket.write(hello.subarray(sent, ++sent));
    }, 20);
    await received;
    clearInterval(trickle);
    expect(served()).toBe(0);
  });

  it("an oversized message is refused at the bound, not buffered", async () => {
    const { socketPath, served } = await daemon();
    const socket = await connect(socketPath);
    const received = drain(socket);
    socket.write(Buffer.alloc(MAX_FRAME_BYTES * 64, 0x61));
    const answer = await received;
    expect(answer.length).toBeLessThan(MAX_FRAME_BYTES);
    if (answer.length > 0) expect(frames(answer)[0]).toMatchObject({ type: "error", code: "malformed" });
    expect(served()).toBe(0);
  });

  it("garbled messages and another version get an error that says which", async () => {
    const { socketPath } = await daemon();
    const cases: [string, string][] = [
      ["not json\n", "malformed"],
      ['{"eca":"status","v":1,"type":"hello","nonce":"short"}\n', "malformed"],
      ['{"eca":"status","v":2,"type":"hello","nonce":"x"}\n', "version"],
      ['{"eca":"status","v":1,"type":"client","proof":"x"}\n', "malformed"],
      ["[1,2,3]\n", "malformed"],
    ];
    for (const [line, code] of cases) {
      const socket = await connect(socketPath);
      const received = drain(socket);
      socket.write(line);
      const [answer] = frames(await received);
      expect(answer, line).toMatchObject({ type: "error", code });
    }
  });

  it("without a key it can trust, the server says why, and the client says it is unproven", async () => {
    const { stateDir, socketPath } = paths();
    mkdirSync(join(socketPath, ".."), { recursive: true });
    writeFileSync(join(stateDir, STATUS_KEY_FILE), `${"ab".repeat(32)}\n`, { mode: 0o600 });
    // The Windows path, with icacls reporting a directory Everyone may read.
    const acl: AclTool = {
      restrict: async () => {},
      dacl: async () => "D:AI(A;ID;0x1200a9;;;WD)(A;ID;FA;;;SY)",
    };
    const server = await serveStatus(socketPath, undefined, () => STATUS, silent, {
      stateDir,
      platform: "win32",
      acl,
    });
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    // No key is left behind for anyone to read.
    expect(existsSync(join(stateDir, STATUS_KEY_FILE))).toBe(false);
    const answer = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    expect(answer).toMatchObject({ running: null, denied: false });
    if (answer.running === null) {
      expect(answer.reason).toContain("there is no status key");
      expect(answer.reason).toContain('it says "unavailable: status not served: the state directory');
      expect(answer.reason).toContain("Everyone (WD)");
    }
  });
});

describe("the Windows path, with recorded ACLs", () => {
  const restricted = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
  const inherited = "D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)";
  const userMade = "D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)";

  it("a directory fixed later is tried again, and status is served from then on", async () => {
    const { stateDir, socketPath } = paths();
    mkdirSync(join(socketPath, ".."), { recursive: true });
    let fixed = false;
    const acl: AclTool = {
      restrict: async () => {},
      dacl: async (path) => (!fixed ? userMade : path === stateDir ? restricted : inherited),
    };
    const told: StatusChannelHealth[] = [];
    const server = await serveStatus(socketPath, undefined, () => STATUS, silent, {
      stateDir,
      platform: "win32",
      acl,
      retryMs: 20,
      onChannelChange: (channel) => told.push(statusChannelHealth(channel)),
    });
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const before = await requestStatus(socketPath, 2000, { auth: { stateDir }, platform: "win32", acl });
    expect(before.running).toBeNull();
    fixed = true;
    let after = before;
    for (let i = 0; i < 300 && after.running !== true; i++) {
      await new Promise((r) => setTimeout(r, 10));
      after = await requestStatus(socketPath, 2000, { auth: { stateDir }, platform: "win32", acl });
    }
    expect(after.running).toBe(true);
    // Told twice, for the heartbeats: not served and why, then served; not at every retry.
    expect(told.map((t) => t.served)).toEqual([false, true]);
    expect(told[0]?.problem).toContain("no status key others cannot read");
  });

  it("a key that cannot be secured is logged once, not again at every retry (it was logged every 30 s)", async () => {
    const { stateDir, socketPath } = paths();
    mkdirSync(join(socketPath, ".."), { recursive: true });
    let tries = 0;
    const acl: AclTool = {
      restrict: async () => {},
      dacl: async () => {
        tries++;
        return userMade;
      },
    };
    const lines: string[] = [];
    const logger = createLogger("warn", { write: (line) => lines.push(line) });
    const server = await serveStatus(socketPath, undefined, () => STATUS, logger, {
      stateDir,
      platform: "win32",
      acl,
      retryMs: 5,
    });
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    for (let i = 0; i < 300 && tries < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(tries).toBeGreaterThanOrEqual(5);
    expect(lines.filter((l) => l.includes("no status key others cannot read"))).toHaveLength(1);
  });

  it("connections beyond the bound are closed at once, and a good client still gets through after", async () => {
    const { stateDir, socketPath, served } = await daemon();
    const idle = await Promise.all(Array.from({ length: 32 }, () => connect(socketPath)));
    const extra = await connect(socketPath);
    expect((await drain(extra)).length).toBe(0);
    for (const socket of idle) socket.destroy();
    // The server sees the closes when it sees them: ask until it has.
    let answer = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    for (let i = 0; i < 200 && !answer.running; i++) {
      await new Promise((r) => setTimeout(r, 10));
      answer = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    }
    expect(answer.running).toBe(true);
    expect(served()).toBe(1);
  });
});

describe("the status key", () => {
  const restricted = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
  const inherited = "D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)";

  it("on Windows it is written only after the directory reads back as SYSTEM's and Administrators'", async () => {
    const { stateDir } = paths();
    const calls: string[] = [];
    const acl: AclTool = {
      restrict: async (dir) => void calls.push(`restrict ${dir}`),
      dacl: async (path) => {
        calls.push(`dacl ${path}`);
        return path === stateDir ? restricted : inherited;
      },
    };
    const result = await provisionStatusKey(stateDir, { platform: "win32", acl });
    expect("key" in result).toBe(true);
    expect(calls).toEqual([
      `restrict ${stateDir}`,
      `dacl ${stateDir}`,
      `dacl ${join(stateDir, STATUS_KEY_FILE)}`,
    ]);
    const read = await readStatusKey(stateDir, { platform: "win32", acl });
    expect("key" in read && "key" in result && read.key.equals(result.key)).toBe(true);
  });

  it("when icacls fails, no key is left and the problem names the fix", async () => {
    const { stateDir } = paths();
    writeFileSync(join(stateDir, STATUS_KEY_FILE), `${"ab".repeat(32)}\n`);
    const acl: AclTool = {
      restrict: async () => {
        throw new Error("icacls failed: Access is denied.");
      },
      dacl: async () => "D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)",
    };
    const result = await provisionStatusKey(stateDir, { platform: "win32", acl });
    expect("problem" in result).toBe(true);
    if ("problem" in result) {
      expect(result.problem).toContain("Access is denied");
      expect(result.problem).toContain("/inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F");
    }
    expect(existsSync(join(stateDir, STATUS_KEY_FILE))).toBe(false);
  });

  it("eca status trusts no key that others could read or replace", async () => {
    const { stateDir } = paths();
    const file = join(stateDir, STATUS_KEY_FILE);
    writeFileSync(file, `${"ab".repeat(32)}\n`, { mode: 0o644 });
    expect(await readStatusKey(stateDir, { platform: "linux" })).toHaveProperty("untrusted");
    rmSync(file);
    writeFileSync(file, "not a key\n", { mode: 0o600 });
    expect(await readStatusKey(stateDir, { platform: "linux" })).toHaveProperty("untrusted");
    rmSync(file);
    writeFileSync(file, `${"ab".repeat(32)}\n`, { mode: 0o600 });
    const loose: AclTool = {
      restrict: async () => {},
      dacl: async () => "D:AI(A;ID;FA;;;SY)(A;ID;0x1200a9;;;BU)",
    };
    const read = await readStatusKey(stateDir, { platform: "win32", acl: loose });
    expect(read).toHaveProperty("untrusted");
    if ("untrusted" in read) expect(read.untrusted).toContain("Users (BU)");
    expect(await readStatusKey(join(stateDir, "missing"), { platform: "linux" })).toHaveProperty("missing");
  });

  it("a user who cannot read it is told to elevate, in Windows' words on Windows", () => {
    expect(deniedReason("win32", "C:\\ProgramData\\eca\\state\\status.key")).toBe(
      "permission denied: run eca status from an elevated prompt (Administrator)",
    );
    expect(deniedReason("linux", "/var/lib/eca/status.key")).toBe(
      "permission denied: run eca status as root (to read the status key /var/lib/eca/status.key)",
    );
  });
});

describe("a pipe name taken before the service", () => {
  it("is retried until the squatter is gone; then status comes back and says it was taken", async () => {
    const { stateDir, socketPath } = paths();
    mkdirSync(join(socketPath, ".."), { recursive: true });
    const squatter: Server = createServer((c) => c.resume().end("not eca\n"));
    await new Promise<void>((resolve) => squatter.listen(socketPath, resolve));
    const key = await provisionStatusKey(stateDir);
    if (!("key" in key)) throw new Error(key.problem);
    const channel: StatusChannel = { authenticated: true };
    const { serveAuthenticated } = await import("../agent/daemon/status-auth.ts");
    const server = new StatusServer(
      (c) =>
        void serveAuthenticated(
          c,
          () => ({ key: key.key }),
          () => `${JSON.stringify({ ...STATUS, statusChannel: channel })}\n`,
        ),
    );
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const told: StatusChannelHealth[] = [];
    await listenWhenFree(server, socketPath, 25, silent, channel, () =>
      told.push(statusChannelHealth(channel)),
    );
    expect(server.listening).toBe(false);
    expect(channel.taken?.since).toBeTruthy();
    const whileTaken = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    expect(whileTaken.running).toBeNull();
    // The squatter leaves (closing removes its socket file); the next retry binds.
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    for (let i = 0; i < 400 && !server.listening; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.listening).toBe(true);
    const after = await requestStatus(socketPath, 2000, { auth: { stateDir } });
    expect(after.running).toBe(true);
    expect(told).toEqual([
      expect.objectContaining({ served: false, takenSince: channel.taken?.since }),
      expect.objectContaining({ served: true, takenUntil: channel.taken?.until }),
    ]);
    expect(told[0]?.problem).toContain("taken by another process");
    if (after.running) {
      expect(after.status.statusChannel?.taken?.until).toBeTruthy();
      expect(renderStatus(after.status)).toMatch(
        /status pipe: +! its name was taken by another process from \S+ until \S+/,
      );
    }
  });
});
