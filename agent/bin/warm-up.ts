// What packaging/code-cache.ts runs in a bundle at build time before it saves the bundle's V8 code
// cache (agent/bin/eca-bundle.ts, agent/bin/eca-scan-bundle.ts): `eca scan --json --root <tree>`
// and `eca scan --root <tree>`, printing nothing, so the functions a scan calls are in the cache
// already compiled. A code cache holds compiled code only, never values: nothing the warm-up read
// or printed is in it.

import type { Command } from "commander";
import { scanCommandOutput } from "../cli/scan-command.ts";
import { writeStdout } from "../cli/stdout.ts";

/** Runs a scan of a recorded tree the way the command line would, with `program` (its scan command). */
export async function warmUpScan(program: Command, tree: string): Promise<void> {
  // Commander's parsing, with the scan's action replaced so nothing runs or prints.
  program.commands.find((command) => command.name() === "scan")?.action(() => undefined);
  await program.parseAsync(["scan", "--json", "--root", tree], { from: "user" });
  for (const json of [true, false]) await scanCommandOutput({ json, root: tree });
  // The report's write, compiled: an empty text writes nothing.
  writeStdout("");
}
