// One thorough garbage collection once the daemon's work has settled: after start-up (policy,
// configuration, the first scan, the first delivery), after a burst of changes and after a
// delivery (a heartbeat's too). V8 collects a process that stopped allocating no further than its
// allocation limits made it, so start-up's garbage stays in old-generation pages for minutes; a
// "last-resort" collection (V8's CollectAllAvailableGarbage: full collections until nothing more is
// freed, compacting, empty pages returned to the system) brings the idle daemon 2.2 MB lower in
// its first minutes and 0.6-1.4 MB after three, when V8 has partly caught up by itself, for ~30 ms
// of CPU (bench/idle.bench.ts, BENCHMARKS.md Footprint).
//
// It needs V8's gc() (`--expose-gc` in the executable's execArgv, packaging/build-sea.ts): without
// it (`node agent/bin/eca.ts run`, tests) this does nothing. Polls that find nothing new are not
// activity, so an idle daemon collects once and then not again until something changes.

/** Quiet this long after the last change, then collect. */
export const IDLE_COLLECT_DELAY_MS = 5_000;

type GcFunction = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export interface IdleCollector {
  /** Something happened (a judged scan): collect once it has been quiet for the delay. */
  activity(): void;
  stop(): void;
}

export interface IdleCollectorOptions {
  delayMs?: number;
  /** The collection; default V8's gc() when exposed, last-resort flavour. */
  collect?: (() => void) | undefined;
}

export function createIdleCollector(options: IdleCollectorOptions = {}): IdleCollector {
  const collect = "collect" in options ? options.collect : exposedGc();
  const delayMs = options.delayMs ?? IDLE_COLLECT_DELAY_MS;
  let timer: NodeJS.Timeout | undefined;
  return {
    activity() {
      if (!collect) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        collect();
      }, delayMs);
      // The collection is housekeeping: it never keeps a stopping process alive.
      timer.unref();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: GcFunction }).gc;
  if (typeof gc !== "function") return undefined;
  return () => gc({ type: "major", execution: "sync", flavor: "last-resort" });
}
