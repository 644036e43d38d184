// A running daemon's status document, for tests of the status socket and of `eca status`'s words.

import type { DaemonStatus } from "../../agent/daemon/status-types.ts";

export function daemonStatus(
  overrides: Partial<DaemonStatus> = {},
  delivery: Partial<DaemonStatus["delivery"]> = {},
): DaemonStatus {
  return {
    running: true,
    version: "test",
    pid: 1,
    startedAt: "2026-12-01T00:00:00.000Z",
    uptimeSeconds: 60,
    compliant: true,
    policy: { id: "p", version: "1", source: "built-in", digest: "d" },
    devices: [],
    findings: [],
    ...overrides,
    delivery: { outboxDepth: 0, pausedForAuth: false, deadLetters: 0, droppedEvents: 0, ...delivery },
  };
}
