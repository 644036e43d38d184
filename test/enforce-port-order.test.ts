// Enforcement sorts its actions by port path every scan; it did so with ICU's numeric collator
// (localeCompare), which costs the daemon ~5 MB of RSS. The replacement must order port paths as
// the collator did.
import { describe, expect, it } from "vitest";
import { comparePortPaths } from "../agent/enforce/plan.ts";

describe("port paths sort in natural order without ICU", () => {
  it("agrees with localeCompare numeric on USB port paths", () => {
    const paths = [
      "1-10",
      "1-2",
      "1-2.3",
      "1-2.10",
      "1-2.3.1",
      "2-1",
      "10-1",
      "1-1",
      "3-4.4.4",
      "3-4.4",
      "1-9",
    ];
    const byCollator = [...paths].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    expect([...paths].sort(comparePortPaths)).toEqual(byCollator);
  });

  it("equal paths compare equal, prefixes first", () => {
    expect(comparePortPaths("1-2.3", "1-2.3")).toBe(0);
    expect(comparePortPaths("1-2", "1-2.1")).toBeLessThan(0);
    expect(comparePortPaths("1-02", "1-2")).not.toBe(0);
  });
});
