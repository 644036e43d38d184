// Whether a policy the agent was given may replace the one in force: signed by a trusted key, valid,
// issued, not expired, and not older than the newest policy this laptop has accepted (no rollback by
// replaying an old signed file). Pure: bytes, keys and the remembered high-water mark in, a decision
// out; the daemon's policy source does the reading and remembering.

import { DocumentError } from "./document.ts";
import { type Instant, timeValue } from "./iso-time.ts";
import { policyFromText, policyTime } from "./load.ts";
import { type PolicySignature, type TrustedKey, verifyPolicyBytes } from "./signature.ts";
import type { LoadedPolicy } from "./types.ts";

export interface PolicyCandidate {
  /** The policy file's exact bytes (for a bundle: the bytes it carries). */
  bytes: Buffer;
  signature?: PolicySignature;
  /** Where it came from: a file path or a URL. */
  source: string;
}

/** The newest policy this laptop accepted, remembered across restarts in the state directory. */
export interface HighWater {
  issuedAt: string;
  digest: string;
}

export type Acceptance =
  | { accepted: true; loaded: LoadedPolicy }
  | {
      accepted: false;
      reason: string /** Signed and valid, only older: never a replacement. */;
      older?: boolean;
    };

export async function acceptPolicy(
  candidate: PolicyCandidate,
  trusted: readonly TrustedKey[],
  highWater: HighWater | undefined,
  now: Instant,
): Promise<Acceptance> {
  const where = candidate.source;
  let signedBy: string | undefined;
  if (trusted.length > 0) {
    const check = verifyPolicyBytes(candidate.bytes, candidate.signature, trusted);
    if (!check.ok) return { accepted: false, reason: `${where} refused: ${check.reason}` };
    signedBy = check.keyId;
  }
  let loaded: LoadedPolicy;
  try {
    loaded = await policyFromText(candidate.bytes, where, now);
  } catch (error) {
    if (error instanceof DocumentError) return { accepted: false, reason: error.message };
    throw error;
  }
  if (signedBy) loaded.signedBy = signedBy;
  const { issuedAt, expiresAt } = loaded.policy;
  if (trusted.length > 0 && !issuedAt) {
    return {
      accepted: false,
      reason: `${where} refused: it carries no issuedAt, so it cannot be told from an older policy (fix: add issuedAt, then sign it again)`,
    };
  }
  if (expiresAt && policyTime(expiresAt) <= timeValue(now)) {
    return { accepted: false, reason: `${where} refused: it expired at ${expiresAt}` };
  }
  if (trusted.length > 0 && issuedAt && highWater) {
    const mine = policyTime(issuedAt);
    const newest = policyTime(highWater.issuedAt);
    if (mine < newest) {
      return {
        accepted: false,
        older: true,
        reason: `${where} refused: it was issued at ${issuedAt}, before the policy this laptop already accepted (issued at ${highWater.issuedAt}); an older policy never replaces a newer one`,
      };
    }
    if (mine === newest && loaded.digest !== highWater.digest) {
      return {
        accepted: false,
        reason: `${where} refused: it claims the issuedAt ${issuedAt} of the policy already accepted but differs from it (fix: give each signed policy a later issuedAt)`,
      };
    }
  }
  return { accepted: true, loaded };
}

/** The high-water mark after accepting `loaded`: never lowered. */
export function raiseHighWater(current: HighWater | undefined, loaded: LoadedPolicy): HighWater | undefined {
  const issuedAt = loaded.policy.issuedAt;
  if (!issuedAt) return current;
  if (current && policyTime(current.issuedAt) >= policyTime(issuedAt)) return current;
  return { issuedAt, digest: loaded.digest };
}
