// Fuzzing policy and configuration documents: the good fixtures mutated (bytes, YAML tokens, lines)
// and random structures written as YAML and JSON. Whatever the input: no crash, no throw other than
// DocumentError, no hang, no prototype pollution, and every problem names a place (a line, a
// setting) or is about the whole document.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { CONFIG_SCHEMA } from "../../agent/config/config.ts";
import { DocumentError, parseDocument } from "../../policy/document.ts";
import { policyFromDocument } from "../../policy/load.ts";
import { checkAgainstSchema } from "../../policy/schema-check.ts";
import { forBudget, fuzzBudgetMs, type Random, seededRandom } from "./random.ts";

const REPO = join(import.meta.dirname, "../..");
const seeds = [
  "test/fixtures/policies/good/full.yaml",
  "test/fixtures/policies/good/empty-sections.yaml",
  "test/fixtures/policies/good/only-approvals.json",
  "test/fixtures/policies/bluetooth-keyboard.yaml",
  "examples/laptop-approved-keyboard/policy.yaml",
  "packaging/config.example.yaml",
].map((path) => readFileSync(join(REPO, path), "utf8"));

/** Fragments that have broken YAML readers: anchors, aliases, merge keys, tags, directives. */
const TOKENS = [
  "&a ",
  "*a",
  "*b",
  "<<: *a\n",
  "!!binary ",
  "!!js/function ",
  "!!timestamp ",
  "!!python/object ",
  "%YAML 1.1\n---\n",
  "%YAML 1.2\n---\n",
  "---\n",
  "...\n",
  "? ",
  ": ",
  "- ",
  "{",
  "}",
  "[",
  "]",
  ",",
  '"',
  "'",
  "|\n",
  ">-\n",
  "#",
  "\t",
  "\n",
  "  ",
  "__proto__: ",
  "constructor: ",
  "prototype: ",
  "2026-03-14",
  "2026-02-30",
  "0x1F",
  "0o17",
  "1e400",
  "-.inf",
  ".nan",
  "~",
  "null",
  "yes",
  "no",
  "\u0000",
  "\ufeff",
  "\u202e",
  "\ud800",
  "%TAG ! tag:x,2026:\n",
];

function mutate(text: string, random: Random): string {
  let out = text;
  for (let n = 1 + random.int(4); n > 0; n--) {
    const at = random.int(out.length + 1);
    switch (random.int(6)) {
      case 0:
        out = out.slice(0, at) + random.pick(TOKENS) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + random.int(20));
        break;
      case 2:
        out = out.slice(0, at) + random.text(1 + random.int(8)) + out.slice(at);
        break;
      case 3: {
        const lines = out.split("\n");
        const line = random.int(lines.length);
        lines.splice(random.int(lines.length), 0, lines[line] ?? "");
        out = lines.join("\n");
        break;
      }
      case 4: {
        const other = random.pick(seeds);
        const from = random.int(other.length);
        out = out.slice(0, at) + other.slice(from, from + random.int(200)) + out.slice(at);
        break;
      }
      default:
        out = out.slice(0, at) + String.fromCharCode(random.int(0x3000)) + out.slice(at + 1);
    }
  }
  return out;
}

const KEYS = [
  "id",
  "version",
  "approvedDevices",
  "approvals",
  "match",
  "bus",
  "vendorId",
  "productId",
  "serial",
  "address",
  "name",
  "description",
  "reference",
  "kind",
  "approvedBy",
  "approvedOn",
  "expiresOn",
  "approvalValidityMonths",
  "endpoint",
  "url",
  "tokenFile",
  "backends",
  "pollIntervalSeconds",
  "__proto__",
  "constructor",
  "x",
];

function randomValue(random: Random, depth = 0): unknown {
  const roll = random.int(depth > 4 ? 5 : 8);
  if (roll === 0) return null;
  if (roll === 1) return random.chance(0.5);
  if (roll === 2) return random.pick([0, -1, 1.5, 12, 13, 2 ** 53, Number.MAX_VALUE]);
  if (roll === 3) return random.pick(["usb", "bluetooth", "2026-03-14", "046d", "AA:BB:CC:DD:EE:FF", ""]);
  if (roll === 4) return random.text(random.int(12));
  if (roll === 5) return Array.from({ length: random.int(4) }, () => randomValue(random, depth + 1));
  const object: Record<string, unknown> = {};
  for (let n = random.int(5); n > 0; n--)
    Object.defineProperty(object, random.pick(KEYS), {
      value: randomValue(random, depth + 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  return object;
}

/** Whole-document problems have no path; everything else names a line or a setting. */
function expectPlaces(error: DocumentError): void {
  expect(error.problems.length).toBeGreaterThan(0);
  for (const problem of error.problems) {
    expect(problem.message).not.toBe("");
    if (problem.path === "") expect(problem.message).toMatch(/^(is |cannot be read)/);
  }
}

async function judge(text: string, now: Date): Promise<void> {
  try {
    const document = await parseDocument(text, "fuzz.yaml");
    try {
      policyFromDocument(document, "fuzz.yaml", now);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      expectPlaces(error);
    }
    // The same document as a configuration: the schema check must not throw either.
    if (document !== null && document !== undefined) checkAgainstSchema(document, CONFIG_SCHEMA);
  } catch (error) {
    if (!(error instanceof DocumentError)) {
      throw new Error(`not a DocumentError for input ${JSON.stringify(text.slice(0, 300))}: ${error}`);
    }
    expectPlaces(error);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("bus");
}

describe("fuzz: policy and configuration documents", () => {
  const now = new Date("2026-11-01T00:00:00Z");

  it("mutated good documents give a result or a DocumentError with a place", async () => {
    const random = seededRandom("documents/mutated");
    const runs = await forBudget(fuzzBudgetMs(), () => judge(mutate(random.pick(seeds), random), now));
    expect(runs).toBeGreaterThan(0);
  });

  it("random structures as YAML and JSON give a result or a DocumentError with a place", async () => {
    const random = seededRandom("documents/random");
    await forBudget(fuzzBudgetMs(), async () => {
      const value = randomValue(random);
      await judge(JSON.stringify(value) ?? "null", now);
      await judge(stringify(value), now);
    });
  });
});
