// Lays out the macOS installer payload for `pkgbuild`, from a built darwin single executable:
//
//   <dir>/root/usr/local/bin/eca                                  the agent (unsigned: sign on a Mac)
//   <dir>/root/Library/LaunchDaemons/uk.gov.justice.eca.plist     the LaunchDaemon
//   <dir>/root/Library/Application Support/eca/config.example.yaml  copied to config.yaml on a first install
//   <dir>/scripts/preinstall, postinstall                         stop the old agent; directories, config, load
//   <dir>/eca.entitlements, build-pkg.sh, VERSION, ARCH           what a Mac needs to sign and build the .pkg
//
// pkgbuild cannot run here (it is macOS's); packaging/README.md ("macOS package") has the commands
// build-pkg.sh runs. Every mtime is SOURCE_DATE_EPOCH, so a tarball of the folder is reproducible.

import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MACOS = join(REPO, "packaging", "macos");

export const MACOS_LABEL = "uk.gov.justice.eca";
export const MACOS_EXECUTABLE = "usr/local/bin/eca";
export const MACOS_PLIST = `Library/LaunchDaemons/${MACOS_LABEL}.plist`;
export const MACOS_CONFIG_EXAMPLE = "Library/Application Support/eca/config.example.yaml";

export interface PayloadOptions {
  executable: string;
  arch: "x64" | "arm64";
  version: string;
  dir: string;
  sourceDateEpoch: number;
}

function place(from: string, to: string, mode: number): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

function stamp(path: string, epoch: number): void {
  if (statSync(path).isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) stamp(join(path, name), epoch);
  }
  utimesSync(path, epoch, epoch);
}

/** Writes the payload folder; returns its path. */
export function macosPayload(options: PayloadOptions): string {
  const dir = resolve(options.dir);
  rmSync(dir, { recursive: true, force: true });
  const root = join(dir, "root");
  place(options.executable, join(root, MACOS_EXECUTABLE), 0o755);
  place(join(MACOS, `${MACOS_LABEL}.plist`), join(root, MACOS_PLIST), 0o644);
  place(join(REPO, "packaging", "config.example.yaml"), join(root, MACOS_CONFIG_EXAMPLE), 0o644);
  for (const script of ["preinstall", "postinstall"]) {
    place(join(MACOS, "scripts", script), join(dir, "scripts", script), 0o755);
  }
  place(join(MACOS, "eca.entitlements"), join(dir, "eca.entitlements"), 0o644);
  place(join(MACOS, "build-pkg.sh"), join(dir, "build-pkg.sh"), 0o755);
  writeFileSync(join(dir, "VERSION"), `${options.version}\n`);
  // pkgbuild and Installer say arm64 and x86_64.
  writeFileSync(join(dir, "ARCH"), `${options.arch === "x64" ? "x86_64" : "arm64"}\n`);
  stamp(dir, options.sourceDateEpoch);
  return dir;
}
