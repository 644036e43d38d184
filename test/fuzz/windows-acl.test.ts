// Fuzzing the icacls /save reader (agent/daemon/windows-acl-parse.ts): recorded DACLs mutated
// token by token. Whatever the text: nothing but AclParseError is thrown, and a DACL passes only
// when every entry that grants anything names SYSTEM or Administrators, so a mutation can never
// turn a refused directory into a trusted one by confusing the parser.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AclParseError,
  aclProblems,
  decodeIcaclsSave,
  parseIcaclsSave,
  parseSddlDacl,
} from "../../agent/daemon/windows-acl-parse.ts";
import { forBudget, fuzzBudgetMs, type Random, seededRandom } from "./random.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/windows-acl");
const samples = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".txt"))
  .map((f) => readFileSync(join(FIXTURES, f), "utf8"));
const TOKENS = [
  "(",
  ")",
  ";",
  "A",
  "D",
  "OA",
  "ID",
  "IO",
  "OICI",
  "FA",
  "0x1200a9",
  "SY",
  "BA",
  "WD",
  "BU",
  "S-1-5-18",
  "S-1-5-32-544",
  "S-1-1-0",
  "P",
  "AI",
  "D:",
  "S:",
  "O:BA",
  "NO_ACCESS_CONTROL",
  "\r\n",
  "\u0000",
];

function mutate(text: string, random: Random): string {
  let out = text;
  for (let i = 0, edits = 1 + random.int(4); i < edits; i++) {
    const at = random.int(out.length + 1);
    const choice = random.int(3);
    if (choice === 0) out = out.slice(0, at) + random.pick(TOKENS) + out.slice(at);
    else if (choice === 1) out = out.slice(0, at) + out.slice(at + 1 + random.int(6));
    else out = out.slice(0, at) + random.text(1 + random.int(3)) + out.slice(at);
  }
  return out;
}

const TRUSTED = new Set(["SY", "BA", "S-1-5-18", "S-1-5-32-544"]);

describe("fuzz: icacls /save output", () => {
  it("throws only AclParseError, and passes only DACLs granting nobody but SYSTEM and Administrators", async () => {
    const random = seededRandom("windows-acl");
    let accepted = 0;
    const runs = await forBudget(fuzzBudgetMs(), () => {
      const text = mutate(random.pick(samples), random);
      const bytes = random.chance(0.5) ? Buffer.from(text, "utf16le") : Buffer.from(text);
      try {
        for (const { sddl } of parseIcaclsSave(decodeIcaclsSave(bytes))) {
          const dacl = parseSddlDacl(sddl);
          if (aclProblems(dacl, true).length > 0) continue;
          accepted++;
          expect(dacl.nullDacl).toBe(false);
          expect(dacl.protected).toBe(true);
          for (const ace of dacl.aces)
            if (!["D", "OD", "XD"].includes(ace.type)) expect(TRUSTED.has(ace.sid), sddl).toBe(true);
        }
      } catch (error) {
        expect(error).toBeInstanceOf(AclParseError);
      }
    });
    console.log(`windows-acl: ${runs} mutations, ${accepted} DACLs accepted`);
    expect(runs).toBeGreaterThan(100);
  });
});
