import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFindingEvent } from "../agent/events/ocsf.ts";
import { createFindingTracker, diffFindings, type OpenFinding } from "../agent/findings/lifecycle.ts";
import { silentLogger } from "../agent/log.ts";
import { openOutbox } from "../agent/outbox/outbox.ts";
import { testContext, testFinding } from "./helpers/events.ts";

const t0 = new Date("2026-03-01T09:00:00.000Z");
const t1 = new Date("2026-03-01T09:01:00.000Z");
const t2 = new Date("2026-03-01T09:02:00.000Z");

describe("diffFindings", () => {
  it("opens a finding when first seen, keeps it while seen, resolves it when gone", () => {
    const a = testFinding("a");
    const first = diffFindings(new Map(), [a], t0);
    expect(first.opened).toEqual([a]);
    expect(first.resolved).toEqual([]);

    const second = diffFindings(first.next, [a], t1);
    expect(second.opened).toEqual([]);
    expect(second.stillOpen).toEqual([{ finding: a, openedAt: t0.toISOString() }]);

    const third = diffFindings(second.next, [], t2);
    expect(third.resolved).toEqual([{ finding: a, openedAt: t0.toISOString() }]);
    expect(third.next.size).toBe(0);
  });

  it("treats the same id twice in one scan as one finding", () => {
    const a = testFinding("a");
    expect(diffFindings(new Map(), [a, a], t0).opened).toHaveLength(1);
  });

  it("keeps findings on a bus whose probe could not answer", () => {
    const open = new Map<string, OpenFinding>([
      ["a", { finding: testFinding("a"), openedAt: t0.toISOString() }],
    ]);
    const diff = diffFindings(open, [], t1, { unobservedBuses: ["usb"] });
    expect(diff.resolved).toEqual([]);
    expect(diff.next.has("a")).toBe(true);
  });
});

describe("finding tracker with the outbox", () => {
  const logger = silentLogger;
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), "eca-lifecycle-"));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  function tracker(outbox: ReturnType<typeof openOutbox>) {
    const context = testContext();
    return createFindingTracker(outbox, {
      opened: (open, now) => buildFindingEvent("opened", open, context, now),
      resolved: (open, now) => buildFindingEvent("resolved", open, context, now),
    });
  }

  it("a restart neither reopens nor forgets a finding", () => {
    const a = testFinding("a");
    let outbox = openOutbox({ stateDir, logger });
    tracker(outbox).update([a], t0);
    expect(outbox.stats().depth).toBe(1);
    outbox.close();

    outbox = openOutbox({ stateDir, logger });
    const restarted = tracker(outbox);
    expect(restarted.update([a], t1).opened).toEqual([]);
    expect(outbox.stats().depth).toBe(1);
    outbox.close();

    outbox = openOutbox({ stateDir, logger });
    const diff = tracker(outbox).update([], t2);
    expect(diff.resolved.map((entry) => entry.finding.id)).toEqual(["a"]);
    const events = outbox
      .nextBatch({ maxEvents: 10, maxBytes: 1e7 })
      .map((event) => JSON.parse(event.payload));
    expect(events.map((event) => event.activity_id)).toEqual([1, 3]);
    expect(events[1].finding_info.uid).toBe("a");
    expect(events[1].finding_info.created_time).toBe(t0.getTime());
    outbox.close();
  });
});
