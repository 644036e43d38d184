// Regression tests for the delivery faults found by attacking the agent (issue 7): each test is
// named after the fault it prevents and fails without its fix.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeliverer } from "../agent/delivery/deliverer.ts";
import { createHttpSink, MAX_RESPONSE_BYTES, warnIfTlsChecksDisabled } from "../agent/delivery/http-sink.ts";
import { createSyslogSink } from "../agent/delivery/syslog-sink.ts";
import { createLogger, silentLogger } from "../agent/log.ts";
import { openOutbox } from "../agent/outbox/outbox.ts";
import { testEvent } from "./helpers/events.ts";
import { createTestPki, startReceiver, type TestPki } from "./helpers/https-receiver.ts";

const logger = silentLogger;
let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

/** An HTTPS server on 127.0.0.1 whose answer is an endless body; counts the bytes it got out. */
async function endlessBodyServer(cert: { key: Buffer; cert: Buffer }) {
  let written = 0;
  const server = https.createServer(cert, (req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        // 100 MB at most, so a client that reads everything ends too, just late.
        while (written < 100 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
  });
  server.on("clientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/ingest`,
    written: () => written,
    close: () =>
      new Promise<void>((resolve) => server.close(() => resolve()) && server.closeAllConnections()),
  };
}

describe("delivery hardening", () => {
  it("a 100 MB response body is not read whole: the sink stops at MAX_RESPONSE_BYTES and hangs up", async () => {
    const server = await endlessBodyServer({
      key: readFileSync(pki.serverKeyFile),
      cert: readFileSync(pki.serverCertFile),
    });
    const sink = createHttpSink(
      { url: server.url, caFile: pki.caFile },
      { logger, agentVersion: "0", hostname: "h", proxyEnv: null },
    );
    try {
      const result = await sink.send([
        { seq: 1, uid: "u", kind: "heartbeat", payload: "{}", attempts: 0 } as never,
      ]);
      expect(result.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // What the server managed to push into socket buffers before the hang-up, far below 100 MB.
      expect(server.written()).toBeLessThan(16 * 1024 * 1024);
      expect(MAX_RESPONSE_BYTES).toBe(64 * 1024);
    } finally {
      sink.close();
      await server.close();
    }
  });

  it("lastError is cleared after a successful delivery, in the deliverer and in the outbox", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "eca-hardening-"));
    const outbox = openOutbox({ stateDir, logger });
    const receiver = await startReceiver({ pki });
    receiver.script([{ status: 500, body: "boom" }]);
    const sink = createHttpSink(
      { url: receiver.url, caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
      { logger, agentVersion: "0", hostname: "h", proxyEnv: null },
    );
    const deliverer = startDeliverer({
      outbox,
      sink,
      logger,
      retry: { baseMs: 10, capMs: 20 },
      idlePollMs: 50,
    });
    try {
      outbox.enqueue([testEvent()]);
      deliverer.nudge();
      await receiver.waitForRequests(1);
      await deliverer.drained();
      expect(receiver.requests.map((r) => r.status)).toEqual([500, 200]);
      expect(deliverer.state().lastError).toBeNull();
      expect(outbox.stats().lastError).toBeNull();
      expect(outbox.stats().lastErrorAt).toBeNull();
    } finally {
      await deliverer.stop();
      sink.close();
      outbox.close();
      await receiver.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment does not turn off certificate checks for delivery", async () => {
    // The receiver's certificate is signed by the test CA, which the sink is not told to trust.
    const receiver = await startReceiver({ pki, requireClientCert: false });
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {}; // Node's own warning about the variable, once per process.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    const sink = createHttpSink(
      { url: receiver.url },
      { logger, agentVersion: "0", hostname: "h", proxyEnv: null },
    );
    try {
      // Control: the variable really is in force in this Node for a connection that does not ask.
      const plain = await new Promise<number | string>((resolve) => {
        const req = https.request(receiver.url, { method: "POST", agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", (error) => resolve((error as NodeJS.ErrnoException).code ?? error.message));
        req.end("[]");
      });
      expect(plain).toBe(200);
      const result = await sink.send([
        { seq: 1, uid: "u", kind: "heartbeat", payload: "{}", attempts: 0 } as never,
      ]);
      expect(result.status).toBeUndefined();
      expect(result.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
      expect(receiver.requests).toHaveLength(1); // only the control got through
      const lines: string[] = [];
      const captured = createLogger("warn", { write: (line: string) => lines.push(line) });
      expect(warnIfTlsChecksDisabled(captured)).toBe(true);
      expect(lines.join("")).toMatch(/ignored for delivery/);
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
      process.emitWarning = emitWarning;
      sink.close();
      await receiver.close();
    }
  });

  it("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn off certificate checks for syslog either", async () => {
    const server = tls.createServer({
      key: readFileSync(pki.serverKeyFile),
      cert: readFileSync(pki.serverCertFile),
    });
    let received = 0;
    server.on("secureConnection", (socket) =>
      socket.on("data", (chunk: Buffer) => (received += chunk.length)),
    );
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {};
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      for (const scheme of ["relp+tls", "syslog+tls"]) {
        const sink = createSyslogSink(
          { url: `${scheme}://127.0.0.1:${port}`, timeoutMs: 2000 },
          { logger, hostname: "h" },
        );
        const result = await sink.send([
          {
            seq: 1,
            uid: "u",
            kind: "heartbeat",
            payload: '{"class_uid":5001,"metadata":{"uid":"u"}}',
            attempts: 0,
          } as never,
        ]);
        expect(result.status, scheme).toBeUndefined();
        expect(result.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i);
      }
      expect(received).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
      process.emitWarning = emitWarning;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
