// The `eca` command line as the single executable runs it (packaging/build-sea.ts): esbuild bundles
// this file, and everything it imports, into one CommonJS file that the executable carries as a SEA
// asset. The executable's main script, agent/bin/eca-sea.cjs, answers `eca --version` without it;
// for every other command it compiles the bundle (with the V8 code cache made at build time, where
// there is one), evaluates it and calls main().
//
// At build time `node` runs the bundle once more (packaging/code-cache.ts) and calls warmUp() on a
// recorded tree before saving the code cache, so the functions a scan calls are in the cache
// already compiled. A code cache holds compiled code only, never values: nothing the warm-up read
// or printed is in it.
//
// Run directly (`node dist/eca.bundle.cjs scan`, as bench/daemon.bench.ts does), the bundle runs
// main() itself (build-sea.ts adds that to its end).

import { buildProgram, main } from "../cli/program.ts";
import { scanCommandOutput } from "../cli/scan-command.ts";

export { main };

/** Runs what `eca scan --json --root <tree>` and `eca scan --root <tree>` run, printing nothing. */
export async function warmUp(tree: string): Promise<void> {
  // Commander's parsing, with the scan's action replaced so nothing runs or prints.
  const program = buildProgram("scan");
  program.commands.find((command) => command.name() === "scan")?.action(() => undefined);
  await program.parseAsync(["scan", "--json", "--root", tree], { from: "user" });
  for (const json of [true, false]) await scanCommandOutput({ json, root: tree });
}
