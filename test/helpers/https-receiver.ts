// A real HTTPS receiver on 127.0.0.1 for delivery tests: mutual TLS with a throwaway CA made by
// the openssl CLI, records every event it gets, and can be scripted to fail.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export interface TestPki {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** Signed by a CA the receiver does not trust. */
  strangerCertFile: string;
  strangerKeyFile: string;
  cleanup(): void;
}

/**
 * The `endpoint:` block of an agent's YAML configuration, one line each: `settings` (`url: …` and
 * any other `key: value`), then mutual TLS from `pki`.
 */
export function endpointConfigLines(pki: TestPki, settings: string[]): string[] {
  return [
    "endpoint:",
    ...settings.map((line) => `  ${line}`),
    `  caFile: ${pki.caFile}`,
    `  certFile: ${pki.clientCertFile}`,
    `  keyFile: ${pki.clientKeyFile}`,
  ];
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "eca-pki-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

  function makeCa(name: string): void {
    openssl(
      "req",
      "-x509",
      ...ecKey,
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.pem`),
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
    );
  }
  function issue(name: string, caName: string, extensions: string): void {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      "req",
      ...ecKey,
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.csr`),
      "-subj",
      `/CN=${name}`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      file(`${caName}.pem`),
      "-CAkey",
      file(`${caName}.key`),
      "-CAcreateserial",
      "-out",
      file(`${name}.pem`),
      "-days",
      "2",
      "-extfile",
      file(`${name}.ext`),
    );
  }

  makeCa("eca-test-ca");
  makeCa("stranger-ca");
  issue(
    "server",
    "eca-test-ca",
    "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  issue("client", "eca-test-ca", "extendedKeyUsage=clientAuth\n");
  issue("stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caFile: file("eca-test-ca.pem"),
    serverCertFile: file("server.pem"),
    serverKeyFile: file("server.key"),
    clientCertFile: file("client.pem"),
    clientKeyFile: file("client.key"),
    strangerCertFile: file("stranger.pem"),
    strangerKeyFile: file("stranger.key"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this long. */
  delayMs?: number;
  /** Do not answer until release() (or ever, if the client goes away). */
  hold?: boolean;
}

export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Bytes on the wire, before gunzip. */
  wireBytes: number;
  events: Record<string, unknown>[];
  /** Status sent back; undefined while held or if the client left first. */
  status?: number;
}

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Every event received, duplicates included, in arrival order. */
  events(): Record<string, unknown>[];
  /** Events of requests answered with a 2xx. */
  acknowledgedUids(): Set<string>;
  /** Responses for the next requests, in order; afterwards `fallback` answers. */
  script(responses: ScriptedResponse[]): void;
  setFallback(response: ScriptedResponse | ((request: ReceivedRequest) => ScriptedResponse)): void;
  /** Resolves when the n-th request (1-based, counting all so far) has arrived. */
  waitForRequests(count: number): Promise<void>;
  release(): void;
  /** Stop listening and cut every connection: the endpoint is down. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  pki: TestPki;
  /** Require a client certificate from the test CA. Default true. */
  requireClientCert?: boolean;
  /** "ocsf" parses a JSON array, "splunk-hec" newline-separated envelopes. */
  format?: "ocsf" | "splunk-hec";
  port?: number;
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const { pki } = options;
  const requireClientCert = options.requireClientCert ?? true;
  const requests: ReceivedRequest[] = [];
  let scripted: ScriptedResponse[] = [];
  let fallback: ScriptedResponse | ((request: ReceivedRequest) => ScriptedResponse) = { status: 200 };
  let held: (() => void)[] = [];
  let requestWaiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();

  const server = https.createServer(
    {
      key: readFileSync(pki.serverKeyFile),
      cert: readFileSync(pki.serverCertFile),
      ca: readFileSync(pki.caFile),
      requestCert: requireClientCert,
      rejectUnauthorized: requireClientCert,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const wire = Buffer.concat(chunks);
        const raw = req.headers["content-encoding"] === "gzip" ? gunzipSync(wire) : wire;
        const record: ReceivedRequest = {
          headers: req.headers,
          wireBytes: wire.length,
          events: parseEvents(raw.toString("utf8"), options.format ?? "ocsf"),
        };
        requests.push(record);
        requestWaiters = requestWaiters.filter((waiter) => {
          if (requests.length >= waiter.count) waiter.resolve();
          return requests.length < waiter.count;
        });
        const response = scripted.shift() ?? (typeof fallback === "function" ? fallback(record) : fallback);
        const answer = () => {
          if (res.destroyed) return;
          record.status = response.status ?? 200;
          res.writeHead(record.status, response.headers ?? {});
          res.end(response.body ?? "");
        };
        if (response.hold) held.push(answer);
        else if (response.delayMs) setTimeout(answer, response.delayMs);
        else answer();
      });
    },
  );
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // Client-side aborts and rejected handshakes are part of the tests, not failures.
  server.on("tlsClientError", () => {});
  server.on("clientError", () => {});

  let port = options.port ?? 0;
  async function listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === "object") port = address.port;
  }
  await listen();

  async function down(): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    held = [];
    await closed;
  }

  const receiver: Receiver = {
    url: `https://127.0.0.1:${port}/ingest`,
    port,
    requests,
    events: () => requests.flatMap((request) => request.events),
    acknowledgedUids() {
      const uids = new Set<string>();
      for (const request of requests) {
        if (request.status === undefined || request.status < 200 || request.status >= 300) continue;
        for (const event of request.events) uids.add(uidOf(event));
      }
      return uids;
    },
    script(responses) {
      scripted = [...responses];
    },
    setFallback(response) {
      fallback = response;
    },
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => requestWaiters.push({ count, resolve }));
    },
    release() {
      const answers = held;
      held = [];
      for (const answer of answers) answer();
    },
    down,
    up: listen,
    close: down,
  };
  return receiver;
}

export function uidOf(event: Record<string, unknown>): string {
  const metadata = event.metadata as { uid?: string } | undefined;
  return metadata?.uid ?? "";
}

function parseEvents(text: string, format: "ocsf" | "splunk-hec"): Record<string, unknown>[] {
  if (format === "ocsf") return JSON.parse(text) as Record<string, unknown>[];
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { event: Record<string, unknown> }).event);
}
