// `eca scan` forked through the real CLI from the repository root, for the golden-report tests,
// and the fields of a report that differ by machine and moment.

import { runEca } from "./eca-cli.ts";

export { REPO } from "./eca-cli.ts";

export async function ecaScan(args: string[]): Promise<{ stdout: string; code: number }> {
  const { stdout, code } = await runEca(["scan", ...args]);
  return { stdout, code };
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
