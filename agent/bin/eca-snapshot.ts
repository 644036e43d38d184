// The `eca` command line of the Linux single executable, as a V8 start-up snapshot
// (packaging/build-sea.ts, SEA `useSnapshot`). `node --build-sea` runs this file once, at build time:
// it evaluates the program (commander and every command's module) and warms it up by running a scan
// of a recorded tree (ECA_SNAPSHOT_WARMUP, output thrown away), so the functions a scan calls are
// compiled; then V8 saves the heap into the executable. Each run of the executable starts from that
// heap and calls the function given to setDeserializeMainFunction: `eca --version` and the commands
// of agent/bin/eca.ts, without parsing or compiling the bundle again (bench/results/startup.md).
//
// What must not be in the heap: native addons (they are loaded at run time, from SEA assets, by
// packaging/native-addon.ts), anything read from the build machine that a run should read itself
// (the host name, the clock, the environment: the warm-up's results are dropped), and open handles.
// Every run deserialises the whole heap, so what only other commands use should not be evaluated
// here: a command imports its own machinery when it runs (status, unblock, config check), and a
// built-in is loaded when one of its functions is first called (build-sea.ts lazyBuiltinsPlugin).

import { startupSnapshot } from "node:v8";
import { buildProgram, main } from "../cli/program.ts";
import { scanCommandOutput } from "../cli/scan-command.ts";
import { AGENT_VERSION } from "../version.ts";

/** Runs what `eca scan --json --root <tree>` and `eca scan --root <tree>` run, printing nothing. */
async function warmUp(tree: string): Promise<void> {
  // Commander's parsing, with the scan's action replaced so nothing runs or prints.
  const program = buildProgram();
  program.commands.find((command) => command.name() === "scan")?.action(() => undefined);
  await program.parseAsync(["scan", "--json", "--root", tree], { from: "user" });
  for (const json of [true, false]) await scanCommandOutput({ json, root: tree });
}

if (!startupSnapshot.isBuildingSnapshot()) {
  throw new Error(
    "agent/bin/eca-snapshot.ts is run by `node --build-sea` (useSnapshot); run agent/bin/eca.ts",
  );
}
const tree = process.env.ECA_SNAPSHOT_WARMUP;
if (tree) {
  // A failed warm-up fails the build (an unhandled rejection ends `node --build-sea` with an error).
  void warmUp(tree);
}

// The heap keeps the build's process id (and its parent's); every run sets its own over them.
startupSnapshot.addSerializeCallback(() => {
  for (const name of ["pid", "ppid"]) {
    Object.defineProperty(process, name, {
      value: 0,
      writable: name === "ppid",
      enumerable: true,
      configurable: true,
    });
  }
});

startupSnapshot.setDeserializeMainFunction(() => {
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    process.stdout.write(`${AGENT_VERSION}\n`);
  } else {
    void main();
  }
});
