import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPolicyFile, renderWarning } from "../policy/check.ts";
import { DEFAULT_POLICY, DEFAULT_POLICY_DIGEST } from "../policy/default-policy.ts";
import { DocumentError } from "../policy/document.ts";
import { loadPolicy, policyFromDocument, policyFromText } from "../policy/load.ts";
import { sha256Hex } from "../policy/sha256.ts";

const corpus = join(import.meta.dirname, "fixtures/policies");
const now = new Date("2026-11-22T12:00:00Z");

describe("good policies load", () => {
  for (const name of readdirSync(join(corpus, "good"))) {
    it(name, async () => {
      const loaded = await loadPolicy(join(corpus, "good", name), now);
      expect(loaded.source).toBe(join(corpus, "good", name));
      expect(loaded.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(loaded.policy.approvalValidityMonths).toBeLessThanOrEqual(12);
    });
  }

  it("fills sections left out from the built-in policy", async () => {
    const loaded = await loadPolicy(join(corpus, "good/only-approvals.json"), now);
    expect(loaded.policy.id).toBe(DEFAULT_POLICY.id);
    expect(loaded.policy.approvedDevices).toEqual([]);
    expect(loaded.policy.approvals).toHaveLength(1);
  });

  it("uses the built-in policy when no file is given", async () => {
    const loaded = await loadPolicy(undefined, now);
    expect(loaded.source).toBe("built-in");
    expect(loaded.policy).toEqual(DEFAULT_POLICY);
  });

  // builtInPolicy() neither hashes nor checks the built-in policy at start: these prove, once, what
  // it would have found.
  it("gives the built-in policy the digest of its JSON (DEFAULT_POLICY_DIGEST is up to date)", async () => {
    const digest = sha256Hex(JSON.stringify(DEFAULT_POLICY));
    expect(
      DEFAULT_POLICY_DIGEST,
      `set DEFAULT_POLICY_DIGEST in policy/default-policy.ts to "${digest}"`,
    ).toBe(digest);
    expect((await loadPolicy(undefined, now)).digest).toBe(digest);
  });

  it("the built-in policy passes the schema and the date checks a policy file must", async () => {
    expect(policyFromDocument(structuredClone(DEFAULT_POLICY), "built-in", now)).toEqual(DEFAULT_POLICY);
    const asFile = await policyFromText(JSON.stringify(DEFAULT_POLICY), "built-in.json", now);
    expect(asFile.policy).toEqual(DEFAULT_POLICY);
    expect(asFile.digest).toBe(DEFAULT_POLICY_DIGEST);
  });
});

describe("bad policies are refused with the place, the problem and the fix", () => {
  for (const name of readdirSync(join(corpus, "bad"))) {
    const file = join(corpus, "bad", name);
    const expected =
      readFileSync(file, "utf8")
        .split("\n")[0]
        ?.replace(/^# expect: /, "") ?? "";
    it(name, async () => {
      // As eca policy check judges it: the schema, dates, and the errors of policy/lint.ts.
      const error = await checkPolicyFile(file, now).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocumentError);
      expect((error as DocumentError).message).toContain(file);
      expect((error as DocumentError).message).toContain(expected);
    });
  }

  it("reports every problem at once, not just the first", async () => {
    const error = (await loadPolicy(join(corpus, "bad/missing-file.yaml"), now).catch(
      (e: unknown) => e,
    )) as DocumentError;
    expect(error.message).toContain("is missing (fix: ");
    expect(error.message).toContain("leave --policy out to use the built-in policy");
  });
});

describe("policies that work but deserve a word: eca policy check warns, exactly as recorded", () => {
  for (const name of readdirSync(join(corpus, "warn"))) {
    const file = join(corpus, "warn", name);
    const expected = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("# expect: "))
      .map((line) => line.replace(/^# expect: /, ""));
    it(name, async () => {
      const { warnings } = await checkPolicyFile(file, now);
      const printed = warnings.map((w) => renderWarning(file, w));
      expect(expected.length).toBeGreaterThan(0);
      for (const line of expected) expect(printed).toContain(`${file}: warning: ${line}`);
    });
  }

  it("the good corpus has nothing to warn about but unscoped or lapsed approvals", async () => {
    for (const name of readdirSync(join(corpus, "good"))) {
      const { warnings } = await checkPolicyFile(join(corpus, "good", name), now);
      for (const w of warnings) expect(w.message).toMatch(/no hosts|who it is for|lapse/);
    }
  });
});
