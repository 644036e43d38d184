// The enforcement section of `eca status`, in words. Its own module: status-command.ts imports it, and
// daemon-hook.ts, with the enforcer it starts, would otherwise be evaluated by every command that
// reads the configuration (bench/results/startup.md).

import type { EnforcementStatus } from "./daemon-hook.ts";
import type { EnforcementOutcome } from "./types.ts";

/** The status section in words. */
export function renderEnforcementStatus(
  status: EnforcementStatus | undefined,
  findings: { device: { name: string }; enforcement?: EnforcementOutcome }[] = [],
): string {
  if (!status) return "";
  const lines = [
    `enforcement:    ${status.mode === "enforce" && status.enforcing.length > 0 ? `blocking ${status.enforcing.join(", ")}` : "audit only (nothing is blocked)"}${status.authority === "eca" ? "" : `; ${status.authority}`}`,
  ];
  for (const b of status.blocked) {
    lines.push(
      `  blocked:      ${b.name} (${b.deviceId}, port ${b.portPath}) under ${b.rule} since ${b.since}`,
    );
    lines.push(`                release it: ${b.release}`);
  }
  for (const f of findings) {
    if (status.mode === "enforce" && f.enforcement?.result === "could-not-block")
      lines.push(
        `  not blocked:  ${f.device.name}: ${f.enforcement.detail.replace(/^could not block: /, "")}`,
      );
  }
  for (const r of status.releases) {
    lines.push(
      `  released:     ${r.name} (${r.deviceId}) by ${r.by} at ${r.at}, until ${r.until} or unplugged`,
    );
  }
  return `${lines.join("\n")}\n`;
}
