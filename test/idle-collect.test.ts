// The idle daemon kept its start-up garbage: V8 does not collect a process that stopped allocating,
// so what start-up (configuration, policy, the first scan and delivery) left behind stayed in
// old-generation pages. agent/daemon/idle-collect.ts collects once things are quiet.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createIdleCollector, IDLE_COLLECT_DELAY_MS } from "../agent/daemon/idle-collect.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("idle collection", () => {
  it("collects once, a delay after the last of a burst of activity", () => {
    vi.useFakeTimers();
    const collect = vi.fn();
    const collector = createIdleCollector({ collect });
    collector.activity();
    vi.advanceTimersByTime(IDLE_COLLECT_DELAY_MS - 1);
    collector.activity();
    vi.advanceTimersByTime(IDLE_COLLECT_DELAY_MS - 1);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
    // Quiet from then on: nothing more until the next activity.
    vi.advanceTimersByTime(10 * IDLE_COLLECT_DELAY_MS);
    expect(collect).toHaveBeenCalledTimes(1);
    collector.activity();
    vi.advanceTimersByTime(IDLE_COLLECT_DELAY_MS);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it("collects nothing after stop, and does nothing where V8's gc() is not exposed", () => {
    vi.useFakeTimers();
    const collect = vi.fn();
    const collector = createIdleCollector({ collect });
    collector.activity();
    collector.stop();
    vi.advanceTimersByTime(2 * IDLE_COLLECT_DELAY_MS);
    expect(collect).not.toHaveBeenCalled();
    // Vitest's workers run without --expose-gc: the default collector has nothing to call.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    const inert = createIdleCollector();
    inert.activity();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("asks V8 for a last-resort collection when gc() is exposed", () => {
    vi.useFakeTimers();
    const gc = vi.fn();
    (globalThis as { gc?: unknown }).gc = gc;
    try {
      const collector = createIdleCollector();
      collector.activity();
      vi.advanceTimersByTime(IDLE_COLLECT_DELAY_MS);
      expect(gc).toHaveBeenCalledWith({ type: "major", execution: "sync", flavor: "last-resort" });
    } finally {
      delete (globalThis as { gc?: unknown }).gc;
    }
  });
});
