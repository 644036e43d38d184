// A Splunk HTTP Event Collector on 127.0.0.1 for tests, behaving as Splunk documents it
// ("About HTTP Event Collector Indexer Acknowledgment", "HTTP Event Collector response codes"):
// a token (Authorization: Splunk <token>), /services/collector/event taking newline-separated
// envelopes, and, with acknowledgement on, a channel required on every request
// ({"text":"Data channel is missing","code":10} without one, "Invalid data channel" code 11 when
// it is not a GUID), an ackId per request counted per channel, and /services/collector/ack
// answering {"acks":{"<id>":true|false}}. Acks can be made to arrive late or never; with
// acknowledgement off, /ack answers {"text":"ACK is disabled","code":14}.

import { readFileSync } from "node:fs";
import https from "node:https";
import type { Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import type { TestPki } from "./https-receiver.ts";

export interface HecEnvelope {
  time: number;
  host: string;
  source: string;
  sourcetype: string;
  index?: string;
  event: Record<string, unknown>;
}

export interface HecBatch {
  channel?: string;
  ackId?: number;
  envelopes: HecEnvelope[];
  /** Set when its ack was released: the events are "indexed". */
  indexed: boolean;
}

export interface HecReceiver {
  url: string;
  batches: HecBatch[];
  /** Requests answered with "Data channel is missing" or other errors. */
  rejected: { path: string; code: number; text: string }[];
  ackQueries: number;
  /** Envelopes of batches whose ack was released (or every 200 when ack is off). */
  indexedEvents(): HecEnvelope[];
  /** ackIds that become true only when released; the default releases each after `ackAfterQueries`. */
  holdAcks(hold: boolean): void;
  /** Release the ack of the batch with this ackId on this channel (all held when omitted). */
  release(ackId?: number): void;
  /** Batches whose ack is never released (the n-th batch, 1-based). */
  loseAckOf(batchNumbers: number[]): void;
  close(): Promise<void>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startHecReceiver(options: {
  pki: TestPki;
  token: string;
  ack: boolean;
  /** An ack turns true on the n-th query that asks for it (1 = at once). Default 1. */
  ackAfterQueries?: number;
}): Promise<HecReceiver> {
  const batches: HecBatch[] = [];
  const rejected: HecReceiver["rejected"] = [];
  const nextAck = new Map<string, number>();
  const queriesFor = new Map<HecBatch, number>();
  const lost = new Set<number>();
  let hold = false;
  let ackQueries = 0;
  const sockets = new Set<Socket>();

  function answer(res: import("node:http").ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }
  function reject(
    res: import("node:http").ServerResponse,
    path: string,
    status: number,
    code: number,
    text: string,
  ) {
    rejected.push({ path, code, text });
    answer(res, status, { text, code });
  }

  const server = https.createServer(
    { key: readFileSync(options.pki.serverKeyFile), cert: readFileSync(options.pki.serverCertFile) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "https://127.0.0.1");
        const path = url.pathname;
        const auth = req.headers.authorization;
        if (!auth) return reject(res, path, 401, 2, "Token is required");
        if (auth !== `Splunk ${options.token}`) return reject(res, path, 403, 4, "Invalid token");
        const header = req.headers["x-splunk-request-channel"];
        const channel =
          (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("channel") ?? undefined;
        const wire = Buffer.concat(chunks);
        const raw = (req.headers["content-encoding"] === "gzip" ? gunzipSync(wire) : wire).toString("utf8");

        if (path === "/services/collector/ack") {
          ackQueries++;
          if (!options.ack) return reject(res, path, 400, 14, "ACK is disabled");
          if (!channel) return reject(res, path, 400, 10, "Data channel is missing");
          const ids = (JSON.parse(raw) as { acks: number[] }).acks;
          const acks: Record<string, boolean> = {};
          for (const id of ids) {
            const batch = batches.find((b) => b.channel === channel && b.ackId === id);
            if (!batch) {
              acks[String(id)] = false;
              continue;
            }
            const asked = (queriesFor.get(batch) ?? 0) + 1;
            queriesFor.set(batch, asked);
            const number = batches.indexOf(batch) + 1;
            if (!batch.indexed && !hold && !lost.has(number) && asked >= (options.ackAfterQueries ?? 1)) {
              batch.indexed = true;
            }
            acks[String(id)] = batch.indexed;
          }
          return answer(res, 200, { acks });
        }
        if (path !== "/services/collector/event" && path !== "/services/collector") {
          return reject(res, path, 404, 404, "Not Found");
        }
        if (options.ack) {
          if (!channel) return reject(res, path, 400, 10, "Data channel is missing");
          if (!GUID.test(channel)) return reject(res, path, 400, 11, "Invalid data channel");
        }
        if (raw.trim() === "") return reject(res, path, 400, 5, "No data");
        let envelopes: HecEnvelope[];
        try {
          envelopes = raw
            .split("\n")
            .filter((line) => line.trim() !== "")
            .map((line) => JSON.parse(line) as HecEnvelope);
        } catch {
          return reject(res, path, 400, 6, "Invalid data format");
        }
        if (!options.ack) {
          batches.push({ envelopes, indexed: true, ...(channel ? { channel } : {}) });
          return answer(res, 200, { text: "Success", code: 0 });
        }
        const ackId = nextAck.get(channel as string) ?? 0;
        nextAck.set(channel as string, ackId + 1);
        batches.push({ channel: channel as string, ackId, envelopes, indexed: false });
        return answer(res, 200, { text: "Success", code: 0, ackId });
      });
    },
  );
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : 0;

  return {
    url: `https://127.0.0.1:${port}/services/collector/event`,
    batches,
    rejected,
    get ackQueries() {
      return ackQueries;
    },
    indexedEvents: () => batches.filter((b) => b.indexed).flatMap((b) => b.envelopes),
    holdAcks(value) {
      hold = value;
    },
    release(ackId) {
      for (const [i, batch] of batches.entries()) {
        if (lost.has(i + 1)) continue;
        if (ackId === undefined || batch.ackId === ackId) batch.indexed = true;
      }
    },
    loseAckOf(numbers) {
      for (const n of numbers) lost.add(n);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
