// Builds every shipped artefact, on Linux, from the registry's Node binaries: `npm run package`.
//
//   node packaging/package.ts [--target linux-x64,linux-arm64,win-x64,darwin-x64,darwin-arm64]
//                             [--out-dir dist/package] [--cache-dir .cache/node] [--no-deb]
//                             [--no-msi] [--no-macos] [--deb-compression gzip|xz|zstd] [--no-code-cache]
//                             [--jobs N]
//
// For each target (packaging/targets.ts): the Node binary is fetched with `npm pack` into the cache
// (once) and checked against its pinned integrity, the single executable is built with build-sea.ts
// (that target's prebuilt addons), and its headers are read back (inspect-executable.ts): the file
// format and machine, the SEA blob and the flipped fuse, or the build fails. Then the packages: a .deb
// per Linux architecture, a pkgbuild payload per macOS architecture, the MSI (when wixl is installed).
// SHA256SUMS lists every file made.
//
// Reproducible: SOURCE_DATE_EPOCH (default: the commit time of HEAD) stamps every timestamp. The
// linux-x64 executable, the one target built on its own platform, carries a V8 code cache of its
// program, made with a fixed random seed so two builds give the same bytes (build-sea.ts;
// `--no-code-cache` leaves it out: a scan then compiles the program at every start). The other
// targets have none: only the V8 of the platform that made a cache accepts it.

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSea, retiredFlags } from "./build-sea.ts";
import { inspectExecutable } from "./inspect-executable.ts";
import { buildDeb } from "./linux/deb.ts";
import { macosPayload } from "./macos/payload.ts";
import {
  DEFAULT_CACHE_DIR,
  KOFFI_VERSION,
  koffiAddon,
  NODE_VERSION,
  nodeBinary,
  nodeLicense,
  TARGETS,
  type Target,
  targetById,
} from "./targets.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface PackageOptions {
  targets?: string[];
  outDir?: string;
  cacheDir?: string;
  deb?: boolean;
  debCompression?: "gzip" | "xz" | "zstd";
  macos?: boolean;
  msi?: boolean;
  /** The V8 code cache in the executable for this machine's platform (build-sea.ts). Default: on. */
  codeCache?: boolean;
  /** Targets built at once. Default: 2, or 1 on a one-core machine. */
  jobs?: number;
  /** Default: $SOURCE_DATE_EPOCH, else the commit time of HEAD. */
  sourceDateEpoch?: number;
  verbose?: boolean;
}

export interface BuiltTarget {
  target: Target["id"];
  executable: string;
  bytes: number;
  addons: string[];
  seaBlobBytes: number;
}

export interface PackageResult {
  outDir: string;
  sourceDateEpoch: number;
  executables: BuiltTarget[];
  debs: string[];
  macosPayloads: string[];
  msi?: string;
  sums: string;
  milliseconds: number;
}

export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  if (env.SOURCE_DATE_EPOCH) {
    const value = Number(env.SOURCE_DATE_EPOCH);
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(
        `SOURCE_DATE_EPOCH=${env.SOURCE_DATE_EPOCH} is not a number of seconds (fix: unset it or give e.g. $(git log -1 --format=%ct))`,
      );
    }
    return value;
  }
  try {
    return Number(execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: REPO, encoding: "utf8" }).trim());
  } catch {
    throw new Error(
      "not a git checkout: set SOURCE_DATE_EPOCH (seconds since 1970) for the build's timestamps",
    );
  }
}

/** Refuses an executable whose headers are not what the target needs. Returns the blob size. */
export function checkExecutable(file: string, target: Target): number {
  const facts = inspectExecutable(readFileSync(file));
  const problems: string[] = [];
  if (facts.format !== target.format) problems.push(`format ${facts.format}, not ${target.format}`);
  if (facts.arch !== target.arch) problems.push(`architecture ${facts.arch}, not ${target.arch}`);
  if (!facts.seaBlob || facts.seaBlob.bytes === 0) problems.push("no NODE_SEA_BLOB");
  if (facts.fuse !== "flipped") problems.push(`SEA fuse ${facts.fuse}`);
  if (problems.length > 0)
    throw new Error(`${file} is not a ${target.id} single executable: ${problems.join("; ")}`);
  return facts.seaBlob?.bytes ?? 0;
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

export async function packageAll(options: PackageOptions = {}): Promise<PackageResult> {
  const started = performance.now();
  if (process.version !== `v${NODE_VERSION}`) {
    throw new Error(
      `the build must run on Node ${NODE_VERSION} (the SEA blob is read only by the Node that wrote it): use npm run package, which runs the pinned one`,
    );
  }
  const log = (line: string) => {
    if (options.verbose) process.stderr.write(`package: ${line}\n`);
  };
  const epoch = options.sourceDateEpoch ?? sourceDateEpoch();
  const outDir = resolve(options.outDir ?? join(REPO, "dist", "package"));
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_CACHE_DIR);
  const targets = (options.targets ?? TARGETS.map((t) => t.id)).map(targetById);
  const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string })
    .version;
  // The output directory is emptied first: only one that is empty or an earlier build's (it has
  // SHA256SUMS), so a mistyped --out-dir cannot delete anything else.
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(join(outDir, "SHA256SUMS"))) {
    throw new Error(
      `${outDir} is not empty and not an earlier npm run package output (fix: give an empty or new --out-dir)`,
    );
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // The tarballs are fetched (and extracted) one at a time, before any build starts.
  const nodes = new Map(targets.map((target) => [target.id, nodeBinary(target, cacheDir, log)]));
  // And koffi's addon for the targets that embed it (Windows and Linux: targets.ts), at the version
  // package-lock.json has; fetched for linux-x64 too, so every build embeds the pinned tarball's bytes.
  const koffis = new Map(targets.map((target) => [target.id, koffiAddon(target, cacheDir, log)]));
  log(
    `koffi ${KOFFI_VERSION} addons: ${
      [...koffis]
        .filter(([, file]) => file)
        .map(([id]) => id)
        .join(", ") || "none"
    }`,
  );
  // Each target's executable and packages, built `jobs` targets at a time (the tools run as child
  // processes); listed in target order whatever order they finish in.
  const perTarget = async (target: Target): Promise<{ built: BuiltTarget; files: string[] }> => {
    const files: string[] = [];
    const node = nodes.get(target.id) as string;
    const dir = join(outDir, target.id);
    const built = await buildSea({
      node,
      platform: target.platform,
      arch: target.arch,
      outDir: join(outDir, ".build", target.id),
      // The registry's Linux builds are glibc ones.
      libc: "glibc",
      ...(koffis.get(target.id) ? { koffiAddon: koffis.get(target.id) as string } : {}),
      codeCache:
        options.codeCache !== false && target.platform === process.platform && target.arch === process.arch,
    });
    const seaBlobBytes = checkExecutable(built.executable, target);
    mkdirSync(dir, { recursive: true });
    const executable = join(dir, target.platform === "win32" ? "eca.exe" : "eca");
    copyFileSync(built.executable, executable);
    chmodSync(executable, 0o755);
    files.push(executable);
    log(
      `${relative(process.cwd(), executable)}: ${(built.bytes / 2 ** 20).toFixed(1)} MiB, ${target.format} ${target.arch}, SEA blob ${seaBlobBytes} bytes, addons: ${built.addons.join(", ") || "none"}`,
    );

    if (target.debArch && options.deb !== false) {
      const deb = await buildDeb({
        executable,
        arch: target.debArch,
        version,
        outDir,
        sourceDateEpoch: epoch,
        nodeLicense: nodeLicense(target, cacheDir),
        ...(options.debCompression ? { compression: options.debCompression } : {}),
      });
      files.push(deb.deb);
      log(`${relative(process.cwd(), deb.deb)}: ${(deb.bytes / 2 ** 20).toFixed(1)} MiB`);
    }
    if (target.platform === "darwin" && options.macos !== false) {
      const payload = macosPayload({
        executable,
        arch: target.arch as "x64" | "arm64",
        version,
        dir: join(outDir, `macos-${target.arch}`),
        sourceDateEpoch: epoch,
      });
      files.push(join(payload, "root", "usr", "local", "bin", "eca"));
      log(`${relative(process.cwd(), payload)}: pkgbuild payload (sign and build on a Mac: build-pkg.sh)`);
    }
    return {
      built: { target: target.id, executable, bytes: built.bytes, addons: built.addons, seaBlobBytes },
      files,
    };
  };
  const results: { built: BuiltTarget; files: string[] }[] = new Array(targets.length);
  let next = 0;
  if (options.jobs !== undefined && !(Number.isInteger(options.jobs) && options.jobs >= 1)) {
    throw new Error(`--jobs ${options.jobs}: give a whole number of targets to build at once, 1 or more`);
  }
  const jobs = Math.min(options.jobs ?? Math.min(availableParallelism(), 2), targets.length);
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < targets.length) {
        const index = next++;
        results[index] = await perTarget(targets[index] as Target);
      }
    }),
  );
  const executables = results.map((r) => r.built);
  const made = results.flatMap((r) => r.files);
  rmSync(join(outDir, ".build"), { recursive: true, force: true });

  let msi: string | undefined;
  const win = executables.find((e) => e.target === "win-x64");
  if (win && options.msi !== false) {
    if (spawnSync("wixl", ["--version"], { stdio: "ignore" }).error) {
      log("MSI left out: wixl is not installed (apt-get install wixl msitools)");
    } else {
      const { buildMsi } = await import("./windows/build-msi.ts");
      msi = buildMsi({ exe: win.executable, outDir, version }).msi;
      made.push(msi);
      log(`${relative(process.cwd(), msi)}`);
    }
  }

  const sums = join(outDir, "SHA256SUMS");
  writeFileSync(sums, made.map((file) => `${sha256(file)}  ${relative(outDir, file)}\n`).join(""));
  for (const file of made) statSync(file);
  return {
    outDir,
    sourceDateEpoch: epoch,
    executables,
    debs: made.filter((f) => f.endsWith(".deb")),
    macosPayloads: executables
      .filter((e) => e.target.startsWith("darwin"))
      .map((e) => join(outDir, `macos-${e.target.split("-")[1]}`)),
    ...(msi ? { msi } : {}),
    sums,
    milliseconds: Math.round(performance.now() - started),
  };
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    retiredFlags(process.argv);
    const targets = flag("--target")?.split(",");
    const outDir = flag("--out-dir");
    const cacheDir = flag("--cache-dir");
    const debCompression = flag("--deb-compression") as PackageOptions["debCompression"];
    const jobs = flag("--jobs");
    if (jobs !== undefined && !/^[1-9]\d*$/.test(jobs)) {
      throw new Error(`--jobs ${jobs}: give a whole number of targets to build at once, 1 or more`);
    }
    const result = await packageAll({
      ...(targets ? { targets } : {}),
      ...(outDir ? { outDir } : {}),
      ...(cacheDir ? { cacheDir } : {}),
      ...(debCompression ? { debCompression } : {}),
      ...(jobs ? { jobs: Number(jobs) } : {}),
      deb: !process.argv.includes("--no-deb"),
      macos: !process.argv.includes("--no-macos"),
      msi: !process.argv.includes("--no-msi"),
      codeCache: !process.argv.includes("--no-code-cache"),
      verbose: true,
    });
    process.stdout.write(readFileSync(result.sums, "utf8"));
    process.stderr.write(
      `package: done in ${(result.milliseconds / 1000).toFixed(1)} s (SOURCE_DATE_EPOCH=${result.sourceDateEpoch})\n`,
    );
  } catch (error) {
    process.stderr.write(`package: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
