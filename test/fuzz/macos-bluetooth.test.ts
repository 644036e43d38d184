// Fuzzes the macOS Bluetooth parsers with mutations of the recorded outputs (seeded, bounded in
// time): whatever the input, they return observations or throw their own error naming the place;
// never a TypeError, a RangeError or a stack overflow, never a hang.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  MacosBluetoothParseError,
  parseBluetoothPreferences,
  parseSystemProfilerBluetooth,
} from "../../probes/macos/bluetooth-parse.ts";
import { PlistError } from "../../probes/macos/bluetooth-plist.ts";
import { mulberry32 } from "../helpers/mulberry32.ts";

const fixtures = join(import.meta.dirname, "../fixtures/macos-bluetooth");
const seeds = readdirSync(fixtures).filter((file) => file.endsWith(".json") || file.endsWith(".xml"));
const BUDGET_MS = 2_000;
const address = /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/;

const random = mulberry32;

const SNIPPETS = [
  "&#x110000;",
  "&#99999999999;",
  '"',
  "{",
  "}",
  "[",
  "]",
  ":",
  ",",
  "<dict>",
  "</dict>",
  "<key>",
  "</key>",
  "<array>",
  "&",
  "&#x0;",
  "0x",
  "-",
  "null",
  "<!--",
  "\u0000",
  "\u202e",
];

function mutate(text: string, next: () => number): string {
  let result = text;
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (result.length + 1));
    const choice = next();
    if (choice < 0.3) result = result.slice(0, at) + result.slice(at + 1 + Math.floor(next() * 20));
    else if (choice < 0.6)
      result = result.slice(0, at) + SNIPPETS[Math.floor(next() * SNIPPETS.length)] + result.slice(at);
    else if (choice < 0.8) result = result.slice(0, at);
    else {
      const from = Math.floor(next() * result.length);
      result = result.slice(0, at) + result.slice(from, from + 40) + result.slice(at);
    }
  }
  return result;
}

describe("fuzz: macOS Bluetooth parsers", () => {
  it("survive seeded mutations of every recording", () => {
    const next = random(0x0eca_b1e7);
    const began = Date.now();
    let runs = 0;
    while (Date.now() - began < BUDGET_MS && runs < 20_000) {
      const seed = seeds[runs % seeds.length] as string;
      const input = mutate(readFileSync(join(fixtures, seed), "utf8"), next);
      const parse = seed.endsWith(".xml") ? parseBluetoothPreferences : parseSystemProfilerBluetooth;
      try {
        const { observations } = parse(input, seed);
        for (const observation of observations) expect(observation.address).toMatch(address);
      } catch (error) {
        if (!(error instanceof MacosBluetoothParseError || error instanceof PlistError)) {
          throw new Error(
            `run ${runs} on ${seed}: ${String(error)}\ninput: ${JSON.stringify(input.slice(0, 2000))}`,
          );
        }
        expect((error as Error).message.startsWith(seed)).toBe(true);
      }
      runs++;
    }
    expect(runs).toBeGreaterThan(100);
  });
});
