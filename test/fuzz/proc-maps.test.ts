// Fuzzing the /proc/<pid>/maps parser (agent/daemon/proc-maps.ts), whose ranges the daemon hands to
// madvise: the recorded maps of `eca run` (test/fixtures/proc) mutated character by character, cut
// and spliced. Whatever the text: no throw, only exact, non-empty ranges with permissions of the
// kernel's form, and only file paths among the mappings madvise would be given.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileBackedReadOnly, parseMaps } from "../../agent/daemon/proc-maps.ts";
import { forBudget, fuzzBudgetMs, seededRandom } from "./random.ts";

const recorded = readFileSync(join(import.meta.dirname, "../fixtures/proc/eca-run-linux-x64.maps"), "latin1");
const lines = recorded.trimEnd().split("\n");

describe("fuzz: /proc/<pid>/maps", () => {
  it("mutated, cut and spliced lines: exact ordered ranges or nothing, never a throw", async () => {
    const random = seededRandom("proc-maps");
    const runs = await forBudget(fuzzBudgetMs(1_000), () => {
      const text: string[] = [];
      for (let count = random.int(6) + 1; count > 0; count--) {
        let line = random.pick(lines);
        for (let edits = random.int(4); edits > 0; edits--) {
          const at = random.int(line.length + 1);
          const choice = random.int(4);
          if (choice === 0)
            line = line.slice(0, at) + random.text(1, "0123456789abcdefx- rwxps:/\t\n") + line.slice(at + 1);
          else if (choice === 1) line = line.slice(0, at);
          else if (choice === 2) line = line.slice(0, at) + random.pick(lines).slice(random.int(40));
          else line = line.slice(0, at) + random.text(random.int(8)) + line.slice(at);
        }
        text.push(line);
      }
      const mappings = parseMaps(text.join(random.pick(["\n", "\r\n", "\n\n"])));
      for (const mapping of mappings) {
        expect(Number.isSafeInteger(mapping.start) && Number.isSafeInteger(mapping.end)).toBe(true);
        expect(mapping.end).toBeGreaterThan(mapping.start);
        expect(mapping.perms).toMatch(/^[-r][-w][-x][ps]$/);
      }
      for (const mapping of fileBackedReadOnly(mappings)) expect(mapping.path.startsWith("/")).toBe(true);
    });
    expect(runs).toBeGreaterThan(0);
  });
});
