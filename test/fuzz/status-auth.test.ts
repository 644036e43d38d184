// Fuzzing the authenticated status exchange (agent/daemon/status-auth.ts): its messages mutated
// byte by byte and token by token, parsed alone and sent over real Unix sockets to a real server
// and to a real client. Whatever comes: no throw but FrameError from the parser, no status document
// from the server without the key's proof, no answer believed by the client from a peer without
// the key, and the server still serves a good client afterwards.

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  decodeFrame,
  encodeFrame,
  FrameError,
  MAX_FRAME_BYTES,
  NONCE_BYTES,
  proof,
  requestAuthenticated,
} from "../../agent/daemon/status-auth.ts";
import { requestStatus, serveStatus } from "../../agent/daemon/status-socket.ts";
import { silentLogger } from "../../agent/log.ts";
import { daemonStatus } from "../helpers/daemon-status.ts";
import { forBudget, fuzzBudgetMs, type Random, seededRandom } from "./random.ts";

const work = mkdtempSync(join(tmpdir(), "eca-fuzz-status-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const STATUS = daemonStatus({ version: "fuzz" });

function validLines(): string[] {
  const n = () => randomBytes(NONCE_BYTES);
  return [
    encodeFrame({ type: "hello", nonce: n() }),
    encodeFrame({ type: "server", nonce: n(), proof: n() }),
    encodeFrame({ type: "client", proof: n() }),
    encodeFrame({ type: "status", length: 17, mac: n() }),
    encodeFrame({ type: "error", code: "denied", reason: "no" }),
  ].map((b) => b.toString("utf8"));
}

function mutate(text: string, random: Random): string {
  const chars = [...text];
  const edits = 1 + random.int(4);
  for (let i = 0; i < edits; i++) {
    const at = random.int(chars.length + 1);
    const choice = random.int(6);
    if (choice === 0) chars.splice(at, 1);
    else if (choice === 1) chars.splice(at, 0, random.text(1 + random.int(3)));
    else if (choice === 2)
      chars[at] = random.pick(["A", "=", '"', "{", "}", ":", "\n", "0", "2", "-1", "null"]);
    else if (choice === 3) chars.splice(at, random.int(8));
    else if (choice === 4)
      chars.splice(at, 0, random.pick(['"v":2,', '"type":"status",', '"length":1e9,', "\u0000"]));
    else chars.splice(at, 0, "x".repeat(random.int(3) === 0 ? MAX_FRAME_BYTES + 1 : 5));
  }
  return chars.join("");
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("fuzz: the status exchange", () => {
  it("the parser throws nothing but FrameError, and what it returns is well formed", async () => {
    const random = seededRandom("status-auth parse");
    const lines = validLines();
    const runs = await forBudget(fuzzBudgetMs(), () => {
      const line = Buffer.from(mutate(random.pick(lines), random).replace(/\n$/, ""));
      try {
        const frame = decodeFrame(line);
        if ("nonce" in frame) expect(frame.nonce.length).toBe(NONCE_BYTES);
        if ("proof" in frame) expect(frame.proof.length).toBe(32);
        if (frame.type === "status") expect(frame.length).toBeLessThanOrEqual(16 * 1024 * 1024);
        expect(line.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      } catch (error) {
        expect(error).toBeInstanceOf(FrameError);
      }
    });
    console.log(`status-auth parse: ${runs} messages`);
    expect(runs).toBeGreaterThan(100);
  });

  it("a server never gives the status to a client without the key, and keeps serving", async () => {
    const random = seededRandom("status-auth server");
    const stateDir = join(work, "server-state");
    mkdirSync(stateDir, { mode: 0o700 });
    const socketPath = join(work, "server-run", "eca.sock");
    let served = 0;
    const server = await serveStatus(
      socketPath,
      undefined,
      () => {
        served++;
        return STATUS;
      },
      silentLogger,
      { stateDir, authenticate: true, timeoutMs: 200 },
    );
    const lines = validLines();
    try {
      const runs = await forBudget(fuzzBudgetMs(), async () => {
        const socket = await connect(socketPath);
        const received: Buffer[] = [];
        socket.on("data", (c: Buffer) => received.push(c));
        socket.on("error", () => {});
        const closed = new Promise((resolve) => socket.once("close", resolve));
        const messages = Array.from({ length: 1 + random.int(3) }, () =>
          random.chance(0.3) ? random.pick(lines) : mutate(random.pick(lines), random),
        );
        const bytes = Buffer.from(messages.join(""));
        // Sent whole or split at random places, as a stream may deliver it.
        for (let at = 0; at < bytes.length && !socket.destroyed; ) {
          const size = random.chance(0.5) ? bytes.length : 1 + random.int(16);
          socket.write(bytes.subarray(at, at + size));
          at += size;
        }
        if (random.chance(0.5)) socket.end();
        await closed;
        const text = Buffer.concat(received).toString("utf8");
        expect(text).not.toContain('"type":"status"');
        expect(text).not.toContain('"version":"fuzz"');
      });
      console.log(`status-auth server: ${runs} connections`);
      expect(runs).toBeGreaterThan(5);
      expect(served).toBe(0);
      const good = await requestStatus(socketPath, 2000, { auth: { stateDir } });
      expect(good.running).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("a client believes nothing from a peer without the key", async () => {
    const random = seededRandom("status-auth client");
    const socketPath = join(work, "fake.sock");
    const peerKey = randomBytes(32);
    const lines = validLines();
    // The peer answers each message with mutations of real ones, some made with a key of its own.
    const fake = createServer((c) => {
      c.on("error", () => {});
      c.once("data", (chunk: Buffer) => {
        let hello: Buffer = randomBytes(NONCE_BYTES);
        try {
          const frame = decodeFrame(chunk.subarray(0, Math.max(0, chunk.indexOf(0x0a))));
          if (frame.type === "hello") hello = frame.nonce;
        } catch {
          // A mutated hello of our own making: answer anyway.
        }
        const ns = randomBytes(NONCE_BYTES);
        const honest = encodeFrame({ type: "server", nonce: ns, proof: proof(peerKey, "server", hello, ns) });
        const first = random.chance(0.5) ? honest.toString("utf8") : mutate(honest.toString("utf8"), random);
        const rest = Array.from({ length: random.int(3) }, () => mutate(random.pick(lines), random));
        c.end([first, ...rest].join(""));
      });
    });
    await new Promise<void>((resolve) => fake.listen(socketPath, resolve));
    try {
      const key = randomBytes(32);
      const runs = await forBudget(fuzzBudgetMs(), async () => {
        const socket = await connect(socketPath);
        const timer = setTimeout(() => socket.destroy(), 1000);
        const result = await requestAuthenticated(socket, key);
        clearTimeout(timer);
        expect(result.ok).toBe(false);
      });
      console.log(`status-auth client: ${runs} exchanges`);
      expect(runs).toBeGreaterThan(5);
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });
});
