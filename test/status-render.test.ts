import { describe, expect, it } from "vitest";
import { renderStatus } from "../agent/cli/status-command.ts";
import type { DaemonStatus } from "../agent/daemon/status-types.ts";
import { daemonStatus } from "./helpers/daemon-status.ts";

function status(delivery: Partial<DaemonStatus["delivery"]>): DaemonStatus {
  return daemonStatus({ version: "0.1.0" }, delivery);
}

describe("eca status in words", () => {
  it("says when the disk is full and how many changes wait in memory (full disk was only in --json)", () => {
    const out = renderStatus(
      status({ storageProblem: "database or disk is full", pendingWrites: 3 }),
      Date.parse("2026-12-01T00:01:00.000Z"),
    );
    expect(out).toContain(
      "storage:        ! database or disk is full; 3 change(s) held in memory until the disk has room",
    );
  });

  it("says when the state database was rebuilt and why", () => {
    const out = renderStatus(
      status({ stateRebuilt: { at: "2026-12-01T00:00:30.000Z", reason: "the database file was removed" } }),
      Date.parse("2026-12-01T00:01:00.000Z"),
    );
    expect(out).toContain(
      "state rebuilt:  2026-12-01T00:00:30.000Z (30 s ago): the database file was removed",
    );
  });

  it("says nothing about storage when all is well", () => {
    const out = renderStatus(status({}));
    expect(out).not.toContain("storage:");
    expect(out).not.toContain("state rebuilt:");
  });

  it("says which collector read each Windows source, and why PowerShell when it is the fallback", () => {
    const out = renderStatus({
      ...status({}),
      lastScan: {
        at: "2026-12-01T00:00:30.000Z",
        durationMs: 4,
        trigger: "poll",
        unavailable: [],
        collectors: [
          { source: "windows-pnp", collector: "CfgMgr32 in process", notifications: true },
          {
            source: "windows-bluetooth",
            collector: "PowerShell (collect-bluetooth.ps1)",
            fallbackReason: "advapi32 through koffi: Cannot find package 'koffi'",
            notifications: false,
          },
        ],
      },
    });
    expect(out).toContain("collector:      windows-pnp: CfgMgr32 in process, device notifications on");
    expect(out).toContain(
      "collector:      ! windows-bluetooth: PowerShell (collect-bluetooth.ps1), because advapi32 through koffi: Cannot find package 'koffi', no device notifications: the poll finds changes",
    );
    expect(renderStatus(status({}))).not.toContain("collector:");
  });
});
