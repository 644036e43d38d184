// `eca status` when the agent is not running scans live: with trusted keys configured it must judge
// by the policy the agent would accept, never by an unsigned file the agent would refuse.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { usbStick } from "./helpers/devices.ts";
import { runEca } from "./helpers/eca-cli.ts";
import { makeKey, policyText, writeSigned } from "./helpers/policy-signing.ts";

async function status(config: string): Promise<{ json: Record<string, unknown>; code: number }> {
  const { stdout, code } = await runEca(["status", "--json", "--config", config]);
  return { json: JSON.parse(stdout), code };
}

describe("eca status, agent not running, trusted keys configured", () => {
  it("an unsigned policy approving the stick is refused in the live scan too (it was honoured)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-status-trust-"));
    const replay = join(dir, "devices.json");
    writeFileSync(replay, JSON.stringify({ observations: [usbStick("4C530001")] }));
    const policy = join(dir, "policy.yaml");
    const approvesStick =
      'approvedDevices:\n  - match: { vendorId: "0781", productId: "5581" }\n    description: any SanDisk\n';
    writeSigned(policy, policyText("9", "2026-11-30T00:00:00Z", approvesStick));
    const key = makeKey();
    const config = join(dir, "config.yaml");
    const lines = [
      `stateDir: ${join(dir, "state")}`,
      `socketPath: ${join(dir, "eca.sock")}`,
      `replayFile: ${replay}`,
      "policy:",
      `  file: ${policy}`,
      "  trustedKeys:",
      `    - ${key.publicKey}`,
    ];
    writeFileSync(config, `${lines.join("\n")}\n`);
    const unsigned = await status(config);
    expect(unsigned.json.running).toBe(false);
    expect(unsigned.json.policyProblem).toMatch(/not signed|unsigned|signature/i);
    expect(unsigned.code).toBe(1);

    writeSigned(policy, policyText("9", "2026-11-30T00:00:00Z", approvesStick), key);
    const signed = await status(config);
    expect(signed.json.policyProblem).toBeUndefined();
    expect(signed.code).toBe(0);
  });
});
