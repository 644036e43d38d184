// Fuzzing the sysfs `descriptors` parser: the recorded files of test/fixtures/usb (real devices,
// from umockdev's recordings) mutated byte by byte, cut and spliced. Whatever the bytes: no throw,
// no hang, and either a problem or a parse whose every interface lies inside a configuration.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDescriptors } from "../../probes/linux/usb-sysfs-descriptors.ts";
import { forBudget, fuzzBudgetMs, seededRandom } from "./random.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/usb");
const seeds = ["umockdev-kinesis-keyboard.umockdev", "umockdev-sony-xperia-mini-pro.umockdev"].flatMap(
  (file) =>
    [...readFileSync(join(FIXTURES, file), "utf8").matchAll(/^H: descriptors=([0-9A-Fa-f]+)$/gm)].map((m) =>
      Buffer.from(m[1] ?? "", "hex"),
    ),
);

describe("fuzz: USB descriptors", () => {
  it("has seeds", () => expect(seeds.length).toBeGreaterThanOrEqual(5));

  it("mutated, cut and spliced descriptors: a problem or a sound parse, never a throw", async () => {
    const random = seededRandom("usb-descriptors");
    const runs = await forBudget(fuzzBudgetMs(1_000), () => {
      let bytes = Buffer.from(random.pick(seeds));
      for (let edits = random.int(4) + 1; edits > 0; edits--) {
        const at = random.int(bytes.length + 1);
        const choice = random.int(4);
        if (choice === 0 && at < bytes.length) bytes[at] = random.int(256);
        else if (choice === 1) bytes = bytes.subarray(0, at);
        else if (choice === 2)
          bytes = Buffer.concat([bytes.subarray(0, at), random.pick(seeds).subarray(random.int(40))]);
        else
          bytes = Buffer.concat([
            bytes.subarray(0, at),
            Buffer.from([random.pick([0, 1, 2, 4, 9, 255]), random.pick([1, 2, 4, 5])]),
            bytes.subarray(at),
          ]);
      }
      const parsed = parseDescriptors(bytes);
      if ("problem" in parsed) expect(parsed.problem).not.toBe("");
      else
        for (const configuration of parsed.configurations)
          for (const entry of configuration.interfaces) expect(entry.class).toBeLessThan(256);
    });
    console.log(`usb-descriptors: ${runs} inputs`);
  });
});
