// The single executable's main script (packaging/build-sea.ts). Kept this small because every
// start pays for it: `eca --version` is answered here, without the program; any other command
// compiles the program, the SEA asset BUNDLE (agent/bin/eca-bundle.ts bundled by esbuild), with the
// V8 code cache made for it at build time (CODE_CACHE, packaging/code-cache.ts: the code a scan runs,
// compiled), evaluates it and calls its main().
//
// `eca run` first sets the daemon's V8 flags (DAEMON_V8_FLAGS): set before the program is compiled,
// they hold for all of its code. The code cache was made without them, and V8 rejects a cache made
// under other flags, so the daemon compiles from source, lazily: it keeps the bytecode of what it
// runs, not of everything a scan ran at build time.
//
// build-sea.ts fills in the five constants below (each line replaced whole, or the build fails).
"use strict";

const VERSION = "";
const BUNDLE = "eca.bundle.cjs";
const CODE_CACHE = "";
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
  const options = { filename: BUNDLE };
  // A view of the executable's own bytes, not a copy.
  if (CODE_CACHE !== "" && !daemon) options.cachedData = new Uint8Array(sea.getRawAsset(CODE_CACHE));
  const script = new vm.Script(sea.getAsset(BUNDLE, "utf8"), options);
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
  script.runInThisContext()(module.exports, load, module, process.execPath, dirname);
  if (typeof module.exports.main === "function") module.exports.main();
}
