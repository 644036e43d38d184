// The `eca` command line with every command (agent/bin/eca.ts loads it; the executable runs it as
// agent/bin/eca-bundle.ts for every command but `eca scan`, which has a program of its own:
// agent/cli/scan-program.ts). The frame, its help and its exit codes: agent/cli/command-line.ts.

import type { Command } from "commander";
import { registerCaptureCommand } from "./capture-command.ts";
import { buildCommandLine, type Commands, runCommandLine } from "./command-line.ts";
import { registerConfigCommand } from "./config-command.ts";
import { registerPolicyCommand } from "./policy-command.ts";
import { registerRunCommand } from "./run-command.ts";
import { registerScanCommand } from "./scan-command.ts";
import { registerStatusCommand } from "./status-command.ts";
import { registerUnblockCommand } from "./unblock-command.ts";

/** Each command by name, and the function that adds it to the program. */
const COMMANDS: Commands = {
  scan: registerScanCommand,
  run: registerRunCommand,
  status: registerStatusCommand,
  policy: registerPolicyCommand,
  config: registerConfigCommand,
  capture: registerCaptureCommand,
  unblock: registerUnblockCommand,
};

/** The command line: only the invoked command when a run names one (agent/cli/command-line.ts). */
export function buildProgram(invoked?: string): Command {
  return buildCommandLine(COMMANDS, invoked);
}

export async function main(): Promise<void> {
  await runCommandLine(COMMANDS);
}
