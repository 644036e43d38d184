// Fuzz: device strings of random code points (weighted towards controls, C1, bidi and surrogates)
// through sanitizeForTerminal and jsonForTerminal. Seeded, so a failure names its input; bounded by
// a fixed number of cases (well under a second).

import { expect, it } from "vitest";
import { jsonForTerminal, sanitizeForTerminal } from "../../agent/text/sanitize.ts";
import { mulberry32 } from "../helpers/mulberry32.ts";

const SEED = Number(process.env.ECA_FUZZ_SEED ?? 0x5eca);
const CASES = 20_000;
const TERMINAL_ACTS_ON =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the fuzzer looks for control characters
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const random = mulberry32;

const RANGES: [number, number][] = [
  [0x00, 0x1f], // C0
  [0x7f, 0x9f], // DEL, C1
  [0x20, 0x7e], // printable ASCII
  [0x202a, 0x202e], // bidi embeddings and overrides
  [0x2066, 0x2069], // bidi isolates
  [0x2000, 0x206f], // general punctuation around them
  [0xd800, 0xdfff], // lone surrogates
  [0x00a0, 0xffff], // the rest of the BMP
  [0x1f300, 0x1faff], // emoji
];

function hostileString(next: () => number): string {
  const length = Math.floor(next() * 40);
  let text = "";
  for (let i = 0; i < length; i++) {
    const [low, high] = RANGES[Math.floor(next() * RANGES.length)] as [number, number];
    text += String.fromCodePoint(low + Math.floor(next() * (high - low + 1)));
  }
  return text;
}

it(`sanitized device strings never carry what a terminal acts on, and --json round-trips (seed ${SEED})`, () => {
  const next = random(SEED);
  for (let i = 0; i < CASES; i++) {
    const input = hostileString(next);
    const shown = sanitizeForTerminal(input);
    if (TERMINAL_ACTS_ON.test(shown))
      throw new Error(`case ${i}: ${JSON.stringify(input)} -> ${JSON.stringify(shown)}`);
    expect(sanitizeForTerminal(shown)).toBe(shown); // idempotent
    const json = jsonForTerminal({ name: input });
    if (TERMINAL_ACTS_ON.test(json)) throw new Error(`case ${i}: --json kept raw: ${json}`);
    expect((JSON.parse(json) as { name: string }).name).toBe(input);
  }
});
