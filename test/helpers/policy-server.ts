// A policy server for tests: HTTPS on 127.0.0.1 with the test CA, requiring a client certificate,
// serving published files with an ETag and answering If-None-Match with 304; it can go down and
// come back on the same port.

import { readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { TestPki } from "./https-receiver.ts";

export interface PolicyServer {
  url: string;
  /** Serves `body` at `path` with a fresh ETag, which it returns. */
  publish(path: string, body: string): string;
  requests: { path: string; ifNoneMatch?: string; status: number; clientCert: boolean }[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startPolicyServer(pki: TestPki): Promise<PolicyServer> {
  const files = new Map<string, { body: string; etag: string }>();
  const requests: PolicyServer["requests"] = [];
  const sockets = new Set<Socket>();
  let generation = 0;
  const server = https.createServer(
    {
      key: readFileSync(pki.serverKeyFile),
      cert: readFileSync(pki.serverCertFile),
      ca: readFileSync(pki.caFile),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const path = req.url ?? "/";
      const file = files.get(path);
      const ifNoneMatch = req.headers["if-none-match"];
      const status = !file ? 404 : ifNoneMatch === file.etag ? 304 : 200;
      requests.push({
        path,
        ...(ifNoneMatch ? { ifNoneMatch } : {}),
        status,
        clientCert: (req.socket as TLSSocket).authorized === true,
      });
      res.writeHead(status, file ? { etag: file.etag } : {});
      res.end(status === 200 ? file?.body : undefined);
    },
  );
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const down = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    url: `https://127.0.0.1:${port}`,
    publish(path, body) {
      generation += 1;
      const etag = `"g${generation}"`;
      files.set(path, { body, etag });
      return etag;
    },
    requests,
    down,
    up: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    close: down,
  };
}
