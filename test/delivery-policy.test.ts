import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, decide, nextDelay, parseRetryAfter } from "../agent/delivery/policy.ts";

const policy = DEFAULT_RETRY_POLICY;
const context = {
  attempt: 0,
  batchSize: 10,
  now: Date.parse("2026-03-01T09:00:00Z"),
  random: () => 0.5,
  policy,
};

describe("nextDelay", () => {
  it("grows exponentially with full jitter and stops at the cap", () => {
    expect(nextDelay(0, () => 0.999, policy)).toBe(999);
    expect(nextDelay(3, () => 0.5, policy)).toBe(4000);
    expect(nextDelay(0, () => 0, policy)).toBe(0);
    expect(nextDelay(40, () => 0.999999, policy)).toBeLessThan(15 * 60_000);
    expect(nextDelay(10_000, () => 0.5, policy)).toBe(7.5 * 60_000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T09:00:00Z");
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 09:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 08:00:00 GMT", now)).toBe(0);
  });
  it("ignores nonsense", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
  });
});

describe("decide", () => {
  it("acknowledges any 2xx", () => {
    expect(decide({ status: 200 }, context)).toEqual({ action: "ack" });
    expect(decide({ status: 204 }, context)).toEqual({ action: "ack" });
  });
  it("honours Retry-After on 429 and 503, within reason", () => {
    expect(decide({ status: 429, retryAfter: "7" }, context)).toMatchObject({
      action: "retry",
      delayMs: 7000,
    });
    expect(decide({ status: 503, retryAfter: "999999" }, context)).toMatchObject({
      action: "retry",
      delayMs: policy.maxRetryAfterMs,
    });
    expect(decide({ status: 429 }, { ...context, attempt: 2 })).toMatchObject({
      action: "retry",
      delayMs: 2000,
    });
  });
  it("backs off on 5xx, 408, redirects and network errors", () => {
    for (const result of [
      { status: 500 },
      { status: 502 },
      { status: 408 },
      { status: 301 },
      { error: "ECONNREFUSED" },
    ]) {
      expect(decide(result, context).action).toBe("retry");
    }
  });
  it("splits on 413, and dead-letters a single event that is still too large", () => {
    expect(decide({ status: 413 }, context)).toMatchObject({ action: "split" });
    expect(decide({ status: 413 }, { ...context, batchSize: 1 })).toMatchObject({
      action: "dead-letter",
      status: 413,
    });
  });
  it("pauses for auth on 401 and 403", () => {
    expect(decide({ status: 401 }, context)).toMatchObject({
      action: "pause-auth",
      delayMs: policy.authRetryMs,
    });
    expect(decide({ status: 403 }, context)).toMatchObject({ action: "pause-auth" });
  });
  it("dead-letters other 4xx", () => {
    expect(decide({ status: 400, error: "bad field" }, context)).toEqual({
      action: "dead-letter",
      reason: "HTTP 400: bad field",
      status: 400,
    });
    expect(decide({ status: 422 }, context).action).toBe("dead-letter");
  });
});
