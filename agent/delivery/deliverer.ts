// The delivery loop: takes the oldest batch from the outbox, sends it, and acts on the answer
// (see policy.ts). One batch in flight at a time, so events arrive in order unless a retry
// repeats them. It runs beside scanning and never blocks it: scans only ever enqueue.

import type { Logger } from "../log.ts";
import type { Outbox, OutboxEvent } from "../outbox/outbox.ts";
import {
  backoffCeiling,
  DEFAULT_RETRY_POLICY,
  type Decision,
  decide,
  type RetryPolicy,
  type SendResult,
} from "./policy.ts";

export interface Sink {
  send(batch: OutboxEvent[], signal?: AbortSignal): Promise<SendResult>;
  /** Changes whenever the sink's credentials change: delivery paused for auth then resumes at once. */
  credentialsVersion?(): string;
}

export interface DelivererOptions {
  outbox: Outbox;
  sink: Sink;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** Default 500. */
  maxBatchEvents?: number;
  /** Default 1 MiB. */
  maxBatchBytes?: number;
  /** How often an idle deliverer looks for events it was not nudged about. Default 5 s. */
  idlePollMs?: number;
  /** How often a deliverer paused for auth checks whether the credentials changed. Default 10 s. */
  authCheckMs?: number;
  /** How long stop() lets a request in flight finish before aborting it. Default 5 s. */
  stopGraceMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface DelivererState {
  running: boolean;
  /** Events in the request now in flight. */
  inFlight: number;
  consecutiveFailures: number;
  /** When the next attempt is due, while backing off or paused. */
  nextAttemptAt: number | null;
  authPaused: boolean;
  lastError: string | null;
  lastDeliveryAt: number | null;
  deliveredSinceStart: number;
  deadLetteredSinceStart: number;
}

export interface Deliverer {
  /** New events were enqueued: deliver now if idle (does not cut a backoff short). */
  nudge(): void;
  /** Use another sink from now on (new config or token): also ends a pause for auth. */
  setSink(sink: Sink): void;
  state(): DelivererState;
  /** Resolves the next time the outbox is found empty. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

export const MAX_BATCH_EVENTS = 500;
export const MAX_BATCH_BYTES = 1024 * 1024;

export function startDeliverer(options: DelivererOptions): Deliverer {
  const { outbox, logger } = options;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const maxEvents = options.maxBatchEvents ?? MAX_BATCH_EVENTS;
  const maxBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
  const idlePollMs = options.idlePollMs ?? 5_000;
  const authCheckMs = options.authCheckMs ?? 10_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  let sink = options.sink;
  let stopped = false;
  let sinkReplaced = false;
  let batchEventLimit = maxEvents;
  let batchByteLimit = maxBytes;
  let inFlight: AbortController | undefined;
  let drainWaiters: (() => void)[] = [];
  const initial = safeStats();
  const state: DelivererState = {
    running: true,
    inFlight: 0,
    consecutiveFailures: 0,
    nextAttemptAt: null,
    authPaused: initial?.authPaused ?? false,
    lastError: initial?.lastError ?? null,
    lastDeliveryAt: initial?.lastDeliveryAt ?? null,
    deliveredSinceStart: 0,
    deadLetteredSinceStart: 0,
  };

  // One pending wait at a time; `wake` ends it early when the reason is one the wait accepts.
  type WakeReason = "nudge" | "sink" | "stop";
  let wake: ((reason: WakeReason) => void) | undefined;
  let nudged = false;
  function wait(ms: number, wakeOn: WakeReason[]): Promise<void> {
    if (stopped) return Promise.resolve();
    if (wakeOn.includes("nudge") && nudged) {
      nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        if (wakeOn.includes("nudge")) nudged = false;
        resolve();
      }
      wake = (reason) => {
        if (reason === "stop" || wakeOn.includes(reason)) done();
      };
    });
  }

  function safeStats() {
    try {
      return outbox.stats();
    } catch {
      return undefined;
    }
  }

  async function waitForAuth(delayMs: number): Promise<void> {
    const until = now() + delayMs;
    const version = sink.credentialsVersion?.();
    sinkReplaced = false;
    while (!stopped && now() < until && !sinkReplaced) {
      await wait(Math.min(authCheckMs, Math.max(0, until - now())), ["sink"]);
      if (version !== undefined && sink.credentialsVersion?.() !== version) {
        logger.info("endpoint credentials changed: retrying delivery");
        return;
      }
    }
  }

  function noteError(reason: string): void {
    state.lastError = reason;
    try {
      outbox.recordError(reason);
    } catch (error) {
      logger.error({ err: error }, "cannot record the delivery error in the state database");
    }
  }

  async function apply(decision: Decision, batch: OutboxEvent[]): Promise<void> {
    const seqs = batch.map((event) => event.seq);
    switch (decision.action) {
      case "ack": {
        outbox.ack(seqs);
        state.lastDeliveryAt = now();
        state.deliveredSinceStart += batch.length;
        state.consecutiveFailures = 0;
        state.nextAttemptAt = null;
        // A delivery that works again is no longer failing: `eca status` must not keep the old error.
        state.lastError = null;
        if (state.authPaused) {
          state.authPaused = false;
          outbox.setAuthPaused(false);
          logger.info("endpoint accepts our credentials again: delivery resumed");
        }
        // Grow back after a 413 split, one doubling per accepted batch.
        batchEventLimit = Math.min(maxEvents, batchEventLimit * 2);
        batchByteLimit = Math.min(maxBytes, batchByteLimit * 2);
        return;
      }
      case "split": {
        batchEventLimit = Math.max(1, Math.floor(batch.length / 2));
        batchByteLimit = Math.max(1, Math.floor(payloadBytes(batch) / 2));
        logger.warn(
          { events: batch.length, nextBatchEvents: batchEventLimit },
          "endpoint says batch too large: splitting",
        );
        return;
      }
      case "dead-letter": {
        outbox.deadLetter(seqs, decision.reason, decision.status);
        state.deadLetteredSinceStart += batch.length;
        noteError(decision.reason);
        logger.error(
          {
            events: batch.length,
            uids: batch.slice(0, 5).map((event) => event.uid),
            reason: decision.reason,
          },
          "endpoint rejected events: moved to dead letters",
        );
        return;
      }
      case "retry": {
        state.consecutiveFailures++;
        state.nextAttemptAt = now() + decision.delayMs;
        noteError(decision.reason);
        logger.warn(
          { reason: decision.reason, retryInMs: decision.delayMs, failures: state.consecutiveFailures },
          "delivery failed: will retry",
        );
        // A new sink (new configuration) is worth trying at once; new events are not.
        await wait(decision.delayMs, ["sink"]);
        state.nextAttemptAt = null;
        return;
      }
      case "pause-auth": {
        if (!state.authPaused) {
          state.authPaused = true;
          outbox.setAuthPaused(true);
        }
        state.nextAttemptAt = now() + decision.delayMs;
        noteError(decision.reason);
        logger.error(
          { reason: decision.reason, retryInMs: decision.delayMs },
          "endpoint refused our credentials: delivery paused until they change or the retry time comes",
        );
        await waitForAuth(decision.delayMs);
        state.nextAttemptAt = null;
        return;
      }
    }
  }

  async function deliverOnce(): Promise<void> {
    const batch = outbox.nextBatch({ maxEvents: batchEventLimit, maxBytes: batchByteLimit });
    if (batch.length === 0) {
      const waiters = drainWaiters;
      drainWaiters = [];
      for (const resolve of waiters) resolve();
      await wait(idlePollMs, ["nudge", "sink"]);
      return;
    }
    outbox.recordAttempt(batch.map((event) => event.seq));
    inFlight = new AbortController();
    state.inFlight = batch.length;
    let result: SendResult;
    try {
      result = await sink.send(batch, inFlight.signal);
    } catch (error) {
      result = { error: (error as Error).message };
    } finally {
      inFlight = undefined;
      state.inFlight = 0;
    }
    if (stopped && result.status === undefined) return;
    const decision = decide(result, {
      attempt: state.consecutiveFailures,
      batchSize: batch.length,
      now: now(),
      random,
      policy,
    });
    await apply(decision, batch);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        await deliverOnce();
      } catch (error) {
        // The state database failed under us (disk full, permissions): back off, never die.
        state.consecutiveFailures++;
        const delay = Math.max(1, backoffCeiling(state.consecutiveFailures, policy));
        logger.error({ err: error, retryInMs: delay }, "delivery loop error");
        await wait(delay, ["sink"]);
      }
    }
    state.running = false;
  }

  const running = loop();

  return {
    nudge() {
      nudged = true;
      wake?.("nudge");
    },
    setSink(next) {
      sink = next;
      sinkReplaced = true;
      wake?.("sink");
    },
    state() {
      return { ...state };
    },
    drained() {
      return new Promise((resolve) => {
        drainWaiters.push(resolve);
        nudged = true;
        wake?.("nudge");
      });
    },
    async stop() {
      if (stopped) return running;
      stopped = true;
      wake?.("stop");
      if (inFlight) {
        const controller = inFlight;
        const grace = setTimeout(() => controller.abort(), stopGraceMs);
        await running;
        clearTimeout(grace);
      }
      await running;
      for (const resolve of drainWaiters) resolve();
      drainWaiters = [];
    },
  };
}

function payloadBytes(batch: OutboxEvent[]): number {
  let total = 0;
  for (const event of batch) total += Buffer.byteLength(event.payload);
  return total;
}
