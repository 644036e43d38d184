// `eca scan`'s own command line: the frame of agent/cli/command-line.ts with the scan command
// alone, which is what the full program (agent/cli/program.ts) builds for `eca scan …` too. The
// executable runs `eca scan` from this program (agent/bin/eca-scan-bundle.ts), a bundle without the
// other commands' code: less for V8 to deserialise and evaluate at every scan's start
// (bench/results/startup.md).

import type { Command } from "commander";
import { buildCommandLine, type Commands, runCommandLine } from "./command-line.ts";
import { registerScanCommand } from "./scan-command.ts";

const SCAN_ONLY: Commands = { scan: registerScanCommand };

/** The command line with `eca scan` alone. */
export function buildScanProgram(): Command {
  return buildCommandLine(SCAN_ONLY, "scan");
}

export async function main(): Promise<void> {
  await runCommandLine(SCAN_ONLY);
}
