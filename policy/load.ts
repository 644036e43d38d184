import { DEFAULT_POLICY, DEFAULT_POLICY_DIGEST } from "./default-policy.ts";
import {
  DocumentError,
  type DocumentProblem,
  MAX_DOCUMENT_BYTES,
  parseDocument,
  readDocumentBytes,
} from "./document.ts";
import { type Instant, isoDay } from "./iso-time.ts";
import schemaJson from "./policy.schema.json" with { type: "json" };
import { checkAgainstSchema, isIsoDate, type JsonSchema } from "./schema-check.ts";
import { sha256Hex } from "./sha256.ts";
import { looksLikeBundle, parseBundle } from "./signature.ts";
import type { LoadedPolicy, Policy } from "./types.ts";

export const POLICY_SCHEMA = schemaJson as JsonSchema;

/** The built-in policy: written to pass the schema and the date checks (test/policy-load.test.ts), so not checked at start. */
export function builtInPolicy(): LoadedPolicy {
  return { policy: DEFAULT_POLICY, source: "built-in", digest: DEFAULT_POLICY_DIGEST };
}

/** Milliseconds since the epoch of an issuedAt/expiresAt (a date alone is midnight UTC). */
export function policyTime(text: string): number {
  return Date.parse(/T/.test(text) ? text : `${text}T00:00:00Z`);
}

/** Checks that need more than the schema: dates that contradict each other or lie in the future. */
function checkApprovalDates(policy: Policy, now: Instant): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const today = isoDay(now);
  for (const field of ["issuedAt", "expiresAt"] as const) {
    const value = policy[field];
    if (value !== undefined && (Number.isNaN(policyTime(value)) || !isIsoDate(value.slice(0, 10)))) {
      problems.push({
        path: field,
        message: `is ${JSON.stringify(value)}, which is not a real date and time`,
        hint: "write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-11-30T09:00:00Z",
      });
    }
  }
  if (policy.issuedAt && policy.expiresAt && policyTime(policy.expiresAt) <= policyTime(policy.issuedAt)) {
    problems.push({
      path: "expiresAt",
      message: `is ${policy.expiresAt}, not after issuedAt ${policy.issuedAt}`,
      hint: "a policy expires after it is issued; leave expiresAt out for a policy that does not expire",
    });
  }
  policy.approvals.forEach((approval, index) => {
    if (approval.approvedOn > today) {
      problems.push({
        path: `approvals[${index}].approvedOn`,
        message: `is ${approval.approvedOn}, which is in the future`,
        hint: "write the date the approval was actually given",
      });
    }
    if (approval.expiresOn && approval.expiresOn < approval.approvedOn) {
      problems.push({
        path: `approvals[${index}].expiresOn`,
        message: `is ${approval.expiresOn}, before approvedOn ${approval.approvedOn}`,
        hint: "expiresOn must come after approvedOn, or be left out",
      });
    }
  });
  return problems;
}

/** Validates a parsed policy document and fills every section left out from the built-in default. */
export function policyFromDocument(document: unknown, file: string, now: Instant = Date.now()): Policy {
  if (document === null || document === undefined) {
    throw new DocumentError(file, [
      { path: "", message: "is empty", hint: "start from examples/policy.yaml" },
    ]);
  }
  const problems = checkAgainstSchema(document, POLICY_SCHEMA);
  if (problems.length > 0) throw new DocumentError(file, problems);
  const policy: Policy = { ...DEFAULT_POLICY, ...(document as Partial<Policy>) };
  const dateProblems = checkApprovalDates(policy, now);
  if (dateProblems.length > 0) throw new DocumentError(file, dateProblems);
  return policy;
}

/** A policy's own limit, said the same way whether the file or a bundle's contents break it. */
const POLICY_TOO_LARGE: DocumentProblem = {
  path: "",
  message: `is larger than ${MAX_DOCUMENT_BYTES} bytes (${MAX_DOCUMENT_BYTES / 1024} KiB), the most eca reads as a policy (a signed bundle of it may be twice that)`,
  hint: "split it or remove entries; a policy with thousands of devices fits well within this",
};

/**
 * The bytes of a policy file or signed bundle, bounded. A bundle carries the policy in base64 (4/3
 * of its size, and a little more), so twice a policy's limit is read; a larger file is refused
 * with the limit a policy has.
 */
export async function readPolicyBytes(file: string, hint: string): Promise<Buffer> {
  return readDocumentBytes(file, hint, 2 * MAX_DOCUMENT_BYTES, POLICY_TOO_LARGE);
}

/** Loads a policy file (YAML or JSON), or the built-in policy when no file is given. */
export async function loadPolicy(file: string | undefined, now?: Instant): Promise<LoadedPolicy> {
  // No Date is made for the built-in policy: a scan's first costs ~0.15 ms (policy/iso-time.ts).
  if (!file) return builtInPolicy();
  const read = await readPolicyBytes(
    file,
    "check the path, or leave --policy out to use the built-in policy",
  );
  // A signed bundle (eca policy sign --bundle) is read as the policy it carries; the agent's policy
  // source checks its signature against trusted keys, `eca policy verify` does on demand.
  const asText = read.toString("utf8");
  const text = looksLikeBundle(asText) ? parseBundle(asText, file).bytes : read;
  return policyFromText(text, file, now ?? Date.now());
}

/** A policy from the exact text of its file; the digest is of those bytes. */
export async function policyFromText(
  text: string | Buffer,
  file: string,
  now: Instant = Date.now(),
): Promise<LoadedPolicy> {
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) throw new DocumentError(file, [POLICY_TOO_LARGE]);
  const decoded = typeof text === "string" ? text : text.toString("utf8");
  return {
    policy: policyFromDocument(await parseDocument(decoded, file), file, now),
    source: file,
    digest: sha256Hex(text),
  };
}
