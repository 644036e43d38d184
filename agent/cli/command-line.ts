// The `eca` command line's frame, given its commands: agent/cli/program.ts gives it every command,
// agent/cli/scan-program.ts only `scan` (the executable's program for `eca scan`,
// agent/bin/eca-scan-bundle.ts). Exit codes (agent/cli/exit-codes.ts): 0 compliant, 1 findings,
// 2 error (bad input or a failure), 3 could not check (a bus could not be observed at all).

import { Command, CommanderError } from "commander";
import { DocumentError } from "../../policy/document.ts";
import { redactUrlsIn } from "../text/redact.ts";
import { AGENT_VERSION } from "../version.ts";
import { EXIT_ERROR, EXIT_HELP } from "./exit-codes.ts";
import { writeStdout } from "./stdout.ts";

/** Each command by name, and the function that adds it to the program. */
export type Commands = Record<string, (program: Command) => void>;

/**
 * The command line. Given the command a run names (`eca scan …`), only that command is added: the
 * others' options and help cost a one-shot command ~1 ms of its start (bench/results/startup.md),
 * and commander dispatches, checks and prints help for a named command the same with or without
 * them. Anything else (`eca`, `eca --help`, `eca help scan`, a misspelt command) gets them all.
 */
export function buildCommandLine(commands: Commands, invoked?: string): Command {
  const program = new Command("eca")
    .description(
      "Endpoint Compliance Agent: checks USB and Bluetooth devices against the personal devices guidance",
    )
    .version(AGENT_VERSION)
    .exitOverride()
    // Help and the version to fd 1 like a scan's report: a closed pipe (`eca --help | head`) ends quietly.
    .configureOutput({ writeOut: writeStdout })
    .showHelpAfterError();
  const only = invoked !== undefined && Object.hasOwn(commands, invoked) ? commands[invoked] : undefined;
  for (const register of only ? [only] : Object.values(commands)) register(program);
  program.addHelpText(
    "after",
    "\nExit codes: 0 compliant (or valid), 1 findings, 2 error, 3 could not check; each command's --help says which it uses.\n",
  );
  addExitCodeHelp(program, "");
  return program;
}

/** Every command's --help ends with its exit codes, from the one table in exit-codes.ts. */
function addExitCodeHelp(command: Command, prefix: string): void {
  for (const sub of command.commands) {
    const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
    const help = EXIT_HELP[path];
    if (help) sub.addHelpText("after", help);
    addExitCodeHelp(sub, path);
  }
}

/** Runs the command line on process.argv, setting process.exitCode. */
export async function runCommandLine(commands: Commands): Promise<void> {
  try {
    await buildCommandLine(commands, process.argv[2]).parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_ERROR;
      return;
    }
    if (error instanceof DocumentError) {
      process.stderr.write(`eca: ${error.message}\n`);
    } else {
      // Credentials in a URL named by the error (the endpoint) stay out of the terminal and journal.
      process.stderr.write(`eca: ${redactUrlsIn(error instanceof Error ? error.message : String(error))}\n`);
    }
    process.exitCode = EXIT_ERROR;
  }
}
