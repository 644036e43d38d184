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

/**
 * sha256Hex(JSON.stringify(DEFAULT_POLICY)), the built-in policy's digest in every report, worked out
 * when the policy is written rather than at each start: hashed in plain JavaScript, cold, it cost a
 * one-shot scan ~0.15 ms and ~50 KB of short-lived numbers. test/policy-load.test.ts recomputes it
 * and fails, saying the new value, when the policy above changes without it.
 */
export const DEFAULT_POLICY_DIGEST = "0c43dfb86ca81ebb9d8dcb1e9d18952644bdbc810f4173f06ec48948c49afeca";
