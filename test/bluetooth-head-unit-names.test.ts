// matchHeadUnitName tests a head unit's name pattern only when the name begins with one of that
// pattern's `starts` (so a one-shot scan does not compile all of them). The fault this prevents: a
// `starts` that leaves out a beginning its pattern accepts, so a car's default name stops being
// recognised. Checked against every pattern tested on its own, on names built from the patterns'
// own words in several cases, joined and followed in several ways, plus names that match nothing.

import { describe, expect, it } from "vitest";
import { headUnitNamePatterns } from "../probes/classify/bluetooth-data.ts";
import { matchHeadUnitName } from "../probes/classify/bluetooth-decode.ts";

/** What matchHeadUnitName returned before the `starts` gate: every pattern, in order. */
const ungated = (name: string) =>
  headUnitNamePatterns.find(({ pattern }) => pattern.test(name.trim()))?.label;

function candidateNames(): string[] {
  const words = new Set<string>();
  for (const { pattern, starts } of headUnitNamePatterns) {
    for (const word of pattern.source.replace(/\\[bd]/g, " ").match(/[A-Za-z\u00c0-\u024f-]+/g) ?? [])
      words.add(word);
    for (const start of starts) words.add(start.trim());
  }
  const cases = (word: string) => [word, word.toLowerCase(), word.toUpperCase()];
  const joins = ["", " ", "-"];
  const tails = ["", " 4821", "4821", " 123456", " 1234567", "x", " Motors", "Motors", " Connect", " 3", "3"];
  const names: string[] = [];
  const list = [...words];
  for (const first of list) {
    for (const a of cases(first)) {
      for (const tail of tails) names.push(a + tail, ` ${a}${tail} `);
      for (const second of list) for (const join of joins) names.push(`${a}${join}${second}`);
    }
  }
  names.push(
    "",
    " ",
    "Xperia 1 IV",
    "Jabra Elite 75t",
    "MX Keys",
    "Toyota fan club",
    "İnfiniti",
    "CITROËN C4",
  );
  return names;
}

describe("head-unit names: the starts gate changes no answer", () => {
  it("every pattern is anchored and every start is lower case", () => {
    for (const { starts, pattern } of headUnitNamePatterns) {
      expect(starts.length).toBeGreaterThan(0);
      for (const start of starts) expect(start).toBe(start.toLowerCase());
      expect(pattern.source.startsWith("^")).toBe(true);
    }
  });

  it("agrees with every pattern tested on its own", () => {
    const names = candidateNames();
    expect(names.length).toBeGreaterThan(10_000);
    let matched = 0;
    for (const name of names) {
      const expected = ungated(name);
      if (expected !== undefined) matched++;
      expect(matchHeadUnitName(name), name).toBe(expected);
    }
    // Most patterns are reached through their own words (the check is not vacuous).
    expect(matched).toBeGreaterThan(1_000);
  });

  it("still recognises the default names the table cites", () => {
    expect(matchHeadUnitName("MY VW 4821")).toBe("Volkswagen group head unit");
    expect(matchHeadUnitName("Audi MMI 2231")).toBe("Audi MMI");
    expect(matchHeadUnitName("BMW 12345")).toBe("BMW head unit");
    expect(matchHeadUnitName("SYNC")).toBe("Ford SYNC");
    expect(matchHeadUnitName("  Uconnect 1234 ")).toBe("FCA Uconnect");
    expect(matchHeadUnitName("CAR MULTIMEDIA")).toBe("Bosch car multimedia");
    expect(matchHeadUnitName("Citroën C4")).toBe("Stellantis head unit");
    expect(matchHeadUnitName("KiaMotors")).toBe("Hyundai/Kia head unit");
    expect(matchHeadUnitName("Toyota fan club")).toBe("Toyota/Lexus head unit");
    expect(matchHeadUnitName("Jabra Elite 75t")).toBeUndefined();
  });
});
