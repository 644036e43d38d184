// The `eca` command line as the single executable runs it (packaging/build-sea.ts): esbuild bundles
// this file, and everything it imports, into one CommonJS file that the executable carries as a SEA
// asset. The executable's main script, agent/bin/eca-sea.cjs, answers `eca --version` without it
// and runs `eca scan` from a smaller bundle of its own (agent/bin/eca-scan-bundle.ts); for every
// other command it compiles this bundle (with the V8 code cache made at build time, where there is
// one), evaluates it and calls main().
//
// At build time `node` runs the bundle once more (packaging/code-cache.ts) and calls warmUp() on a
// recorded tree before saving the code cache (agent/bin/warm-up.ts): `eca status` scans live when
// the service is not running.
//
// Run directly (`node dist/eca.bundle.cjs scan`, as bench/daemon.bench.ts does), the bundle runs
// main() itself (build-sea.ts adds that to its end).

import { buildProgram, main } from "../cli/program.ts";
import { warmUpScan } from "./warm-up.ts";

export { main };

/** Runs what `eca scan --json --root <tree>` and `eca scan --root <tree>` run, printing nothing. */
export async function warmUp(tree: string): Promise<void> {
  await warmUpScan(buildProgram("scan"), tree);
}
