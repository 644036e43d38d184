// USB Type-C ports from /sys/class/typec (Documentation/ABI/testing/sysfs-class-typec): whether the
// laptop is supplying power to a partner. A phone charging from a Type-C port in "no data" mode
// enumerates no USB device at all; this is the only trace it leaves.

import { basename, join } from "node:path";
import type { PowerObservation } from "../types.ts";
import { type DirectoryEntry, listDirectorySync, readAttribute, readLinkTargetSync } from "./sysfs-read.ts";
import { portNameToPortPath, type RawAttribute } from "./usb-sysfs-parse.ts";

export interface RawTypecPort {
  /** "port0". */
  name: string;
  powerRole: RawAttribute;
  dataRole: RawAttribute;
  /** Whether a "port0-partner" directory exists under the port. */
  partnerPresent: boolean;
  /** Names of the USB port devices the port links to ("usb1-port1"), from its links' targets. */
  linkedPortNames: string[];
}

/** "[source] sink" → "source": the kernel brackets the current role when the port can swap. */
export function parseRole<T extends string>(raw: RawAttribute, allowed: readonly T[]): T | undefined {
  if (!("text" in raw)) return undefined;
  const text = raw.text.trim();
  const bracketed = /\[([a-z]+)\]/.exec(text);
  const role = bracketed ? bracketed[1] : text;
  return (allowed as readonly string[]).includes(role ?? "") ? (role as T) : undefined;
}

export function parseTypecPort(raw: RawTypecPort): PowerObservation {
  const warnings: string[] = [];
  const powerRole = parseRole(raw.powerRole, ["source", "sink"] as const);
  if (powerRole === undefined) warnings.push(describeBadRole("power_role", raw.powerRole));
  const dataRole = parseRole(raw.dataRole, ["host", "device"] as const);
  if (dataRole === undefined) warnings.push(describeBadRole("data_role", raw.dataRole));
  const linkedUsbPorts = [
    ...new Set(raw.linkedPortNames.map(portNameToPortPath).filter((path) => path !== undefined)),
  ].sort();
  const observation: PowerObservation = {
    bus: "usb",
    source: "linux-typec",
    kind: "typec-partner",
    id: `typec:${raw.name}`,
    port: raw.name,
    powerRole: powerRole ?? "unknown",
    dataRole: dataRole ?? "unknown",
    partnerPresent: raw.partnerPresent,
    linkedUsbPorts,
  };
  if (warnings.length > 0) observation.warnings = warnings;
  return observation;
}

function describeBadRole(attribute: string, raw: RawAttribute): string {
  if ("error" in raw) return `${attribute}: could not be read (${raw.error})`;
  if ("missing" in raw) return `${attribute}: missing`;
  return `${attribute}: ${JSON.stringify(raw.text.trim().slice(0, 40))} is not a role`;
}

const PORT_LINK = /^(?:usb\d+-port\d+|\d+-\d+(?:\.\d+)*-port\d+|usb[23]-port)$/;

function collectTypecPort(classDirectory: string, name: string): RawTypecPort {
  const portDirectory = `${classDirectory}/${name}`;
  const powerRole = readAttribute(`${portDirectory}/power_role`);
  const dataRole = readAttribute(`${portDirectory}/data_role`);
  let entries: DirectoryEntry[] = [];
  try {
    entries = listDirectorySync(portDirectory);
  } catch {
    // No listing: no partner and no links, as before.
  }
  const partnerPresent = entries.some((entry) => entry.name === `${name}-partner`);
  // Since Linux 5.14 the port links to the USB ports wired to its connector, by their device names
  // ("usb1-port1"); read each link's target to get the name whatever the link is called.
  const links = entries.filter((entry) => entry.isSymbolicLink && PORT_LINK.test(entry.name));
  const targets = links.map((entry) => readLinkTargetSync(`${portDirectory}/${entry.name}`));
  const linkedPortNames = targets.map((target, index) =>
    target ? basename(target) : (links[index]?.name ?? ""),
  );
  return { name, powerRole, dataRole, partnerPresent, linkedPortNames };
}

/** All Type-C ports; none (not an error) when the laptop or kernel has no typec class. */
export async function collectTypecPorts(root: string): Promise<PowerObservation[]> {
  // Real kernels list ports in the typec class. umockdev-run files "typec" recordings as a bus, so
  // fall back to /sys/bus/typec/devices, where real kernels keep only alternate modes ("port0.0"),
  // which the name filter below leaves out.
  let classDirectory = join(root, "sys/class/typec");
  let entries: { name: string }[];
  try {
    entries = listDirectorySync(classDirectory);
  } catch {
    try {
      classDirectory = join(root, "sys/bus/typec/devices");
      entries = listDirectorySync(classDirectory);
    } catch {
      return [];
    }
  }
  const ports = entries
    .map((entry) => entry.name)
    .filter((name) => /^port\d+$/.test(name))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  return ports.map((name) => parseTypecPort(collectTypecPort(classDirectory, name)));
}
