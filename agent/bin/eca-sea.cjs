// The single executable's main script (packaging/build-sea.ts). Kept this small because every
// start pays for it: `eca --version` is answered here, without the program; `eca scan` compiles
// the scan's own program, the SEA asset SCAN_BUNDLE (agent/bin/eca-scan-bundle.ts bundled by
// esbuild: the scan command alone), any other command the whole program, BUNDLE
// (agent/bin/eca-bundle.ts), each with the V8 code cache made for it at build time (SCAN_CODE_CACHE,
// CODE_CACHE; packaging/code-cache.ts: the code a scan runs, compiled), evaluates it and calls its
// main().
//
// `eca run` first sets the daemon's V8 flags (DAEMON_V8_FLAGS): set before the program is compiled,
// they hold for all of its code. The code cache was made without them, and V8 rejects a cache made
// under other flags, so the daemon compiles from source, lazily: it keeps the bytecode of what it
// runs, not of everything a scan ran at build time.
//
// build-sea.ts fills in the eight constants below (each line replaced whole, or the build fails).
"use strict";

const VERSION = "";
const BUNDLE = "eca.bundle.cjs";
const CODE_CACHE = "";
const SCAN_BUNDLE = "";
const SCAN_CODE_CACHE = "";
const SCAN_BUNDLE_SKIPPED_FOR = [];
const DAEMON_V8_FLAGS = [];
const LIBRARIES = {};

const args = process.argv.slice(2);
if (VERSION !== "" && args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Straight to the file descriptor: making process.stdout costs more than the rest of this.
  try {
    require("node:fs").writeSync(1, `${VERSION}\n`);
  } catch (error) {
    if (error.code !== "EPIPE") throw error;
  }
} else {
  const sea = require("node:sea");
  const vm = require("node:vm");
  const daemon = args[0] === "run";
  if (daemon) for (const flag of DAEMON_V8_FLAGS) require("node:v8").setFlagsFromString(flag);
  // `eca scan` from its own program (the same command, without the others' code), where there is
  // one, unless an argument says the scan may need what that bundle leaves out (the
  // systeminformation backend, another platform's probes, a capture folder: build-sea.ts
  // scanBundleLeavesOut).
  const scan =
    SCAN_BUNDLE !== "" &&
    args[0] === "scan" &&
    !args.some((arg) => SCAN_BUNDLE_SKIPPED_FOR.some((name) => arg.includes(name)));
  const bundle = scan ? SCAN_BUNDLE : BUNDLE;
  const cache = scan ? SCAN_CODE_CACHE : CODE_CACHE;
  const options = { filename: bundle };
  // A view of the executable's own bytes, not a copy.
  if (cache !== "" && !daemon) options.cachedData = new Uint8Array(sea.getRawAsset(cache));
  const script = new vm.Script(sea.getAsset(bundle, "utf8"), options);
  const module = { exports: {} };
  const dirname = require("node:path").dirname(process.execPath);
  // The bundle is one CommonJS module. Its `require` gives built-in modules, and the npm packages
  // LIBRARIES names (those only a backend that is not a default needs, kept out of the bundle),
  // each compiled from its own asset the first time; never a node_modules lying next to the
  // executable.
  const libraries = new Map();
  const load = (id) => {
    const asset = Object.hasOwn(LIBRARIES, id) ? LIBRARIES[id] : undefined;
    if (asset === undefined) return require(id);
    let library = libraries.get(id);
    if (library === undefined) {
      library = { exports: {} };
      libraries.set(id, library);
      const code = new vm.Script(sea.getAsset(asset, "utf8"), { filename: asset });
      code.runInThisContext()(library.exports, load, library, process.execPath, dirname);
    }
    return library.exports;
  };
  // A scan ends the process once it is done, as process.exit() does, without Node's orderly
  // teardown of the environment and the heap (~1 ms of a scan: bench/results/startup.md). Only
  // while neither process.stdout nor process.stderr was made: what goes through them (an error
  // message into a pipe) may still be waiting to be written, and then the process ends as Node
  // ends it. The report goes straight to fd 1 (agent/cli/stdout.ts), the log to fd 2 (agent/log.ts).
  const streamsMade = scan ? watchStreams() : undefined;
  script.runInThisContext()(module.exports, load, module, process.execPath, dirname);
  if (typeof module.exports.main === "function") {
    const done = module.exports.main();
    if (streamsMade) done.then(() => streamsMade() || process.exit());
  }
}

/** Whether process.stdout or process.stderr has been made since: each is made on first use. */
function watchStreams() {
  let made = false;
  for (const name of ["stdout", "stderr"]) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    const get = descriptor?.get;
    if (!descriptor || !get) {
      made = true;
      continue;
    }
    Object.defineProperty(process, name, {
      ...descriptor,
      get() {
        made = true;
        return get.call(this);
      },
    });
  }
  return () => made;
}
