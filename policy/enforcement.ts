// The policy's enforcement block: whether eca only reports a rule (audit, today's behaviour and the
// default) or also blocks the device (enforce). Kept apart from the rest of the policy format so
// the two can change independently; policy/policy.schema.json `$defs.enforcement` is its schema.
//
//   enforcement:
//     mode: enforce              # the fleet-wide switch: audit turns every rule back to audit
//     rules:
//       personal-storage: enforce
//       phone-charging: enforce
//     inputDevices: keep         # keyboards and pointing devices are never blocked unless "block"
//
// Approvals and accessibility exemptions always win (an approved or exempt device is never a
// violation); vehicles are reported only: a pairing cannot be undone by the laptop after the fact.

import type { RuleId } from "./types.ts";

export type EnforcementMode = "audit" | "enforce";

export interface EnforcementSettings {
  /** The fleet-wide switch. `audit`: nothing is blocked, whatever `rules` says. */
  mode: EnforcementMode;
  /** Per rule; a rule not listed is audited. `vehicle-pairing` can only be audited. */
  rules: Partial<Record<RuleId, EnforcementMode>>;
  /**
   * HID keyboards and pointing devices: `keep` (the default) never blocks them, `block` lets an
   * enforced `unapproved-peripheral` block them, but never the last working keyboard or pointer.
   */
  inputDevices: "keep" | "block";
}

export const DEFAULT_ENFORCEMENT: EnforcementSettings = { mode: "audit", rules: {}, inputDevices: "keep" };

/** Rules whose devices the laptop cannot block: reported only, whatever the policy says. */
export const REPORT_ONLY_RULES: ReadonlySet<RuleId> = new Set(["vehicle-pairing"]);

/** The enforcement block with every part left out taken from the default (audit everything). */
export function enforcementSettings(policy: {
  enforcement?: Partial<EnforcementSettings>;
}): EnforcementSettings {
  const given = policy.enforcement ?? {};
  return {
    mode: given.mode ?? DEFAULT_ENFORCEMENT.mode,
    rules: { ...(given.rules ?? {}) },
    inputDevices: given.inputDevices ?? DEFAULT_ENFORCEMENT.inputDevices,
  };
}

/** True when the policy blocks devices that break `rule`. */
export function isEnforced(settings: EnforcementSettings, rule: RuleId): boolean {
  if (settings.mode !== "enforce" || REPORT_ONLY_RULES.has(rule)) return false;
  return settings.rules[rule] === "enforce";
}

/** The rules the policy enforces, for `eca policy check`, `eca status` and the events. */
export function enforcedRules(settings: EnforcementSettings): RuleId[] {
  return (Object.keys(settings.rules) as RuleId[]).filter((rule) => isEnforced(settings, rule)).sort();
}
