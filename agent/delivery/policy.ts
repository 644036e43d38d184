// What to do after each send: pure functions of the response, the attempt count, the clock and a
// random number, so the backoff and status handling are tested without a network or timers.

export interface SendResult {
  /** HTTP status; absent when the request never got one (network error, timeout). */
  status?: number;
  retryAfter?: string;
  /** Network error or a short excerpt of the response body. */
  error?: string;
}

export interface RetryPolicy {
  /** First backoff step. Default 1 s. */
  baseMs: number;
  /** Largest backoff. Default 15 min. */
  capMs: number;
  /** How often to retry while the endpoint refuses our credentials. Default 15 min. */
  authRetryMs: number;
  /** Longest Retry-After honoured, so a misconfigured server cannot stall delivery for days. Default 1 h. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 1_000,
  capMs: 15 * 60_000,
  authRetryMs: 15 * 60_000,
  maxRetryAfterMs: 60 * 60_000,
};

export type Decision =
  | { action: "ack" }
  | { action: "retry"; delayMs: number; reason: string }
  | { action: "split"; reason: string }
  | { action: "dead-letter"; reason: string; status: number }
  | { action: "pause-auth"; delayMs: number; reason: string };

/** The exponential backoff's ceiling: min(cap, base * 2^attempt). `attempt` counts from 0. */
export function backoffCeiling(attempt: number, policy: Pick<RetryPolicy, "baseMs" | "capMs">): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 52));
}

/** Exponential backoff with full jitter: uniform in [0, backoffCeiling(attempt)). */
export function nextDelay(
  attempt: number,
  random: () => number,
  policy: Pick<RetryPolicy, "baseMs" | "capMs">,
): number {
  return Math.floor(random() * backoffCeiling(attempt, policy));
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date always names its day and month; Date.parse alone accepts bare numbers like "-5".
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export function decide(
  result: SendResult,
  context: { attempt: number; batchSize: number; now: number; random: () => number; policy: RetryPolicy },
): Decision {
  const { status } = result;
  const backoff = () => nextDelay(context.attempt, context.random, context.policy);
  const detail = result.error ? `: ${result.error}` : "";
  if (status === undefined) {
    return { action: "retry", delayMs: backoff(), reason: `network error${detail}` };
  }
  if (status >= 200 && status < 300) return { action: "ack" };
  if (status === 429 || status === 503) {
    const requested = parseRetryAfter(result.retryAfter, context.now);
    const delayMs = requested === undefined ? backoff() : Math.min(requested, context.policy.maxRetryAfterMs);
    return { action: "retry", delayMs, reason: `HTTP ${status}${detail}` };
  }
  if (status === 401 || status === 403) {
    return { action: "pause-auth", delayMs: context.policy.authRetryMs, reason: `HTTP ${status}${detail}` };
  }
  if (status === 413) {
    return context.batchSize > 1
      ? { action: "split", reason: "HTTP 413" }
      : { action: "dead-letter", reason: `HTTP 413 for a single event${detail}`, status };
  }
  // 408 and 5xx are the server's trouble; 3xx means a misconfigured URL, not a bad batch.
  if (status === 408 || status >= 500 || status < 400) {
    return { action: "retry", delayMs: backoff(), reason: `HTTP ${status}${detail}` };
  }
  // Other 4xx: the endpoint will never take this batch as it is; keep it aside, counted.
  return { action: "dead-letter", reason: `HTTP ${status}${detail}`, status };
}
