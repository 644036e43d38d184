// bluez-info.ts checks its lines with character tests instead of regular expressions (a one-shot scan
// compiled each expression for a handful of files). The fault this prevents: a check that accepts or
// refuses what its expression did not, so an info file parses differently. Seeded random strings over
// the characters that matter, and the edges, against the expressions themselves.

import { describe, expect, it } from "vitest";
import { groupName, parseBluezInfo, parseNumber } from "../probes/linux/bluez-info.ts";
import { mulberry32 as random } from "./helpers/mulberry32.ts";

function strings(alphabet: string, count: number, maxLength: number, seed: number): string[] {
  const next = random(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = "";
    const length = Math.floor(next() * (maxLength + 1));
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    out.push(text);
  }
  return out;
}

const numberBefore = (value: string | undefined): number | undefined => {
  if (value === undefined || value === "") return undefined;
  const number = /^0x[0-9a-f]+$/i.test(value)
    ? Number.parseInt(value, 16)
    : /^\d+$/.test(value)
      ? Number(value)
      : NaN;
  return Number.isNaN(number) ? undefined : number;
};

describe("bluez-info's character tests are the expressions they replace", () => {
  it("groupName is /^\\[([^\\]]+)\\]$/", () => {
    const cases = [
      ...strings("[]ab ", 20_000, 6, 1),
      "[]",
      "[General]",
      "[[a]",
      "[a]]",
      "[a]b]",
      "[ ]",
      "x[a]",
    ];
    for (const line of cases) expect(groupName(line), line).toBe(/^\[([^\]]+)\]$/.exec(line)?.[1]);
  });

  it("parseNumber is /^0x[0-9a-f]+$/i, then /^\\d+$/", () => {
    const cases = [
      ...strings("0xX19afAFg -+.", 30_000, 8, 2),
      "0x",
      "0X1F",
      "0x240404",
      "5898764",
      "00",
      "1e3",
      " 12",
      "0x1 ",
      "\u0661",
      undefined,
      "",
    ];
    for (const value of cases) expect(parseNumber(value), String(value)).toBe(numberBefore(value));
  });

  it("a file with \\r\\n line ends parses as with \\n", () => {
    const text =
      "[General]\nName=Car\nClass=0x240404\nServices=0000110b-0000-1000-8000-00805f9b34fb;\n[LinkKey]\nKey=AB\n";
    expect(parseBluezInfo(text.replaceAll("\n", "\r\n"))).toEqual(parseBluezInfo(text));
    expect(parseBluezInfo(text).classOfDevice).toBe(0x240404);
  });
});
