// Faults on the way down from the policy server: a body past the bound, a connection cut in the
// middle of the body, a server that never answers, an error status, a certificate from another
// CA. Each is a failed fetch (never a throw, never a partial policy), so the policy in force stays.

import { readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPolicyFetcher, MAX_DOWNLOAD_BYTES } from "../../agent/daemon/policy-fetch.ts";
import { createTestPki, type TestPki } from "../helpers/https-receiver.ts";

let pki: TestPki;
let server: https.Server;
let url: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  pki = createTestPki();
  server = https.createServer(
    { key: readFileSync(pki.serverKeyFile), cert: readFileSync(pki.serverCertFile) },
    (req, res) => {
      if (req.url === "/huge") {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const pump = () => {
          while (sent <= MAX_DOWNLOAD_BYTES + chunk.length) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
      } else if (req.url === "/cut") {
        res.writeHead(200, { "content-length": "1000" });
        res.write("id: ops\n");
        setImmediate(() => req.socket.destroy());
      } else if (req.url === "/silent") {
        // Never answers.
      } else if (req.url === "/forbidden") {
        res.writeHead(403);
        res.end("no");
      } else {
        res.writeHead(200, { etag: '"1"' });
        res.end('id: ops\nversion: "1"\n');
      }
    },
  );
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  pki.cleanup();
});

const fetcher = (path: string, timeoutMs = 30_000) =>
  createPolicyFetcher(`${url}${path}`, { caFile: pki.caFile }, { proxyEnv: null, timeoutMs });

describe("policy download faults", () => {
  it("a body larger than the bound is cut off and refused", async () => {
    expect(await fetcher("/huge").fetch()).toEqual({
      status: "failed",
      reason: `the download is larger than ${MAX_DOWNLOAD_BYTES} bytes`,
    });
  });

  it("a connection cut in the middle of the body is a failed fetch, not a partial policy", async () => {
    const result = await fetcher("/cut").fetch();
    expect(result.status).toBe("failed");
  });

  it("a server that never answers is given up on after the timeout", async () => {
    expect(await fetcher("/silent", 300).fetch()).toEqual({
      status: "failed",
      reason: "no answer within 300 ms",
    });
  });

  it("an error status is a failed fetch naming it", async () => {
    expect(await fetcher("/forbidden").fetch()).toEqual({
      status: "failed",
      reason: "the server answered 403 Forbidden",
    });
  });

  it("a server certificate from a CA not configured is refused", async () => {
    const strangers = createPolicyFetcher(`${url}/policy`, {}, { proxyEnv: null });
    const result = await strangers.fetch();
    expect(result.status).toBe("failed");
  });

  it("plain http to anything but loopback is refused before any request", () => {
    expect(() => createPolicyFetcher("http://policy.example.gov.uk/p.json")).toThrow(
      "policy.url must be https (plain http only to loopback)",
    );
  });

  it("and the happy path, for contrast: the body and its ETag", async () => {
    const result = await fetcher("/policy").fetch();
    expect(result).toMatchObject({ status: "new", etag: '"1"' });
  });
});
