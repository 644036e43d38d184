// Seeded randomness for the fuzzers: each run prints its seed, and FUZZ_SEED=<seed> replays it.
// FUZZ_MS bounds each fuzzer's time (default a few seconds), so CI stays quick and a longer local
// run is one variable away.

import { mulberry32 } from "../helpers/mulberry32.ts";

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** A string of `length` characters drawn from `alphabet`. */
  text(length: number, alphabet?: string): string;
}

/** Seeded by FUZZ_SEED or at random, and says which: mulberry32 is good enough to spread mutations. */
export function seededRandom(label: string): Random {
  const fromEnv = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  const seed = fromEnv ?? Math.floor(Math.random() * 2 ** 31);
  console.log(`${label}: fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
    text: (
      length,
      alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 :-_[]{}&*!|>\"'#%@`,.\n\t\\\u0000\u00e9\u202e",
    ) => Array.from({ length }, () => alphabet[int(alphabet.length)]).join(""),
  };
}

/** Milliseconds each fuzzer may run. */
export function fuzzBudgetMs(defaultMs = 2_000): number {
  return process.env.FUZZ_MS ? Number(process.env.FUZZ_MS) : defaultMs;
}

/** Runs `body` until the budget is spent; returns the number of iterations (at least one). */
export async function forBudget(
  budgetMs: number,
  body: (iteration: number) => Promise<void> | void,
): Promise<number> {
  const deadline = Date.now() + budgetMs;
  let iteration = 0;
  do {
    await body(iteration);
    iteration++;
  } while (Date.now() < deadline);
  return iteration;
}
