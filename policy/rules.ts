// The rule catalogue: what each rule enforces, in the guidance's words, and what to do about it.
// Statements quote ../shared/seeds/ (MoJ "Personal devices" and "Security Guidance for Using a
// Personal Device"); the source lost its modal verbs, restored here as the guidance intends.

import type { RuleId, Severity } from "./types.ts";

export interface RuleSpec {
  id: RuleId;
  severity: Severity;
  title: string;
  statement: string;
  remediation: string;
  /** A warning: reported and sent like any finding, but the laptop stays compliant. */
  warning?: true;
}

const PERSONAL_DEVICES = "MoJ Personal devices guidance";

export const RULES: Record<RuleId, RuleSpec> = {
  "unapproved-peripheral": {
    id: "unapproved-peripheral",
    severity: "medium",
    title: "Peripheral not supplied or approved by the organisation",
    statement: `${PERSONAL_DEVICES}, Overview: "Avoid connecting peripherals to devices, unless those peripherals are supplied or approved by the MoJ. Examples of peripheral devices include USB, wireless, or Bluetooth keyboards or mice." Exemptions for accessibility support need documented approval.`,
    remediation:
      "Disconnect (or unpair) the peripheral. If the user needs it, use one supplied by the organisation; for accessibility needs, the Line Manager records a documented approval, and the policy owner adds it to the policy's approvals.",
  },
  "personal-storage": {
    id: "personal-storage",
    severity: "high",
    title: "Personal storage device connected",
    statement: `${PERSONAL_DEVICES}, Guidance: "You must not store work files or information on a personal storage device or memory stick, such as an external drive, thumb drive, or USB stick."`,
    remediation:
      "Remove the storage device. If work files were copied to it, report it to the Operational Security Team. Use organisation-supplied storage, listed in the policy's approvedDevices.",
  },
  "phone-charging": {
    id: "phone-charging",
    severity: "high",
    title: "Personal mobile phone connected to the laptop's USB",
    statement: `${PERSONAL_DEVICES}, Overview: "Personal devices must not be charged from the USB ports of an MoJ device. Specifically: a personal mobile phone must not be charged from the USB ports of an MoJ device."`,
    remediation:
      "Unplug the phone and charge it from a wall charger. A work phone supplied by the organisation may be listed in the policy's approvedDevices.",
  },
  "device-charging": {
    id: "device-charging",
    severity: "medium",
    title: "Device drawing power from the laptop's USB-C port",
    statement: `${PERSONAL_DEVICES}, Overview: "Personal devices must not be charged from the USB ports of an MoJ device."`,
    remediation:
      "Unplug whatever is attached to this USB-C port: the laptop is supplying it power, but it shows no data connection (a phone in charge-only mode looks like this). Charge personal devices from a wall charger.",
  },
  "approval-expired": {
    id: "approval-expired",
    severity: "medium",
    title: "Documented approval is more than 12 months old",
    statement: `${PERSONAL_DEVICES}, Guidance: "Ensure that you have documented approval recording your permission. Ensure that the permission is no more than 12 months old."`,
    remediation:
      "Disconnect the device until the approval is renewed. To refresh permission, the Line Manager seeks approval from the Operational Security Team, and the policy owner updates approvedOn in the policy.",
  },
  "vehicle-pairing": {
    id: "vehicle-pairing",
    severity: "critical",
    title: "Laptop paired with a Bluetooth-enabled vehicle",
    statement: `${PERSONAL_DEVICES}, Connected vehicles: "Connected vehicles are effectively Bluetooth-connected storage devices ... Automatic transfer of contact information and calendar events might happen during the pairing process ... devices must not be paired with Bluetooth-enabled vehicles."`,
    remediation:
      "Remove the pairing on the laptop (Bluetooth settings, Forget/Remove device), AND delete the laptop from the vehicle's list of paired devices on the car's own screen. Deletion from the car cannot be confirmed, so report the pairing to the Operational Security Team.",
  },
  "approval-expiring": {
    id: "approval-expiring",
    severity: "low",
    warning: true,
    title: "Documented approval lapses soon",
    statement: `${PERSONAL_DEVICES}, Guidance: "Ensure that the permission is no more than 12 months old." A warning, not a violation: the approval is still valid, and renewing it before it lapses keeps the device usable.`,
    remediation:
      "Ask your Line Manager to renew the approval before it lapses: they seek approval from the Operational Security Team, and the policy owner updates approvedOn in the policy.",
  },
  "policy-untrusted": {
    id: "policy-untrusted",
    severity: "high",
    title: "The laptop refused the policy it was given, and enforces an older one",
    statement: `${PERSONAL_DEVICES}: peripherals are judged against the organisation's policy; a laptop that cannot use the policy distributed to it (unsigned, signed by an untrusted key, altered, older than the one in force, expired or invalid) is not known to enforce the organisation's current decisions.`,
    remediation:
      "The evidence says why the policy was refused. The policy owner signs the current policy (eca policy sign) with a key in the agent's policy.trustedKeys, with an issuedAt later than the policy in force, and distributes it again; if nobody in the organisation changed the policy, report it to the Operational Security Team.",
  },
};
