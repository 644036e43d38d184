// `eca scan` forked through the real CLI from the repository root, for the golden-report tests,
// and the fields of a report that differ by machine and moment.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const REPO = join(import.meta.dirname, "../..");
const ECA = join(REPO, "agent/bin/eca.ts");

export async function ecaScan(args: string[]): Promise<{ stdout: string; code: number }> {
  return run(process.execPath, [ECA, "scan", ...args], { cwd: REPO }).then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
  );
}

/** A report with its time, host name and agent version replaced by placeholders. */
export function normaliseReport(report: Record<string, unknown>): Record<string, unknown> {
  return {
    ...report,
    scannedAt: "<time>",
    host: { hostname: "<host>" },
    agent: { name: "eca", version: "<version>" },
  };
}
