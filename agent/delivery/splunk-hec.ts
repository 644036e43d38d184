// Splunk HTTP Event Collector specifics: the envelope, the answer codes and indexer
// acknowledgement. With acknowledgement on, a 200 from /services/collector/event only means the
// batch "looks valid"; it is stored once /services/collector/ack says its ackId is true. So the
// sink keeps asking, on the same channel, until the ack comes (the batch stays in the outbox) or
// the ack timeout passes (the send fails and the deliverer sends the batch again: duplicates,
// never loss). With acknowledgement off the answer has no ackId and a 200 is all HEC offers.
// Splunk documents the protocol in "About HTTP Event Collector Indexer Acknowledgment" and
// "Format events for HTTP Event Collector"; the codes below are its "HTTP Event Collector
// response codes" table.

import { randomUUID } from "node:crypto";
import type { SendResult } from "./policy.ts";

export interface HecConfig {
  /** Envelope `index`; the token's default index when left out. */
  index?: string;
  /** Envelope `source`. Default "eca". */
  source?: string;
  /** Envelope `sourcetype`. Default "ocsf". */
  sourcetype?: string;
  /** How long to wait for an ackId to become true before sending the batch again. Default 120 s. */
  ackTimeoutSeconds?: number;
  /** How often to ask /services/collector/ack. Default 2 s. */
  ackPollSeconds?: number;
  /** The acknowledgement endpoint; default derived from the endpoint URL (…/services/collector/ack). */
  ackUrl?: string;
}

/** HEC answer codes that mean "the request never reached an index; send it again", not "bad data". */
const RETRY_CODES: Record<number, string> = {
  8: "internal server error",
  9: "server is busy",
  10: "data channel is missing",
  11: "invalid data channel",
  13: "ACK is disabled",
  18: "HEC is healthy but the queues are full",
  19: "HEC is unhealthy, queues are full",
  23: "HEC is unhealthy",
  24: "queue is at capacity",
};

export interface HecAnswer {
  code?: number;
  text?: string;
  ackId?: number;
}

export function parseHecAnswer(body: string): HecAnswer {
  try {
    const value = JSON.parse(body) as Record<string, unknown>;
    return {
      ...(typeof value.code === "number" ? { code: value.code } : {}),
      ...(typeof value.text === "string" ? { text: value.text } : {}),
      ...(Number.isSafeInteger(value.ackId) ? { ackId: value.ackId as number } : {}),
    };
  } catch {
    return {};
  }
}

/** Whether an error answer is a transient HEC condition that must be retried, never dead-lettered. */
export function hecRetryReason(answer: HecAnswer): string | undefined {
  return answer.code !== undefined && RETRY_CODES[answer.code]
    ? `HEC code ${answer.code}: ${answer.text ?? RETRY_CODES[answer.code]}`
    : undefined;
}

/** {"acks":{"3":true,"4":false}} → the ids that are true. */
export function parseAckAnswer(body: string): Set<number> {
  const done = new Set<number>();
  try {
    const acks = (JSON.parse(body) as { acks?: Record<string, unknown> }).acks;
    for (const [id, value] of Object.entries(acks ?? {})) if (value === true) done.add(Number(id));
  } catch {
    // Not JSON: nothing is acknowledged.
  }
  return done;
}

export function ackUrlFor(endpoint: URL, configured?: string): URL {
  if (configured) return new URL(configured);
  const url = new URL(endpoint);
  const match = /^(.*\/services\/collector)(\/event(\/1\.0)?|\/raw(\/1\.0)?)?\/?$/.exec(url.pathname);
  url.pathname = match ? `${match[1]}/ack` : "/services/collector/ack";
  url.search = "";
  return url;
}

/** One HEC channel per sink: Splunk counts ackIds per channel, and requires a GUID. */
export function newChannel(): string {
  return randomUUID();
}

export function hecEnvelope(payload: string, hostname: string, hec: HecConfig = {}): string {
  const time = (JSON.parse(payload) as { time?: number }).time ?? Date.now();
  const fields = [
    // HEC wants epoch seconds; OCSF `time` is milliseconds.
    `"time":${time / 1000}`,
    `"host":${JSON.stringify(hostname)}`,
    `"source":${JSON.stringify(hec.source ?? "eca")}`,
    `"sourcetype":${JSON.stringify(hec.sourcetype ?? "ocsf")}`,
    ...(hec.index ? [`"index":${JSON.stringify(hec.index)}`] : []),
  ];
  return `{${fields.join(",")},"event":${payload}}`;
}

/**
 * What HEC's answer to a batch means for the outbox: an error answer with a transient HEC code is
 * retried (never dead-lettered); a 2xx without an ackId (acknowledgement off) is delivered; a 2xx
 * with one is delivered only once `query` reports it true, else an error sends the batch again.
 */
export async function confirmHecBatch(
  answer: SendResult & { body: string },
  options: {
    channel: string;
    hec: HecConfig;
    query: (ids: number[]) => Promise<Set<number>>;
    signal?: AbortSignal;
  },
): Promise<SendResult> {
  const { body, ...result } = answer;
  if (result.status === undefined) return result;
  const parsed = parseHecAnswer(body);
  if (result.status < 200 || result.status >= 300) {
    const retry = hecRetryReason(parsed);
    return retry ? { error: retry } : result;
  }
  if (parsed.ackId === undefined) return result; // acknowledgement off: a 200 is all HEC gives
  const timeoutSeconds = options.hec.ackTimeoutSeconds ?? 120;
  const acked = await waitForAck(parsed.ackId, options.query, {
    timeoutMs: timeoutSeconds * 1000,
    pollMs: (options.hec.ackPollSeconds ?? 2) * 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Not acknowledged: HEC may or may not have indexed it, so the batch stays and goes again.
  return acked
    ? result
    : {
        error: `HEC did not acknowledge ackId ${parsed.ackId} on channel ${options.channel} within ${timeoutSeconds} s`,
      };
}

/**
 * Waits until `query` reports `ackId` as true (resolves true) or `timeoutMs` passes or the signal
 * aborts (resolves false). `query` throws or returns an empty set when HEC cannot say.
 */
export async function waitForAck(
  ackId: number,
  query: (ids: number[]) => Promise<Set<number>>,
  options: { timeoutMs: number; pollMs: number; signal?: AbortSignal; now?: () => number },
): Promise<boolean> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    if (options.signal?.aborted) return false;
    try {
      if ((await query([ackId])).has(ackId)) return true;
    } catch {
      // The ack endpoint failed this time: ask again until the deadline.
    }
    const left = deadline - now();
    if (left <= 0) return false;
    await sleep(Math.min(options.pollMs, left), options.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
