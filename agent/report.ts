import { isoTimestamp } from "../policy/iso-time.ts";
import type { DeviceVerdict, Evaluation, Finding, LoadedPolicy } from "../policy/types.ts";
import { backendBuses } from "../probes/create.ts";
import type { Bus, Snapshot, UnavailableSource } from "../probes/types.ts";

/** What `eca scan --json` prints and what `eca status` and the daemon's events are built from. */
export interface ScanReport {
  /** No findings, and every bus was observed: a bus that could not be checked is never compliant. */
  compliant: boolean;
  scannedAt: string;
  host: { hostname: string };
  agent: { name: "eca"; version: string };
  policy: { id: string; version: string; source: string; digest: string };
  devices: DeviceVerdict[];
  findings: Finding[];
  unavailable: Snapshot["unavailable"];
  /** Buses that could not be observed at all (every source of them failed): "could not check". */
  unobserved: Bus[];
}

export function buildReport(
  evaluation: Evaluation,
  policy: LoadedPolicy,
  unavailable: Snapshot["unavailable"],
  context: { hostname: string; version: string; now: Date | number },
  unobserved: Bus[] = [],
): ScanReport {
  return {
    compliant: evaluation.compliant && unobserved.length === 0,
    scannedAt: isoTimestamp(context.now),
    host: { hostname: context.hostname },
    agent: { name: "eca", version: context.version },
    policy: {
      id: policy.policy.id,
      version: policy.policy.version,
      source: policy.source,
      digest: policy.digest,
    },
    devices: evaluation.devices,
    findings: evaluation.findings,
    unavailable,
    unobserved,
  };
}

/**
 * Pure: the buses that could not be observed at all. A bus is observed when at least one backend
 * covering it answered, or said its stack is absent (no BlueZ: a complete answer, "no Bluetooth").
 * A bus whose every backend failed could not be checked: not compliant, exit code 3, and the daemon
 * keeps its findings open and says so in heartbeats.
 */
export function unobservedBuses(
  backends: readonly string[],
  unavailable: readonly UnavailableSource[],
): Bus[] {
  const failed = new Set<string>(unavailable.filter((u) => !u.absent).map((u) => u.source));
  const absent = new Set<string>(unavailable.filter((u) => u.absent).map((u) => u.source));
  const buses = new Set(backends.flatMap(backendBuses));
  return [...buses].filter((bus) => {
    const covering = backends.filter((b) => backendBuses(b).includes(bus));
    return covering.every((b) => failed.has(b) && !absent.has(b));
  });
}
