// `eca policy check`'s judgement of a file: the schema and date checks of load.ts (errors), then
// policy/lint.ts (vehicle approvals are errors; the rest warnings).

import { DocumentError, type DocumentProblem } from "./document.ts";
import { DEFAULT_EXPIRING_DAYS } from "./evaluate.ts";
import { loadPolicy } from "./load.ts";
import type { LoadedPolicy } from "./types.ts";

/** A policy that cannot be used; `warnings` are what else `eca policy check` would say about it. */
export class PolicyCheckError extends DocumentError {
  readonly warnings: DocumentProblem[];
  constructor(file: string, errors: DocumentProblem[], warnings: DocumentProblem[]) {
    super(file, errors);
    this.warnings = warnings;
  }
}

/** Loads, then lints: schema problems and lint errors throw (exit 2); warnings are returned. */
export async function checkPolicyFile(
  file: string,
  now: Date = new Date(),
  expiringDays = DEFAULT_EXPIRING_DAYS,
): Promise<{ loaded: LoadedPolicy; warnings: DocumentProblem[] }> {
  const loaded = await loadPolicy(file, now);
  // Imported here, not above: lint.ts brings the Bluetooth tables (bluetooth-data.ts), and every
  // command's modules are evaluated when the program is, so a scan made them before it needed them.
  const { lintPolicy } = await import("./lint.ts");
  const lint = lintPolicy(loaded.policy, now, expiringDays);
  if (lint.errors.length > 0) throw new PolicyCheckError(file, lint.errors, lint.warnings);
  return { loaded, warnings: lint.warnings };
}

/** One warning as `eca policy check` prints it. */
export function renderWarning(file: string, p: DocumentProblem): string {
  return `${file}: warning: ${p.path ? `${p.path}: ` : ""}${p.message}${p.hint ? ` (fix: ${p.hint})` : ""}`;
}
