// Sends events as RFC 5424 syslog messages over TLS (RFC 5425: octet-counting framing, port 6514
// by convention), mutual TLS with a CA file and a client certificate. Each event is one message:
// PRI from the OCSF severity, MSGID the OCSF class name, one structured-data element with the
// event's uid, class and OCSF version, and the OCSF event as JSON for MSG.
//
// Two transports, one message format:
// - relp+tls://host:port: RELP (the Reliable Event Logging Protocol of rsyslog's imrelp, librelp)
//   over TLS. The receiver answers every message with "rsp 200 OK" once it has taken it into its
//   queue; a batch leaves the outbox only when every one of its messages is answered. This is the
//   acknowledgement the durable outbox needs, and the transport to use.
// - syslog+tls://host:port: RFC 5425 (octet-counted RFC 5424 over TLS). RFC 5425 has no
//   acknowledgement at all. The sink sends each batch on its own connection and counts it sent
//   when the receiver closes the connection cleanly after our close_notify, but that is no proof:
//   a receiver that closes for its own reasons (a refused client certificate, a shutdown) looks
//   the same (test/syslog.test.ts shows it). What remains is "handed to a receiver that did not
//   fail the connection": at most once for anything the receiver dropped. Use it only where RELP
//   is not offered.
// A receiver's ack means "in its queue"; with an in-memory queue a receiver crash still loses
// what was queued. Configure rsyslog's queue Direct or disk-assisted (docs/EVENTS.md).
//
// Oversize. rsyslog's default maxMessageSize is 8 KiB (8096 bytes in rsyslog 8), and it truncates
// longer messages, which would cut the JSON. The sink therefore sends at most `maxMessageBytes`
// (default 8096) per message: an event that is larger goes without its `unmapped` part and with
// metadata.is_truncated and metadata.untruncated_size set (OCSF's own way to say so); an event
// still too large is refused (413), so the deliverer sets it aside as a dead letter, counted and
// shown by `eca status`. Raise rsyslog's global(maxMessageSize=...) and this setting together.

import type tls from "node:tls";
import { isoTimestamp } from "../../policy/iso-time.ts";
import type { Logger } from "../log.ts";
import type { Sink } from "./deliverer.ts";
import { warnIfTlsChecksDisabled } from "./http-sink.ts";
import type { SendResult } from "./policy.ts";
import { tlsModule, tlsOptionsFromFiles } from "./tls-files.ts";

export interface SyslogConfig {
  /** relp+tls://host:port (RELP, acknowledged; port 2514 by default) or syslog+tls://host:port (RFC 5425, 6514). */
  url: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Whole-batch timeout: connect, send, and the receiver's close. Default 30 s. */
  timeoutMs?: number;
  syslog?: {
    /** RFC 5424 facility, 0-23. Default 13 (log audit). */
    facility?: number;
    /** Largest message (MSG and header) sent. Default 8096, rsyslog's default maxMessageSize. */
    maxMessageBytes?: number;
    /** SD-ID of the structured-data element. Default "ocsf@32473" (RFC 5612's documentation PEN): use your own PEN. */
    sdId?: string;
    /** APP-NAME. Default "eca". */
    appName?: string;
  };
}

export interface SyslogSinkOptions {
  logger: Logger;
  hostname: string;
  /** PROCID. Default the process id. */
  procId?: string;
}

export interface SyslogSink extends Sink {
  close(): void;
}

export const RSYSLOG_DEFAULT_MAX_MESSAGE = 8096;

/** OCSF severity_id → RFC 5424 severity: 1 Informational→6, 2 Low→5 Notice, 3 Medium→4 Warning, 4 High→3 Error, 5 Critical→2, 6 Fatal→1 Alert. */
const SEVERITY: Record<number, number> = { 0: 6, 1: 6, 2: 5, 3: 4, 4: 3, 5: 2, 6: 1, 99: 5 };

/** OCSF class names (the schema's `name`) for MSGID: at most 32 printable ASCII characters. */
const CLASS_NAMES: Record<number, string> = {
  1010: "peripheral_activity",
  2003: "compliance_finding",
  5001: "inventory_info",
};

interface Parsed {
  time?: number;
  class_uid?: number;
  severity_id?: number;
  metadata?: { uid?: string; version?: string } & Record<string, unknown>;
  unmapped?: unknown;
}

/** One event as an RFC 5424 message; undefined when even the truncated form exceeds the limit. */
export function formatSyslogMessage(
  payload: string,
  config: NonNullable<SyslogConfig["syslog"]>,
  hostname: string,
  procId: string,
): string | undefined {
  const limit = config.maxMessageBytes ?? RSYSLOG_DEFAULT_MAX_MESSAGE;
  const event = JSON.parse(payload) as Parsed;
  const severity = SEVERITY[event.severity_id ?? 1] ?? 5;
  const pri = (config.facility ?? 13) * 8 + severity;
  const timestamp = isoTimestamp(event.time ?? Date.now());
  const msgId = CLASS_NAMES[event.class_uid ?? 0] ?? `ocsf_${event.class_uid ?? 0}`;
  const sd = `[${config.sdId ?? "ocsf@32473"} uid="${sdEscape(event.metadata?.uid ?? "")}" class_uid="${event.class_uid ?? 0}" version="${sdEscape(event.metadata?.version ?? "")}"]`;
  const header = `<${pri}>1 ${timestamp} ${headerField(hostname, 255)} ${headerField(config.appName ?? "eca", 48)} ${headerField(procId, 128)} ${msgId} ${sd} `;
  const full = header + payload;
  if (Buffer.byteLength(full) <= limit) return full;
  const { unmapped: _dropped, ...rest } = event;
  const truncated = JSON.stringify({
    ...rest,
    metadata: { ...event.metadata, is_truncated: true, untruncated_size: Buffer.byteLength(payload) },
  });
  const short = header + truncated;
  return Buffer.byteLength(short) <= limit ? short : undefined;
}

/** RFC 5425 framing: MSG-LEN SP SYSLOG-MSG, the length in octets. */
export function frame(message: string): Buffer {
  const body = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
}

export function createSyslogSink(config: SyslogConfig, options: SyslogSinkOptions): SyslogSink {
  const url = new URL(config.url);
  if (url.protocol !== "syslog+tls:" && url.protocol !== "relp+tls:") {
    throw new Error(`syslog endpoint must be relp+tls://host:port or syslog+tls://host:port: ${config.url}`);
  }
  const relp = url.protocol === "relp+tls:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (relp ? 2514 : 6514));
  const timeoutMs = config.timeoutMs ?? 30_000;
  const procId = options.procId ?? String(process.pid);
  const settings = config.syslog ?? {};
  warnIfTlsChecksDisabled(options.logger);
  if (!relp) {
    options.logger.warn(
      { url: `syslog+tls://${host}:${port}` },
      "RFC 5425 syslog has no acknowledgement: events the receiver drops are lost; use relp+tls:// for at-least-once delivery",
    );
  }

  return {
    credentialsVersion: () => "",
    async send(batch, signal) {
      const messages: string[] = [];
      for (const event of batch) {
        const message = formatSyslogMessage(event.payload, settings, options.hostname, procId);
        if (message === undefined) {
          // Too large even without `unmapped`: the deliverer halves the batch down to this event,
          // then sets it aside as a dead letter with this reason.
          return {
            status: 413,
            error: `event ${event.uid} exceeds syslog.maxMessageBytes (${settings.maxMessageBytes ?? RSYSLOG_DEFAULT_MAX_MESSAGE})`,
          };
        }
        if (!message.endsWith(event.payload)) {
          options.logger.warn(
            { uid: event.uid, bytes: Buffer.byteLength(event.payload) },
            "event larger than syslog.maxMessageBytes: sent without its unmapped part (metadata.is_truncated)",
          );
        }
        messages.push(message);
      }
      let tlsOptions: tls.ConnectionOptions;
      try {
        tlsOptions = {
          host,
          port,
          ...tlsOptionsFromFiles(config),
          ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
        };
      } catch (error) {
        return { error: `cannot read syslog TLS files: ${(error as Error).message}` };
      }
      return relp
        ? sendRelp(tlsOptions, messages, timeoutMs, signal)
        : sendBatch(tlsOptions, Buffer.concat(messages.map(frame)), timeoutMs, signal);
    },
    close() {},
  };
}

/**
 * One TLS connection to the receiver whose outcome is settled once: by `run` calling `finish`, by
 * the timeout, or by an abort; whichever comes first destroys the socket and clears the rest.
 */
function settledConnection(
  options: tls.ConnectionOptions,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onTimeout: () => SendResult,
  onAbort: () => SendResult,
  run: (socket: tls.TLSSocket, finish: (result: SendResult) => void) => void,
): Promise<SendResult> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = tlsModule().connect(options);
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
      socket.destroy();
      resolve(result);
    };
    const abort = () => finish(onAbort());
    const timer = setTimeout(() => finish(onTimeout()), timeoutMs);
    signal?.addEventListener("abort", abort, { once: true });
    run(socket, finish);
  });
}

function sendBatch(
  options: tls.ConnectionOptions,
  data: Buffer,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SendResult> {
  return settledConnection(
    options,
    timeoutMs,
    signal,
    () => ({ error: `syslog receiver did not take and close the batch within ${timeoutMs} ms` }),
    () => ({ error: "syslog send aborted" }),
    (socket, finish) => {
      socket.once("secureConnect", () => {
        // All of the batch, then our close_notify and FIN; the receiver's close is the acknowledgement.
        socket.end(data);
      });
      socket.on("data", () => {
        // RFC 5425 receivers send nothing; ignore anything that comes.
      });
      socket.once("end", () => finish({ status: 200 }));
      socket.once("error", (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        finish({ error: `syslog: ${code ? `${code}: ` : ""}${error.message}` });
      });
      socket.once("close", () =>
        finish({ error: "syslog receiver closed the connection without a clean TLS close" }),
      );
    },
  );
}

/** A RELP frame: TXNR SP COMMAND SP DATALEN [SP DATA] LF. */
export function relpFrame(txnr: number, command: string, data = ""): Buffer {
  const body = Buffer.from(data, "utf8");
  const head = Buffer.from(`${txnr} ${command} ${body.length}${body.length > 0 ? " " : ""}`, "ascii");
  return Buffer.concat([head, body, Buffer.from("\n")]);
}

export interface RelpResponse {
  txnr: number;
  command: string;
  data: string;
}

/** Splits the receiver's byte stream into RELP frames; keeps what is incomplete for the next chunk. */
export function relpParser(onFrame: (frame: RelpResponse) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const header = /^(\d{1,9}) ([a-z]{1,32}) (\d{1,9})/.exec(buffer.subarray(0, 64).toString("latin1"));
      if (!header) {
        if (buffer.length > 64) throw new Error("RELP: garbled frame from the receiver");
        return;
      }
      const length = Number(header[3]);
      const start = header[0].length + (length > 0 ? 1 : 0);
      if (buffer.length < start + length + 1) return;
      onFrame({
        txnr: Number(header[1]),
        command: header[2] ?? "",
        data: buffer.subarray(start, start + length).toString("utf8"),
      });
      buffer = buffer.subarray(start + length + 1);
    }
  };
}

/**
 * Opens a RELP session, sends every message as a `syslog` command, and resolves 200 only once
 * each has its "200 OK" response; anything less leaves the whole batch to be sent again.
 */
function sendRelp(
  options: tls.ConnectionOptions,
  messages: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SendResult> {
  let acked = 0;
  const failure = (why: string): SendResult => ({
    error: `RELP: ${why}; ${acked} of ${messages.length} messages acknowledged, the batch goes again`,
  });
  return settledConnection(
    options,
    timeoutMs,
    signal,
    () => failure(`no answer within ${timeoutMs} ms`),
    () => failure("send aborted"),
    (socket, finish) => {
      let opened = false;
      const pending = new Set<number>();
      const partial = (why: string) => finish(failure(why));
      const parse = relpParser((frame) => {
        if (frame.command === "serverclose") return partial("the receiver closed the session");
        if (frame.command !== "rsp") return partial(`unexpected ${frame.command} from the receiver`);
        const ok = frame.data.startsWith("200");
        if (frame.txnr === 1 && !opened) {
          if (!ok) return partial(`open refused: ${frame.data.split("\n")[0]}`);
          opened = true;
          const frames = messages.map((message, i) => {
            pending.add(i + 2);
            return relpFrame(i + 2, "syslog", message);
          });
          socket.write(Buffer.concat(frames));
          return;
        }
        if (!pending.delete(frame.txnr)) return;
        if (!ok) return partial(`message refused: ${frame.data.split("\n")[0]}`);
        acked++;
        if (pending.size === 0) {
          socket.end(relpFrame(messages.length + 2, "close"));
          finish({ status: 200 });
        }
      });
      socket.once("secureConnect", () => {
        socket.write(relpFrame(1, "open", "relp_version=0\nrelp_software=eca\ncommands=syslog"));
      });
      socket.on("data", (chunk: Buffer) => {
        try {
          parse(chunk);
        } catch (error) {
          partial((error as Error).message);
        }
      });
      socket.once("error", (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        partial(`${code ? `${code}: ` : ""}${error.message}`);
      });
      socket.once("close", () => partial("the connection closed"));
    },
  );
}

function sdEscape(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** RFC 5424 header fields are 1-N printable US-ASCII characters, "-" when empty. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, "").slice(0, max);
  return clean.length > 0 ? clean : "-";
}
