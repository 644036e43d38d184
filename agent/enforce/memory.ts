// What eca blocked (so it only ever re-authorizes what it blocked itself) and IT's releases, in
// the state directory: `enforcement.json`, written by the daemon alone, and `releases/*.json`, one
// file per `eca unblock`, written by that command alone, so the two never write the same file.
// Files are 0600, written to a temporary name and renamed into place (never half written), and
// read defensively: an entry that does not have the expected shape is dropped, not trusted.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-write.ts";
import type { BlockedDevice, EnforcementMemory, Release } from "./types.ts";

export const MEMORY_FILE = "enforcement.json";
export const RELEASES_DIRECTORY = "releases";

export function emptyMemory(): EnforcementMemory {
  return { blocked: [], reportedReleases: [], results: {} };
}

const isString = (v: unknown): v is string => typeof v === "string";
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function isBlocked(v: unknown): v is BlockedDevice {
  const b = v as BlockedDevice;
  return (
    typeof v === "object" &&
    v !== null &&
    [b.deviceId, b.portPath, b.name, b.rule, b.findingId, b.at].every(isString) &&
    (b.level === "interface" || b.level === "device") &&
    isStrings(b.targets)
  );
}

function isRelease(v: unknown): v is Release {
  const r = v as Release;
  return (
    typeof v === "object" &&
    v !== null &&
    [r.deviceId, r.portPath, r.name, r.by, r.at, r.until].every(isString) &&
    typeof r.uid === "number" &&
    isStrings(r.targets)
  );
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

export function loadMemory(stateDir: string): EnforcementMemory {
  const data = readJson(join(stateDir, MEMORY_FILE)) as Partial<EnforcementMemory> | undefined;
  if (!data || typeof data !== "object") return emptyMemory();
  return {
    blocked: Array.isArray(data.blocked) ? data.blocked.filter(isBlocked) : [],
    reportedReleases: isStrings(data.reportedReleases) ? data.reportedReleases : [],
    results:
      data.results && typeof data.results === "object" && !Array.isArray(data.results)
        ? Object.fromEntries(Object.entries(data.results).filter(([, v]) => isString(v)))
        : {},
  };
}

export function saveMemory(stateDir: string, memory: EnforcementMemory): void {
  writeFileAtomic(join(stateDir, MEMORY_FILE), `${JSON.stringify(memory, null, 2)}\n`);
}

/** The file one device's release lives in: one per device, so a second unblock replaces the first. */
export function releaseFile(stateDir: string, deviceId: string, portPath: string): string {
  const key = createHash("sha256").update(`${deviceId}\0${portPath}`).digest("hex").slice(0, 24);
  return join(stateDir, RELEASES_DIRECTORY, `${key}.json`);
}

export function loadReleases(stateDir: string): Release[] {
  let names: string[];
  try {
    names = readdirSync(join(stateDir, RELEASES_DIRECTORY)).filter((n) => /^[0-9a-f]{24}\.json$/.test(n));
  } catch {
    return [];
  }
  return names
    .map((name) => readJson(join(stateDir, RELEASES_DIRECTORY, name)))
    .filter(isRelease)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

export function saveRelease(stateDir: string, release: Release): string {
  mkdirSync(join(stateDir, RELEASES_DIRECTORY), { recursive: true, mode: 0o700 });
  const path = releaseFile(stateDir, release.deviceId, release.portPath);
  writeFileAtomic(path, `${JSON.stringify(release, null, 2)}\n`);
  return path;
}

export function removeRelease(stateDir: string, release: Pick<Release, "deviceId" | "portPath">): void {
  rmSync(releaseFile(stateDir, release.deviceId, release.portPath), { force: true });
}

/** The key a release is reported under, once. */
export function releaseKey(release: Release): string {
  return `${release.deviceId}@${release.portPath}@${release.at}`;
}
