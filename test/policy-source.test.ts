// The daemon's policy: a broken policy file keeps the last good policy in force, across restarts.

import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openPolicySource } from "../agent/daemon/policy-source.ts";
import { silentLogger } from "../agent/log.ts";

const logger = silentLogger;
const good =
  'id: ops\nversion: "1"\napprovedDevices:\n  - match: { vendorId: "046d" }\n    description: IT mouse\n';
const better = 'id: ops\nversion: "2"\n';
const broken = 'id: ops\nversion: "3"\napprovalValidityMonths: 24\n';

function write(path: string, text: string, secondsFromNow: number): void {
  writeFileSync(path, text);
  // A distinct mtime per write: the source reloads when (mtime, size) changes.
  const when = Date.now() / 1000 + secondsFromNow;
  utimesSync(path, when, when);
}

describe("the daemon's policy source", () => {
  it("keeps the last good policy when the file breaks, and picks up the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-policy-source-"));
    const file = join(dir, "policy.yaml");
    write(file, good, 1);
    const source = await openPolicySource(file, join(dir, "state"), logger);
    expect((await source.current()).policy.version).toBe("1");
    expect(source.problem()).toBeUndefined();

    write(file, broken, 2);
    const kept = await source.current();
    expect(kept.policy.version).toBe("1");
    expect(source.problem()).toContain("approvalValidityMonths: is 24; the largest allowed is 12");
    expect(source.problem()).toContain("keeping the last good policy ops 1");

    write(file, better, 3);
    expect((await source.current()).policy.version).toBe("2");
    expect(source.problem()).toBeUndefined();
  });

  it("after a restart with a broken file, enforces the last good copy kept in the state directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-policy-source-"));
    const file = join(dir, "policy.yaml");
    const state = join(dir, "state");
    write(file, good, 1);
    await (await openPolicySource(file, state, logger)).current();

    write(file, broken, 2);
    const restarted = await openPolicySource(file, state, logger);
    const loaded = await restarted.current();
    expect(loaded.policy.version).toBe("1");
    expect(loaded.policy.approvedDevices).toHaveLength(1);
    expect(restarted.problem()).toContain("keeping the last good policy");
  });

  it("with no good copy at all, enforces the built-in policy and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-policy-source-"));
    const file = join(dir, "policy.yaml");
    write(file, broken, 1);
    const source = await openPolicySource(file, join(dir, "state"), logger);
    expect((await source.current()).source).toBe("built-in");
    expect(source.problem()).toContain("keeping the built-in policy");
  });
});
