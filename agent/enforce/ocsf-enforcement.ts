// What enforcement did, on the Compliance Finding events, in OCSF's security_control profile terms
// (OCSF 1.1+ "security_control" profile: action_id 1 Allowed, 2 Denied, 3 Observed; disposition_id
// 1 Allowed, 2 Blocked, 9 Restored, 13 Uncorrected, 15 Detected, 99 Other). Kept apart from
// agent/events/ocsf.ts: these functions only add fields to an event that module built.

import type { Instant } from "../../policy/iso-time.ts";
import type { EventContext, OcsfEvent } from "../events/ocsf.ts";
import { buildFindingEvent, COMPLIANCE_FINDING, eventType } from "../events/ocsf.ts";
import type { OpenFinding } from "../findings/lifecycle.ts";
import type { NewEvent } from "../outbox/types.ts";
import type { EnforcementOutcome } from "./types.ts";

const ACTIONS = { allowed: [1, "Allowed"], denied: [2, "Denied"], observed: [3, "Observed"] } as const;

/** Per result: the OCSF action and disposition. docs/EVENTS.md and docs/ENFORCEMENT.md list them. */
export const OUTCOME_OCSF: Record<
  EnforcementOutcome["result"],
  { action: keyof typeof ACTIONS; disposition: [number, string] }
> = {
  blocked: { action: "denied", disposition: [2, "Blocked"] },
  ejected: { action: "denied", disposition: [99, "Ejected"] },
  "could-not-block": { action: "observed", disposition: [13, "Uncorrected"] },
  audit: { action: "observed", disposition: [15, "Detected"] },
  released: { action: "allowed", disposition: [1, "Allowed"] },
  unblocked: { action: "allowed", disposition: [9, "Restored"] },
};

/** The event with what enforcement did added; an event with no outcome is returned as it was. */
export function withEnforcement<E extends NewEvent & { payload: OcsfEvent }>(
  event: E,
  outcome: EnforcementOutcome | undefined,
): E {
  if (!outcome) return event;
  const { action, disposition } = OUTCOME_OCSF[outcome.result];
  const [actionId, actionName] = ACTIONS[action];
  const payload = event.payload as OcsfEvent & {
    metadata: { profiles?: string[] };
    unmapped?: { eca?: Record<string, unknown> };
  };
  const profiles = payload.metadata.profiles ?? [];
  return {
    ...event,
    payload: {
      ...payload,
      action_id: actionId,
      action: actionName,
      disposition_id: disposition[0],
      disposition: disposition[1],
      metadata: {
        ...payload.metadata,
        profiles: profiles.includes("security_control") ? profiles : [...profiles, "security_control"],
      },
      unmapped: {
        ...payload.unmapped,
        eca: {
          ...payload.unmapped?.eca,
          enforcement: {
            result: outcome.result,
            detail: outcome.detail,
            ...(outcome.targets ? { targets: outcome.targets } : {}),
            ...(outcome.by ? { released_by: outcome.by } : {}),
          },
        },
      },
    },
  };
}

/** OCSF Compliance Finding activity 2, Update: enforcement changed while the finding stayed open. */
export const ACTIVITY_UPDATE = 2;

export function buildEnforcementUpdate(
  open: OpenFinding,
  outcome: EnforcementOutcome,
  context: EventContext,
  now: Instant,
): NewEvent & { payload: OcsfEvent } {
  const event = buildFindingEvent("opened", open, context, now);
  return withEnforcement(
    { ...event, payload: { ...event.payload, ...eventType(COMPLIANCE_FINDING, ACTIVITY_UPDATE, "Update") } },
    outcome,
  );
}
