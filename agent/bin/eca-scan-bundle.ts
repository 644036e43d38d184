// `eca scan` as the single executable runs it (packaging/build-sea.ts): the command line with the
// scan command alone (agent/cli/scan-program.ts), bundled by esbuild into its own CommonJS file and
// SEA asset, beside the whole program's (agent/bin/eca-bundle.ts). agent/bin/eca-sea.cjs compiles
// it, with the V8 code cache made for it at build time, when the first argument is `scan`. The
// other commands' code (the service, policy signing, the status socket, configuration files) is
// not in it, so a scan's start does not deserialise, evaluate or collect it (bench/results/startup.md).
//
// At build time `node` runs the bundle once more (packaging/code-cache.ts) and calls warmUp() on a
// recorded tree before saving the code cache (agent/bin/warm-up.ts).
//
// Run directly (`node dist/eca.scan.bundle.cjs scan …`), the bundle runs main() itself.

import { buildScanProgram, main } from "../cli/scan-program.ts";
import { warmUpScan } from "./warm-up.ts";

export { main };

/** Runs what `eca scan --json --root <tree>` and `eca scan --root <tree>` run, printing nothing. */
export async function warmUp(tree: string): Promise<void> {
  await warmUpScan(buildScanProgram(), tree);
}
