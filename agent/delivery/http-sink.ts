// Sends a batch as one HTTPS POST. TLS material and the token are re-read when their files change,
// so rotating a certificate or token needs no restart. Proxies come from HTTPS_PROXY / NO_PROXY
// through Node's built-in proxy support (the agent's `proxyEnv`).

import { statSync } from "node:fs";
import type http from "node:http";
import type https from "node:https";
import { promisify } from "node:util";
import type zlib from "node:zlib";
import type { Logger } from "../log.ts";
import type { OutboxEvent } from "../outbox/outbox.ts";
import type { Sink } from "./deliverer.ts";
import type { SendResult } from "./policy.ts";
import { isAllowedUrl } from "./secure-url.ts";
import {
  ackUrlFor,
  confirmHecBatch,
  type HecConfig,
  hecEnvelope,
  newChannel,
  parseAckAnswer,
} from "./splunk-hec.ts";
import type { SyslogConfig } from "./syslog-sink.ts";
import { readTokenFile, tlsOptionsFromFiles } from "./tls-files.ts";

export type WireFormat = "ocsf" | "splunk-hec";

export interface EndpointConfig {
  url: string;
  /** "ocsf": a JSON array of events; "splunk-hec": HEC event envelopes, one per line. Default "ocsf". */
  format?: WireFormat | "syslog";
  /** File holding the bearer token (HEC token for splunk-hec); re-read when it changes. */
  tokenFile?: string;
  /** PEM CA bundle to trust instead of the system's. */
  caFile?: string;
  /** PEM client certificate and key for mutual TLS. */
  certFile?: string;
  keyFile?: string;
  /** Whole-request timeout. Default 30 s. */
  timeoutMs?: number;
  /** Bodies larger than this are gzip-encoded. Default 64 KiB (GZIP_THRESHOLD_BYTES). */
  gzipThresholdBytes?: number;
  /** Splunk HEC: index, source, sourcetype and the indexer acknowledgement timing (splunk-hec.ts). */
  hec?: HecConfig;
  /** Syslog (format "syslog", syslog+tls:// URLs): facility, message size, SD-ID (syslog-sink.ts). */
  syslog?: SyslogConfig["syslog"];
}

export interface HttpSinkOptions {
  logger: Logger;
  agentVersion: string;
  /** The `host` field of Splunk HEC envelopes. */
  hostname: string;
  /**
   * Where HTTPS_PROXY / NO_PROXY are read from; default process.env. Null disables proxies.
   * Injectable so tests can point at a proxy without touching the process environment.
   */
  proxyEnv?: NodeJS.ProcessEnv | null;
}

export interface HttpSink extends Sink {
  close(): void;
}

interface Credentials {
  version: string;
  agent: http.Agent;
  token?: string;
}

// Loaded on first use, not at start-up: in Node 26 `node:http` pulls in undici (about 20 MB of
// RSS), and a bundle hoists static imports of built-ins to the top. An agent with no endpoint, and
// `eca scan`, never pay for them; an https endpoint loads only `node:https`.
const httpsModule = () => process.getBuiltinModule("node:https") as typeof https;
const httpModule = () => process.getBuiltinModule("node:http") as typeof http;
// node:zlib too: only a body over the gzip threshold needs it. Loading it loads fifteen built-in
// modules (Node 26's zlib brings its zip archive modules), 0.9 MB of the idle daemon's RSS for the
// rest of its life (bench/idle.bench.ts, BENCHMARKS.md Footprint). So the threshold is 64 KiB,
// about 18 OCSF events of ~3.5 KiB: what a laptop sends when the daemon starts (7 events, 24 KiB,
// on the bench's recorded laptop) and the events of a day go uncompressed, some KiB more upload
// each time; a backlog after an outage or a burst of attaches is still compressed (a full batch of
// 500 events is ~1.7 MB of JSON).
export const GZIP_THRESHOLD_BYTES = 64 * 1024;
let gzipPromise: ((data: Buffer) => Promise<Buffer>) | undefined;
const gzip = (data: Buffer) => {
  gzipPromise ??= promisify((process.getBuiltinModule("node:zlib") as typeof zlib).gzip);
  return gzipPromise(data);
};

export function createHttpSink(config: EndpointConfig, options: HttpSinkOptions): HttpSink {
  const url = new URL(config.url);
  if (!isAllowedUrl(url)) {
    throw new Error(`endpoint must be https (plain http only to loopback): ${config.url}`);
  }
  if (config.format === "syslog") throw new Error("format syslog needs the syslog sink (create-sink.ts)");
  const format: WireFormat = config.format ?? "ocsf";
  const timeoutMs = config.timeoutMs ?? 30_000;
  const gzipThreshold = config.gzipThresholdBytes ?? GZIP_THRESHOLD_BYTES;
  const files = [config.tokenFile, config.caFile, config.certFile, config.keyFile].filter(
    (file): file is string => file !== undefined,
  );
  const proxyEnv = options.proxyEnv === undefined ? process.env : options.proxyEnv;
  const hec = config.hec ?? {};
  // Sent with every HEC request, so tokens with indexer acknowledgement on accept the batch.
  const channel = newChannel();
  const ackUrl = format === "splunk-hec" ? ackUrlFor(url, hec.ackUrl) : undefined;
  let credentials: Credentials | undefined;
  warnIfTlsChecksDisabled(options.logger);

  function filesVersion(): string {
    return files
      .map((file) => {
        try {
          const stat = statSync(file);
          return `${file}:${stat.mtimeMs}:${stat.size}`;
        } catch {
          return `${file}:missing`;
        }
      })
      .join("|");
  }

  function currentCredentials(): Credentials {
    const version = filesVersion();
    if (credentials && credentials.version === version) return credentials;
    credentials?.agent.destroy();
    const agentOptions: https.AgentOptions = {
      keepAlive: true,
      maxSockets: 1,
      ...tlsOptionsFromFiles(config),
      ...(proxyEnv ? { proxyEnv } : {}),
    };
    const agent =
      url.protocol === "https:"
        ? new (httpsModule().Agent)(agentOptions)
        : new (httpModule().Agent)(agentOptions);
    const token = config.tokenFile === undefined ? undefined : readTokenFile(config.tokenFile);
    credentials = { version, agent, ...(token ? { token } : {}) };
    if (files.length > 0) options.logger.info({ files }, "endpoint credentials loaded");
    return credentials;
  }

  return {
    credentialsVersion: filesVersion,

    async send(batch, signal) {
      let current: Credentials;
      try {
        current = currentCredentials();
      } catch (error) {
        // A missing or unreadable key or CA is a configuration problem: retry later, keep events.
        return { error: `cannot read endpoint credentials: ${(error as Error).message}` };
      }
      const raw = Buffer.from(encodeBody(batch, format, options.hostname, hec));
      const compress = raw.length > gzipThreshold;
      const body = compress ? await gzip(raw) : raw;
      const headers: Record<string, string> = {
        "Content-Type": "application/json",
        "Content-Length": String(body.length),
        "User-Agent": `eca/${options.agentVersion}`,
        "X-ECA-Event-Count": String(batch.length),
      };
      if (compress) headers["Content-Encoding"] = "gzip";
      if (current.token) {
        headers.Authorization =
          format === "splunk-hec" ? `Splunk ${current.token}` : `Bearer ${current.token}`;
      }
      if (format === "splunk-hec") headers["X-Splunk-Request-Channel"] = channel;
      const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
      const { body: answer, ...result } = await post(
        url,
        body,
        headers,
        current.agent,
        AbortSignal.any(signals),
      );
      if (format !== "splunk-hec" || !ackUrl) return result;
      return confirmHecBatch(
        { ...result, body: answer },
        {
          channel,
          hec,
          ...(signal ? { signal } : {}),
          // Asks /services/collector/ack on the same connection pool, channel and token.
          query: async (ids) => {
            const request = Buffer.from(JSON.stringify({ acks: ids }));
            const reply = await post(
              ackUrl,
              request,
              {
                "Content-Type": "application/json",
                "Content-Length": String(request.length),
                "User-Agent": `eca/${options.agentVersion}`,
                "X-Splunk-Request-Channel": channel,
                ...(headers.Authorization ? { Authorization: headers.Authorization } : {}),
              },
              current.agent,
              AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]),
            );
            if (reply.status !== 200) throw new Error(reply.error ?? `HTTP ${reply.status}`);
            return parseAckAnswer(reply.body);
          },
        },
      );
    },

    close() {
      credentials?.agent.destroy();
      credentials = undefined;
    },
  };
}

/** The request body for a batch; payloads are already JSON and are sent as stored. */
export function encodeBody(
  batch: Pick<OutboxEvent, "payload">[],
  format: WireFormat,
  hostname: string,
  hec: HecConfig = {},
): string {
  if (format === "ocsf") return `[${batch.map((event) => event.payload).join(",")}]`;
  return batch.map((event) => hecEnvelope(event.payload, hostname, hec)).join("\n");
}

/**
 * The most of a response body the sink reads: enough for any error text or HEC JSON answer. A
 * larger body is cut off there and the connection destroyed, so a broken or hostile endpoint
 * answering with 100 MB costs 64 KiB of memory, not 100 MB.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface PostResult extends SendResult {
  /** The start of the body, at most MAX_RESPONSE_BYTES, as UTF-8. */
  body: string;
}

export function post(
  url: URL,
  body: Buffer | undefined,
  headers: Record<string, string>,
  agent: http.Agent,
  signal: AbortSignal,
  method = "POST",
): Promise<PostResult> {
  const request = url.protocol === "https:" ? httpsModule().request : httpModule().request;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    // rejectUnauthorized is given explicitly: Node takes NODE_TLS_REJECT_UNAUTHORIZED=0 from the
    // environment only as the default, so an explicit true keeps certificate checks on for the
    // agent's own connections whatever the environment says (test/delivery-hardening.test.ts).
    const options = { method, headers, agent, signal, rejectUnauthorized: true };
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => {
        const status = res.statusCode ?? 0;
        const retryAfter = res.headers["retry-after"];
        const text = Buffer.concat(chunks).toString("utf8");
        const excerpt = text.slice(0, 200).trim();
        finish({
          status,
          body: text,
          ...(retryAfter ? { retryAfter } : {}),
          ...(status >= 300 && excerpt ? { error: excerpt } : {}),
        });
      };
      res.on("data", (chunk: Buffer) => {
        const room = MAX_RESPONSE_BYTES - kept;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        kept += Math.min(room, chunk.length);
        if (kept >= MAX_RESPONSE_BYTES) {
          // Enough: the status is known and the rest is not worth reading.
          done();
          res.destroy();
        }
      });
      res.on("end", done);
      res.on("error", (error) => finish({ error: describe(error), body: "" }));
    });
    req.on("error", (error) => finish({ error: describe(error), body: "" }));
    req.end(body);
  });
}

/**
 * NODE_TLS_REJECT_UNAUTHORIZED=0 makes Node skip certificate checks for every connection that does
 * not ask for them itself. The sink always asks, so the variable has no effect on delivery; say so,
 * so whoever set it (often to "fix" a proxy) knows why delivery still refuses a bad certificate.
 */
export function warnIfTlsChecksDisabled(logger: Logger, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NODE_TLS_REJECT_UNAUTHORIZED !== "0") return false;
  logger.warn(
    "NODE_TLS_REJECT_UNAUTHORIZED=0 is set in the environment: ignored for delivery, which always verifies the endpoint's certificate (trust a private CA with endpoint.caFile instead)",
  );
  return true;
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (error.name === "AbortError" || error.name === "TimeoutError") return "request timed out or was aborted";
  return code ? `${code}: ${error.message}` : error.message;
}
