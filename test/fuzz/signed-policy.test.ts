// Fuzzing signed policies: a good signed bundle and a good detached signature, mutated byte by
// byte and token by token, then judged as the agent judges them. Whatever the input: no throw but
// DocumentError, and nothing is ever accepted unless the policy bytes it carries are exactly the
// ones that were signed (a bundle's JSON may change its spacing and stay the same policy).

import { describe, expect, it } from "vitest";
import { DocumentError } from "../../policy/document.ts";
import {
  looksLikeBundle,
  parseBundle,
  parsePublicKey,
  parseSignature,
  type TrustedKey,
} from "../../policy/signature.ts";
import { acceptPolicy } from "../../policy/trust.ts";
import { bundleText, makeKey, policyText } from "../helpers/policy-signing.ts";
import { forBudget, fuzzBudgetMs, type Random, seededRandom } from "./random.ts";

const now = new Date("2026-11-22T12:00:00Z");
const key = makeKey();
const trusted = [parsePublicKey(key.publicKey, "k") as TrustedKey];
const original = Buffer.from(
  `${policyText("1", "2026-11-01T00:00:00Z")}approvedDevices:\n  - match: { vendorId: "046d" }\n    description: IT mouse\n`,
);
const bundle = bundleText(original.toString("utf8"), key);
const signature = JSON.stringify(key.sign(original));

function mutate(text: string, random: Random): string {
  const chars = [...text];
  const edits = 1 + random.int(4);
  for (let i = 0; i < edits; i++) {
    const at = random.int(chars.length + 1);
    const choice = random.int(4);
    if (choice === 0) chars.splice(at, 1);
    else if (choice === 1) chars.splice(at, 0, random.text(1 + random.int(3)));
    else if (choice === 2) chars[at] = random.pick(["A", "=", "+", "/", '"', "{", "}", " ", "\n", "0"]);
    else chars.splice(at, random.int(8));
  }
  return chars.join("");
}

async function judge(bytes: Buffer, sig: string | undefined): Promise<boolean> {
  const candidate = {
    bytes,
    ...(sig !== undefined ? { signature: parseSignature(sig, "p.sig") } : {}),
    source: "fuzz",
  };
  const result = await acceptPolicy(candidate, trusted, undefined, now);
  return result.accepted;
}

describe("signed policies, mutated", () => {
  it("a mutated bundle is refused unless it still carries the signed bytes and their signature", async () => {
    const random = seededRandom("signed bundle");
    let accepted = 0;
    await forBudget(fuzzBudgetMs(), async () => {
      const text = mutate(bundle, random);
      try {
        if (!looksLikeBundle(text)) return;
        const { bytes, signature: sig } = parseBundle(text, "b.json");
        if (await judge(bytes, JSON.stringify(sig))) {
          accepted++;
          expect(bytes.equals(original)).toBe(true);
        }
      } catch (error) {
        expect(error).toBeInstanceOf(DocumentError);
      }
    });
    expect(accepted).toBeGreaterThanOrEqual(0);
  });

  it("mutated policy bytes under a good detached signature are never accepted", async () => {
    const random = seededRandom("detached policy");
    await forBudget(fuzzBudgetMs(), async () => {
      const bytes = Buffer.from(mutate(original.toString("utf8"), random));
      if (bytes.equals(original)) return;
      expect(await judge(bytes, signature)).toBe(false);
    });
  });

  it("a mutated signature file is refused with a DocumentError or does not verify", async () => {
    const random = seededRandom("detached signature");
    await forBudget(fuzzBudgetMs(), async () => {
      const text = mutate(signature, random);
      try {
        const parsed = parseSignature(text, "p.sig");
        if (await judge(original, text)) expect(parsed.signature).toBe(JSON.parse(signature).signature);
      } catch (error) {
        expect(error).toBeInstanceOf(DocumentError);
      }
    });
  });
});
