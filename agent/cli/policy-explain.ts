// `eca policy explain`: for each device present, which policy entry or built-in rule decided its
// verdict (DeviceVerdict.decision, recorded by the pure evaluation), and what would make it
// compliant. Pure: a scan report in, a document or text out.

import type { Decision, DeviceMatch, HostFacts, HostMatch, VerdictName } from "../../policy/types.ts";
import type { ScanReport } from "../report.ts";
import { sanitizeForTerminal } from "../text/sanitize.ts";

export interface Explanation {
  compliant: boolean;
  policy: ScanReport["policy"];
  host: HostFacts;
  devices: {
    id: string;
    bus: string;
    kind: string;
    name: string;
    verdict: VerdictName;
    reason: string;
    findings: string[];
    decision: Decision;
  }[];
  /** Findings about the laptop rather than a device (policy-untrusted). */
  laptop: { rule: string; evidence: string[] }[];
  unobserved: ScanReport["unobserved"];
}

export function explanationOf(report: ScanReport, host: HostFacts): Explanation {
  return {
    compliant: report.compliant,
    policy: report.policy,
    host,
    devices: report.devices.map((d) => ({
      id: d.id,
      bus: d.bus,
      kind: d.kind,
      name: d.name,
      verdict: d.verdict,
      reason: d.reason,
      findings: d.findings,
      decision: d.decision ?? { by: "unknown" },
    })),
    laptop: report.findings
      .filter((f) => f.device.bus === "host")
      .map((f) => ({ rule: f.rule, evidence: f.evidence })),
    unobserved: report.unobserved,
  };
}

function fields(match: DeviceMatch | HostMatch): string {
  return Object.entries(match)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

export function renderExplanation(e: Explanation): string {
  const lines = [
    `policy: ${e.policy.id} ${e.policy.version} (${e.policy.source})`,
    `laptop: ${fields(e.host)}`,
    "",
  ];
  for (const l of e.laptop) lines.push(`laptop finding ${l.rule}:`, ...l.evidence.map((x) => `  ${x}`), "");
  if (e.devices.length === 0) lines.push("No devices attached.", "");
  for (const d of e.devices) {
    const decision = d.decision;
    lines.push(`${d.name} (${d.bus} ${d.kind}, ${d.id})`);
    lines.push(
      `  verdict:     ${d.verdict}${d.findings.length ? ` (${d.findings.join(", ")})` : ""}: ${d.reason}`,
    );
    lines.push(
      `  decided by:  ${decision.by}${decision.matched ? `, matching ${fields(decision.matched)}` : ""}`,
    );
    const a = decision.approval;
    if (a) {
      lines.push(
        `  approval:    ${a.reference} (${a.kind})${a.for ? ` for ${a.for}` : ""}, approved by ${a.approvedBy} on ${a.approvedOn}, valid until ${a.validUntil}${a.hosts ? `, on ${a.hosts.map(fields).join("; ")}` : ", on any laptop"}`,
      );
    }
    for (const other of decision.elsewhere ?? [])
      lines.push(
        `  not here:    ${other.entry} ${other.reference}${other.for ? ` for ${other.for}` : ""} matches this device but is granted for ${other.hosts.map(fields).join("; ")}`,
      );
    lines.push(`  to comply:   ${decision.toComply ?? "nothing to do"}`);
    lines.push("");
  }
  if (e.unobserved.length) lines.push(`Could not check ${e.unobserved.join(" and ")}.`, "");
  return `${lines.map(sanitizeForTerminal).join("\n")}`;
}
