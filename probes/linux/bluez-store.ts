// Bluetooth devices BlueZ has stored, including those paired in the past and not around now:
// <root>/var/lib/bluetooth/<adapter address>/<device address>/info.
//
// Read synchronously, like sysfs attributes (sysfs-read.ts): the store is a handful of small files,
// and the thread-pool round trips of fs.promises (open, fstat, read, close each) cost more than the
// reads. An info file is parsed again only when it changed: BlueZ replaces it (a new file renamed
// over the old one, so a new inode) whenever it writes, and a stat per file per poll is cheap.
// A file changed within the last second is read every time regardless ("racily clean", as git calls
// it): file times come from a coarse clock, so two writes in one tick can leave the same mtime.
// The store is read through --root, not /sys, so umockdev's limits (sysfs-read.ts) do not apply.

import { type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { readBoundedText } from "../../agent/bounded-read.ts";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { BluetoothObservation, Snapshot } from "../types.ts";
import { parseBluezInfo } from "./bluez-info.ts";
import { type DirectoryEntry, listDirectorySync } from "./sysfs-read.ts";

/**
 * BlueZ's info files are a few hundred bytes to a few KiB (keys, a service list). Anything larger is
 * not one, and is refused rather than read whole (a 10 MB file, a link to /dev/zero).
 */
export const MAX_INFO_BYTES = 64 * 1024;

const addressPattern = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;

/** A parse is kept only for a file last changed at least this long before the poll began. */
const racyMarginMs = 1_000;

/**
 * What identifies one version of an info file (any change means it is read and parsed again), or
 * undefined for a file changed too recently to trust that.
 */
function fileVersion(stat: Stats, now: number): string | undefined {
  if (now - stat.mtimeMs < racyMarginMs || now - stat.ctimeMs < racyMarginMs) return undefined;
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const addressDirectories = (entries: DirectoryEntry[]) =>
  entries.filter((entry) => entry.isDirectory && addressPattern.test(entry.name)).map((entry) => entry.name);

class BluezStoreProbe extends Probe {
  readonly name = "bluez-store" as const;
  private readonly root: string;
  private readonly storeDirectory: string;
  /** The observation parsed from each info file, by path, with the file version it came from. */
  private parsed = new Map<string, { version: string; observation: BluetoothObservation }>();

  constructor(options: ProbeOptions) {
    super();
    this.root = options.root;
    this.storeDirectory = join(options.root, "var", "lib", "bluetooth");
  }

  async snapshot(): Promise<Snapshot> {
    let adapters: string[];
    try {
      adapters = addressDirectories(listDirectorySync(this.storeDirectory));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No store in a tree that exists: BlueZ was never installed or used here, so there is no
      // Bluetooth to check. A root that is not there at all is a failure: nothing was read.
      if (code === "ENOENT" && isDirectory(this.root)) {
        const reason = `${this.storeDirectory} does not exist (BlueZ not installed or never used)`;
        return { observations: [], unavailable: [{ source: this.name, reason, absent: true }] };
      }
      const reason =
        code === "ENOENT"
          ? `${this.root} does not exist or is not a directory: nothing could be read`
          : code === "EACCES"
            ? `${this.storeDirectory} is not readable (needs root)`
            : `${this.storeDirectory}: ${(error as Error).message}`;
      return { observations: [], unavailable: [{ source: this.name, reason }] };
    }
    const observations: BluetoothObservation[] = [];
    const problems: string[] = [];
    const parsed = new Map<string, { version: string; observation: BluetoothObservation }>();
    const now = Date.now();
    for (const adapter of adapters) {
      const adapterDirectory = `${this.storeDirectory}/${adapter}`;
      let devices: string[];
      try {
        devices = addressDirectories(listDirectorySync(adapterDirectory));
      } catch (error) {
        problems.push(`${adapter}: ${(error as Error).message}`);
        continue;
      }
      for (const device of devices) {
        const path = `${adapterDirectory}/${device}/info`;
        let version: string | undefined;
        let stat: Stats | undefined;
        try {
          stat = statSync(path);
          version = fileVersion(stat, now);
        } catch (error) {
          // No info file: nothing to report for this directory.
          if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
          // Otherwise read anyway: the read says why the file cannot be used.
        }
        const known = version === undefined ? undefined : this.parsed.get(path);
        if (known && known.version === version) {
          parsed.set(path, known);
          observations.push(copyObservation(known.observation));
          continue;
        }
        // Only a regular file is read (stat follows links: one to /dev/zero or a FIFO is refused),
        // and at most MAX_INFO_BYTES of it.
        const read: { text: string } | { reason: string } =
          stat && !stat.isFile()
            ? { reason: `${path} is not a regular file` }
            : readBoundedText(path, MAX_INFO_BYTES);
        // A device directory without a usable info file still tells that the device was known.
        const readable = "text" in read;
        const text = readable ? read.text : "";
        if (!readable) problems.push(read.reason);
        const observation = observationFromInfo(adapter, device, text, path);
        if (readable && version !== undefined) parsed.set(path, { version, observation });
        observations.push(readable ? copyObservation(observation) : observation);
      }
    }
    this.parsed = parsed;
    const unavailable =
      problems.length > 0
        ? [{ source: this.name, reason: `some of the store could not be read: ${problems.join("; ")}` }]
        : [];
    return { observations, unavailable };
  }
}

/** A copy the caller may change without changing the parsed one that is kept. */
function copyObservation(observation: BluetoothObservation): BluetoothObservation {
  const copy: BluetoothObservation = { ...observation, uuids: [...observation.uuids] };
  if (observation.warnings) copy.warnings = [...observation.warnings];
  return copy;
}

/** One stored device as an observation; `path` only labels warnings. */
export function observationFromInfo(
  adapter: string,
  device: string,
  text: string,
  path = "info",
): BluetoothObservation {
  const info = parseBluezInfo(text);
  const address = device.toUpperCase();
  const observation: BluetoothObservation = {
    bus: "bluetooth",
    source: "bluez-store",
    id: `bt:${address}`,
    address,
    adapter: adapter.toUpperCase(),
    uuids: info.uuids,
    // BlueZ keeps info files for paired devices; a key means it was bonded, whatever else is garbled.
    paired: info.bonded,
    bonded: info.bonded,
    connected: false, // the store cannot tell; D-Bus and HCI can
  };
  if (info.addressType) observation.addressType = info.addressType;
  if (info.name) observation.name = info.name;
  if (info.alias) observation.alias = info.alias;
  if (info.classOfDevice !== undefined) observation.classOfDevice = info.classOfDevice;
  if (info.appearance !== undefined) observation.appearance = info.appearance;
  if (info.modalias) observation.modalias = info.modalias;
  if (info.trusted !== undefined) observation.trusted = info.trusted;
  if (info.warnings.length > 0) observation.warnings = info.warnings.map((warning) => `${path}: ${warning}`);
  return observation;
}

export function createBluezStoreProbe(options: ProbeOptions): Probe {
  return new BluezStoreProbe(options);
}
