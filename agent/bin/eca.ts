#!/usr/bin/env node
// The `eca` command line: agent/cli/program.ts. `eca --version` is answered here, before anything
// else is loaded, so it costs what starting Node costs (bench/results/startup.md); every other
// command loads the program, and each command loads what it needs when it runs.

import { AGENT_VERSION } from "../version.ts";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${AGENT_VERSION}\n`);
} else {
  const { main } = await import("../cli/program.ts");
  await main();
}
