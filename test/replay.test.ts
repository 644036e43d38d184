import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../agent/scan.ts";
import { createReplayProbe, describeInvalidRecording } from "../probes/replay.ts";

const dir = mkdtempSync(join(tmpdir(), "eca-replay-"));

async function replay(observations: unknown[]) {
  const file = join(dir, `r${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ observations }));
  return collect([createReplayProbe({ root: "/", replayFile: file })]);
}

describe("replay recordings", () => {
  it("a Bluetooth observation without uuids no longer crashes the merge ('first.uuids is not iterable')", async () => {
    const snapshot = await replay([
      { bus: "bluetooth", id: "bt:00:1E:AE:4C:A2:01", address: "00:1E:AE:4C:A2:01", paired: true },
    ]);
    expect(snapshot.unavailable).toEqual([]);
    expect(snapshot.observations).toMatchObject([{ uuids: [], bonded: false, connected: false }]);
  });

  it("a USB observation without interfaces or parents is completed, not rejected", async () => {
    const snapshot = await replay([{ bus: "usb", id: "0781:5567:1", portPath: "1-2" }]);
    expect(snapshot.observations).toMatchObject([{ interfaces: [], parents: [], isRootHub: false }]);
  });

  it.each([
    [[{ bus: "bluetooth", id: "x", address: 5 }], "observations[0].address must be a string"],
    [
      [{ bus: "bluetooth", id: "x", address: "car" }],
      "observations[0].address must look like AA:BB:CC:DD:EE:FF",
    ],
    [
      [{ bus: "bluetooth", id: "x", address: "00:1E:AE:4C:A2:01", uuids: "a" }],
      "observations[0].uuids must be a list",
    ],
    [[{ bus: "usb", id: "x", portPath: "1-2", interfaces: {} }], "observations[0].interfaces must be a list"],
    [[{ bus: "usb", id: "x" }], "observations[0].portPath must be a string"],
  ])("refuses a malformed observation with its place: %j", (observations, message) => {
    expect(describeInvalidRecording({ observations })).toBe(message);
  });
});

describe("replay files that are not recordings", () => {
  it("a FIFO given as the replay file does not hang the scan: it is refused unread", async () => {
    const fifo = join(dir, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    const snapshot = await collect([createReplayProbe({ root: "/", replayFile: fifo })]);
    expect(snapshot.unavailable[0]?.reason).toBe(`replay file ${fifo} is not a regular file (a FIFO)`);
  });

  it("a missing replay file says so with the errno", async () => {
    const snapshot = await collect([createReplayProbe({ root: "/", replayFile: join(dir, "none.json") })]);
    expect(snapshot.unavailable[0]?.reason).toMatch(/cannot read replay file .*none\.json: ENOENT/);
  });
});
