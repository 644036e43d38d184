// Signed policies in the daemon's policy source: with trusted keys, only a policy signed by one of
// them, carrying an issuedAt, unexpired, and no older than the newest accepted is used; anything
// else keeps the last good policy, says why, and becomes the finding policy-untrusted.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPolicySource, type PolicySourceOptions } from "../agent/daemon/policy-source.ts";
import { silentLogger } from "../agent/log.ts";
import { evaluate } from "../policy/evaluate.ts";
import { bundleText, makeKey, policyText, writeSigned } from "./helpers/policy-signing.ts";

const logger = silentLogger;
const host = { hostname: "laptop-1", serial: "PF3ABCDE" };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "eca-policy-trust-"));
  dirs.push(dir);
  return { file: join(dir, "policy.yaml"), state: join(dir, "state") };
}

function open(file: string, state: string, options: PolicySourceOptions) {
  return openPolicySource(file, state, logger, { host, ...options });
}

describe("a policy source with trusted keys", () => {
  it("refuses an unsigned policy: the built-in policy stays, the problem is said, and evaluation raises policy-untrusted", async () => {
    const { file, state } = setup();
    const key = makeKey();
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z"));
    const source = await open(file, state, { trustedKeys: [key.publicKey] });
    const loaded = await source.current();
    expect(loaded.source).toBe("built-in");
    expect(source.problem()).toContain(`${file} refused: it is not signed, and trusted keys are configured`);
    expect(source.problem()).toContain("keeping the built-in policy");
    const evaluation = evaluate([], loaded.policy, new Date(), loaded.context);
    expect(evaluation.findings.map((f) => f.rule)).toEqual(["policy-untrusted"]);
    expect(evaluation.findings[0]?.device.bus).toBe("host");
    expect(evaluation.findings[0]?.evidence[0]).toContain("it is not signed");
    expect(evaluation.compliant).toBe(false);
  });

  it("uses a signed policy, and keeps it when the file is altered after signing", async () => {
    const { file, state } = setup();
    const key = makeKey();
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z"), key);
    const source = await open(file, state, { trustedKeys: [key.publicKey] });
    const first = await source.current();
    expect(first.policy.version).toBe("1");
    expect(first.signedBy).toBe(key.keyId);
    expect(source.problem()).toBeUndefined();
    expect(first.context?.policyProblem).toBeUndefined();

    // The same signature beside altered bytes (writeSigned without a key leaves POLICY.sig alone).
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z", "approvalValidityMonths: 6\n"));
    const kept = await source.current();
    expect(kept.policy.approvalValidityMonths).toBe(12);
    expect(source.problem()).toContain(`its signature by key ${key.keyId} does not match its contents`);
    expect(source.problem()).toContain("keeping the last good policy ops 1");
  });

  it("refuses a policy signed by a key it does not trust, naming both key ids", async () => {
    const { file, state } = setup();
    const trusted = makeKey();
    const stranger = makeKey();
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z"), stranger);
    const source = await open(file, state, { trustedKeys: [trusted.publicKey] });
    await source.current();
    expect(source.problem()).toContain(
      `it is signed by key ${stranger.keyId}, which is not among the trusted keys (${trusted.keyId})`,
    );
  });

  it("rotation: with the old and the new key trusted, policies signed by either are used; once the old key is dropped, its signatures are not", async () => {
    const { file, state } = setup();
    const oldKey = makeKey();
    const newKey = makeKey();
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z"), oldKey);
    const both = await open(file, state, { trustedKeys: [oldKey.publicKey, newKey.publicKey] });
    expect((await both.current()).signedBy).toBe(oldKey.keyId);
    writeSigned(file, policyText("2", "2026-11-02T00:00:00Z"), newKey);
    expect((await both.current()).signedBy).toBe(newKey.keyId);

    const onlyNew = await open(file, state, { trustedKeys: [newKey.publicKey] });
    expect((await onlyNew.current()).policy.version).toBe("2");
    writeSigned(file, policyText("3", "2026-11-03T00:00:00Z"), oldKey);
    expect((await onlyNew.current()).policy.version).toBe("2");
    expect(onlyNew.problem()).toContain(`signed by key ${oldKey.keyId}, which is not among the trusted keys`);
  });

  it("refuses rollback: an older signed policy never replaces a newer one, also after a restart", async () => {
    const { file, state } = setup();
    const key = makeKey();
    const oldText = policyText("1", "2026-11-01T00:00:00Z");
    writeSigned(file, policyText("2", "2026-11-02T00:00:00Z"), key);
    const source = await open(file, state, { trustedKeys: [key.publicKey] });
    expect((await source.current()).policy.version).toBe("2");
    writeSigned(file, oldText, key);
    expect((await source.current()).policy.version).toBe("2");
    expect(source.problem()).toContain(
      "it was issued at 2026-11-01T00:00:00Z, before the policy this laptop already accepted (issued at 2026-11-02T00:00:00Z); an older policy never replaces a newer one",
    );
    // A restart, with the old signed file in place: the high-water mark is in the state directory.
    const restarted = await open(file, state, { trustedKeys: [key.publicKey] });
    expect((await restarted.current()).policy.version).toBe("2");
    expect(restarted.problem()).toContain("an older policy never replaces a newer one");
  });

  it("refuses a policy that reuses the issuedAt of the accepted one with other content", async () => {
    const { file, state } = setup();
    const key = makeKey();
    writeSigned(file, policyText("2", "2026-11-02T00:00:00Z"), key);
    const source = await open(file, state, { trustedKeys: [key.publicKey] });
    await source.current();
    writeSigned(file, policyText("2b", "2026-11-02T00:00:00Z"), key);
    expect((await source.current()).policy.version).toBe("2");
    expect(source.problem()).toContain(
      "claims the issuedAt 2026-11-02T00:00:00Z of the policy already accepted but differs from it",
    );
  });

  it("refuses a signed policy with no issuedAt, and one already expired", async () => {
    const { file, state } = setup();
    const key = makeKey();
    writeSigned(file, policyText("1", undefined), key);
    const source = await open(file, state, { trustedKeys: [key.publicKey] });
    await source.current();
    expect(source.problem()).toContain("it carries no issuedAt, so it cannot be told from an older policy");
    writeSigned(file, policyText("1", "2026-01-01T00:00:00Z", 'expiresAt: "2026-02-01T00:00:00Z"\n'), key);
    await source.current();
    expect(source.problem()).toContain("refused: it expired at 2026-02-01T00:00:00Z");
  });

  it("says when the policy in force has expired and no newer one has arrived, and keeps enforcing it", async () => {
    const { file, state } = setup();
    const key = makeKey();
    let now = new Date("2026-11-10T00:00:00Z");
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z", 'expiresAt: "2026-12-01T00:00:00Z"\n'), key);
    const source = await open(file, state, { trustedKeys: [key.publicKey], now: () => now });
    expect(source.problem()).toBeUndefined();
    expect((await source.current()).policy.version).toBe("1");
    now = new Date("2026-12-02T00:00:00Z");
    const loaded = await source.current();
    expect(loaded.policy.version).toBe("1");
    expect(source.problem()).toContain("the policy in force, ops 1, expired at 2026-12-01T00:00:00Z");
    expect(loaded.context?.policyProblem).toContain("expired");
  });

  it("reads a signed bundle as the policy file", async () => {
    const { file, state } = setup();
    const key = makeKey();
    writeSigned(file, bundleText(policyText("7", "2026-11-07T00:00:00Z"), key));
    const source = await open(file, state, { trustedKeys: [key.publicKey] });
    const loaded = await source.current();
    expect(loaded.policy.version).toBe("7");
    expect(loaded.signedBy).toBe(key.keyId);
  });

  it("without trusted keys, behaves as before: unsigned policies are used and issuedAt may go back", async () => {
    const { file, state } = setup();
    writeSigned(file, policyText("2", "2026-11-02T00:00:00Z"));
    const source = await open(file, state, {});
    expect((await source.current()).policy.version).toBe("2");
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z"));
    expect((await source.current()).policy.version).toBe("1");
    expect(source.problem()).toBeUndefined();
  });

  it("an unsigned policy from before keys were configured cannot raise the high-water mark and lock out signed ones", async () => {
    const { file, state } = setup();
    const key = makeKey();
    writeSigned(file, policyText("9", "2099-01-01T00:00:00Z"));
    await (await open(file, state, {})).current();
    writeSigned(file, policyText("1", "2026-11-01T00:00:00Z"), key);
    const trusting = await open(file, state, { trustedKeys: [key.publicKey] });
    expect((await trusting.current()).policy.version).toBe("1");
    expect(trusting.problem()).toBeUndefined();
  });

  it("refuses to start with a trusted key that is not one, naming the place and the fix", async () => {
    const { file, state } = setup();
    const error = await open(file, state, { trustedKeys: ["ed25519:short"] }).catch((e: unknown) => e);
    expect(String(error)).toContain(
      'policy.trustedKeys[0]: is "ed25519:short", which is not an Ed25519 public key',
    );
  });
});
