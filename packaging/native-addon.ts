// Loads a prebuilt N-API addon that build-sea.ts embedded as a SEA asset.
//
// Inside the single executable there is no node_modules, so `node-gyp-build` cannot find
// `prebuilds/<platform>-<arch>/*.node`. build-sea.ts replaces `require("node-gyp-build")(dir)`
// in `usb` and `@stoprocent/bluetooth-hci-socket`, and the `koffi` package itself (Windows and
// Linux), with a call to loadEmbeddedAddon(key), which
// writes the asset to a fresh private directory (mkdtemp: mode 0700, a name nobody can predict,
// so no other user can swap the file between write and load), loads it with process.dlopen and
// then deletes it (POSIX keeps a loaded library mapped after unlink).
//
// Every failure throws: the caller (a lazily imported probe backend) turns that into
// "source unavailable", so a missing or unloadable addon never stops the agent.

import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRawAsset, isSea } from "node:sea";

/** The SEA asset key under which build-sea.ts stores the addon called `name`. */
export function addonAssetKey(name: string): string {
  return `native/${name}.node`;
}

/**
 * Directories to try, in order. dlopen needs a file system that is not mounted noexec:
 * ECA_NATIVE_DIR lets an installer pick one; systemd's StateDirectory (/var/lib/eca) comes
 * next because /run and some /tmp mounts are noexec; the temporary directory is the fallback.
 */
export function extractionBases(env: NodeJS.ProcessEnv = process.env): string[] {
  const bases: string[] = [];
  if (env.ECA_NATIVE_DIR) bases.push(env.ECA_NATIVE_DIR);
  if (env.STATE_DIRECTORY) bases.push(...env.STATE_DIRECTORY.split(":").filter((d) => d !== ""));
  bases.push(tmpdir());
  return bases;
}

const loaded = new Map<string, unknown>();

function tryLoad(base: string, name: string, bytes: Uint8Array): unknown {
  const dir = mkdtempSync(join(base, "eca-native-"));
  const file = join(dir, `${name}.node`);
  let keep = false;
  try {
    const fd = openSync(file, "wx", 0o500);
    try {
      writeFileSync(fd, bytes);
      // Synced, the addon's pages are clean: the daemon can give them back to the kernel once it
      // has started (agent/daemon/startup-pages.ts), which it cannot do for pages still dirty.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const module = { exports: {} as unknown };
    process.dlopen(module, file);
    // Windows cannot delete a loaded DLL: leave it; the directory is private and small.
    keep = process.platform === "win32";
    return module.exports;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads the embedded addon `name` (e.g. "usb", "bluetooth-hci-socket"); throws when it cannot. */
export function loadEmbeddedAddon(name: string): unknown {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  if (!isSea()) throw new Error(`native addon ${name}: only embedded in the single executable build`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(getRawAsset(addonAssetKey(name)));
  } catch {
    throw new Error(
      `native addon ${name} is not built into this executable for ${process.platform}-${process.arch}`,
    );
  }
  const errors: string[] = [];
  for (const base of extractionBases()) {
    try {
      const exports = tryLoad(base, name, bytes);
      loaded.set(name, exports);
      return exports;
    } catch (error) {
      errors.push(`${base}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`native addon ${name} could not be loaded (${errors.join("; ")})`);
}
