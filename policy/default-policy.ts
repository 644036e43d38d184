import type { Policy } from "./types.ts";

/**
 * The built-in policy: the guidance itself. Nothing is approved until the organisation says so,
 * and an approval lasts the 12 months the guidance allows. A policy file overrides any section.
 */
export const DEFAULT_POLICY: Policy = {
  id: "moj-personal-devices",
  version: "2026-11-22",
  description:
    "Built-in: no peripherals but those supplied or approved, no personal phones or devices charging from USB, no personal storage, no vehicle pairing, approvals at most 12 months old.",
  approvalValidityMonths: 12,
  approvedDevices: [],
  approvals: [],
};
