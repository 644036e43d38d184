// Regression tests for the files the agent is configured with (the CA, client certificate and key,
// the bearer token): they were read with readFileSync, so a FIFO named in the configuration blocked
// the whole daemon in open(), and a link to /dev/zero was read until memory ran out. Each is now a
// bounded read of a regular file, refused with the file's name, what is wrong and the fix.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPolicyFetcher } from "../agent/daemon/policy-fetch.ts";
import { createHttpSink } from "../agent/delivery/http-sink.ts";
import { createSyslogSink } from "../agent/delivery/syslog-sink.ts";
import { MAX_PEM_BYTES, MAX_TOKEN_BYTES, tlsOptionsFromFiles } from "../agent/delivery/tls-files.ts";
import { silentLogger } from "../agent/log.ts";

/** One event as the outbox hands it to a sink. */
const BATCH = [{ seq: 1, uid: "u", kind: "heartbeat", payload: "{}", attempts: 0 } as never];
// Nothing listens there: every case fails on reading its files, before any connection.
const NOWHERE = "127.0.0.1:9";
let dir: string;
let fifo: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "eca-configured-files-"));
  fifo = join(dir, "fifo.pem");
  execFileSync("mkfifo", [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function httpSink(config: { caFile?: string; certFile?: string; keyFile?: string; tokenFile?: string }) {
  return createHttpSink(
    { url: `http://${NOWHERE}/events`, ...config },
    { logger: silentLogger, agentVersion: "0", hostname: "h", proxyEnv: null },
  );
}

describe("files the agent is configured with", () => {
  it("a FIFO given as the CA file is refused with its name instead of blocking the daemon", async () => {
    const sink = httpSink({ caFile: fifo });
    try {
      const result = await sink.send(BATCH);
      expect(result.error).toMatch(/^cannot read endpoint credentials: CA file /);
      expect(result.error).toContain(`${fifo} is not a regular file (a FIFO)`);
      expect(result.error).toMatch(/give a regular file/);
    } finally {
      sink.close();
    }
  });

  it("a FIFO given as the client key is refused instead of blocking the syslog sink", async () => {
    const sink = createSyslogSink(
      { url: `syslog+tls://${NOWHERE}`, keyFile: fifo },
      { logger: silentLogger, hostname: "h" },
    );
    const result = await sink.send(BATCH);
    expect(result.error).toMatch(/^cannot read syslog TLS files: key file /);
    expect(result.error).toContain(`${fifo} is not a regular file (a FIFO)`);
  });

  it("/dev/zero given as the token file is refused instead of read until memory runs out", async () => {
    const sink = httpSink({ tokenFile: "/dev/zero" });
    try {
      const result = await sink.send(BATCH);
      expect(result.error).toMatch(
        /^cannot read endpoint credentials: token file \/dev\/zero is not a regular file \(a character device\)/,
      );
    } finally {
      sink.close();
    }
  });

  it("a FIFO given as the policy token file fails the fetch with its name instead of blocking the daemon", async () => {
    const fetcher = createPolicyFetcher(
      `http://${NOWHERE}/policy`,
      { tokenFile: fifo, tokenOrigin: `http://${NOWHERE}` },
      { proxyEnv: null },
    );
    const result = await fetcher.fetch();
    expect(result.status).toBe("failed");
    expect(result.status === "failed" && result.reason).toMatch(
      /^cannot read the TLS files: token file .* is not a regular file \(a FIFO\)/,
    );
  });

  it("a CA bundle past 1 MiB is refused naming the limit, not read whole", () => {
    const big = join(dir, "big.pem");
    writeFileSync(big, Buffer.alloc(MAX_PEM_BYTES + 1, 0x41));
    expect(() => tlsOptionsFromFiles({ caFile: big })).toThrow(
      `CA file ${big} is larger than 1048576 bytes, the most eca reads of it`,
    );
    expect(MAX_TOKEN_BYTES).toBe(64 * 1024);
  });

  it("a missing certificate file still says it is missing and keeps its errno code", () => {
    const missing = join(dir, "none.pem");
    let error: (Error & { code?: string }) | undefined;
    try {
      tlsOptionsFromFiles({ certFile: missing });
    } catch (caught) {
      error = caught as Error & { code?: string };
    }
    expect(error?.message).toBe(`certificate file ${missing} is missing: check the path`);
    expect(error?.code).toBe("ENOENT");
  });

  it("a token file is read trimmed, as before", async () => {
    const { readTokenFile } = await import("../agent/delivery/tls-files.ts");
    const token = join(dir, "token");
    writeFileSync(token, "  s3cret\n");
    expect(readTokenFile(token)).toBe("s3cret");
  });
});
