import { createHash } from "node:crypto";
import { DEFAULT_POLICY } from "./default-policy.ts";
import {
  checkAgainstSchema,
  DocumentError,
  type DocumentProblem,
  type JsonSchema,
  parseDocument,
  readDocumentFile,
} from "./document.ts";
import schemaJson from "./policy.schema.json" with { type: "json" };
import type { LoadedPolicy, Policy } from "./types.ts";

export const POLICY_SCHEMA = schemaJson as JsonSchema;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function builtInPolicy(): LoadedPolicy {
  return { policy: DEFAULT_POLICY, source: "built-in", digest: sha256(JSON.stringify(DEFAULT_POLICY)) };
}

/** Checks that need more than the schema: dates that contradict each other or lie in the future. */
function checkApprovalDates(policy: Policy, now: Date): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const today = now.toISOString().slice(0, 10);
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
export function policyFromDocument(document: unknown, file: string, now: Date = new Date()): Policy {
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

/** Loads a policy file (YAML or JSON), or the built-in policy when no file is given. */
export async function loadPolicy(file: string | undefined, now: Date = new Date()): Promise<LoadedPolicy> {
  if (!file) return builtInPolicy();
  const text = await readDocumentFile(
    file,
    "check the path, or leave --policy out to use the built-in policy",
  );
  return {
    policy: policyFromDocument(await parseDocument(text, file), file, now),
    source: file,
    digest: sha256(text),
  };
}
