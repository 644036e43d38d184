import type { DeviceVerdict, Evaluation, Finding, LoadedPolicy } from "../policy/types.ts";
import type { Snapshot } from "../probes/types.ts";

/** What `eca scan --json` prints and what `eca status` and the daemon's events are built from. */
export interface ScanReport {
  compliant: boolean;
  scannedAt: string;
  host: { hostname: string };
  agent: { name: "eca"; version: string };
  policy: { id: string; version: string; source: string; digest: string };
  devices: DeviceVerdict[];
  findings: Finding[];
  unavailable: Snapshot["unavailable"];
}

export function buildReport(
  evaluation: Evaluation,
  policy: LoadedPolicy,
  unavailable: Snapshot["unavailable"],
  context: { hostname: string; version: string; now: Date },
): ScanReport {
  return {
    compliant: evaluation.compliant,
    scannedAt: context.now.toISOString(),
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
  };
}
