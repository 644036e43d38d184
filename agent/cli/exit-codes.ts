// The exit codes of every `eca` command, documented in README.md's commands table and in each
// command's --help. Scripts and management tools act on them, so they never change meaning.

/** Every bus was checked and nothing breaks the policy (or: the document is valid). */
export const EXIT_COMPLIANT = 0;
/** Findings: at least one device breaks the policy. Takes precedence over EXIT_UNCHECKED. */
export const EXIT_FINDINGS = 1;
/** An error: bad input (a document, a flag) or a failure; the message says what and how to fix it. */
export const EXIT_ERROR = 2;
/** Could not check: no findings, but a bus (USB, Bluetooth) could not be observed at all. */
export const EXIT_UNCHECKED = 3;

/** The exit code for a judged scan. */
export function scanExitCode(result: {
  compliant: boolean;
  findings: { rule?: string }[];
  unobserved?: unknown[];
}): number {
  // approval-expiring is a warning: reported, but not a finding against the laptop's posture.
  if (result.findings.some((f) => f.rule !== "approval-expiring")) return EXIT_FINDINGS;
  if ((result.unobserved?.length ?? 0) > 0) return EXIT_UNCHECKED;
  return result.compliant ? EXIT_COMPLIANT : EXIT_FINDINGS;
}

/** The closing line when a bus could not be observed: the table alone would read as "all clear". */
export function renderUnobserved(report: { unobserved: readonly string[] }): string {
  if (report.unobserved.length === 0) return "";
  const buses = report.unobserved.join(" and ");
  return `Could not check ${buses}: every source for it failed (see above), so this laptop is NOT known to be compliant (exit code 3).\n`;
}

/** For --help: what each exit code of a command that judges devices means. */
export const SCAN_EXIT_HELP = `
Exit codes:
  0  compliant: every bus was checked and no device breaks the policy
  1  findings: at least one device breaks the policy
  2  error: bad input or a failure (the message says what to fix)
  3  could not check: no findings, but a bus could not be observed at all
     (--json: "unobserved": ["usb"]); a stack not installed, such as no BlueZ, is not a failure
`;

/** For --help of the `check` commands. */
export const CHECK_EXIT_HELP = `
Exit codes:
  0  valid
  2  invalid or unreadable (the message names the file, the place and the fix)
`;

/** For --help of `eca run`. */
export const RUN_EXIT_HELP = `
Exit codes:
  runs until stopped; 0 after SIGTERM or SIGINT
  2  could not start: bad configuration or flags, or a start-up failure (the message says which)
`;

/** For --help of `eca unblock`. */
export const UNBLOCK_EXIT_HELP = `
Exit codes:
  0  released: re-authorized, and recorded as released by you
  2  not released: not root, a device eca did not block, or the write failed (the message says which)
`;

/** Exit-code help by command path ("policy check"), added to each command's --help by agent/bin/eca.ts. */
export const EXIT_HELP: Record<string, string> = {
  scan: SCAN_EXIT_HELP,
  status: SCAN_EXIT_HELP,
  run: RUN_EXIT_HELP,
  "policy check": CHECK_EXIT_HELP,
  "config check": CHECK_EXIT_HELP,
  unblock: UNBLOCK_EXIT_HELP,
};
