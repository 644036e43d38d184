// The policy format and what evaluation produces. The JSON Schema in policy/policy.schema.json
// is the published form of `PolicyDocument`; keep the two in step.

import type { Bus, Confidence, DeviceKind } from "../probes/types.ts";
import type { EnforcementSettings } from "./enforcement.ts";

/**
 * Rule ids are the contract with the central endpoint: never rename one.
 * Each is described in policy/rules.ts with the guidance it enforces.
 */
export type RuleId =
  | "unapproved-peripheral"
  | "personal-storage"
  | "phone-charging"
  | "device-charging"
  | "approval-expired"
  | "vehicle-pairing"
  | "approval-expiring"
  | "policy-untrusted";

export type Severity = "critical" | "high" | "medium" | "low" | "informational";

/**
 * - allowed: built in, or infrastructure (hubs); not a peripheral in the guidance's sense
 * - approved: supplied or approved by the organisation (approvedDevices, or a business approval)
 * - exempt: a valid accessibility approval
 * - violation: breaks a rule; see its findings
 * - review: eca cannot tell what it is; a person should look
 */
export type VerdictName = "allowed" | "approved" | "exempt" | "violation" | "review";

/** Every field given must equal the device's; hex ids and addresses compare case-insensitively. */
export interface DeviceMatch {
  bus?: Bus;
  vendorId?: string;
  productId?: string;
  serial?: string;
  address?: string;
  name?: string;
}

export interface ApprovedDevice {
  match: DeviceMatch;
  description: string;
}

/** A laptop an approval is granted for: every field given must equal this laptop's. */
export interface HostMatch {
  /**
   * The laptop's name as an inventory knows it, in any case: the short name ("sam-laptop", matched
   * with the first label of the laptop's host name) or the fully qualified one
   * ("sam-laptop.corp.example.gov.uk", matched with the short name and the laptop's DNS domain;
   * "sam-laptop.local", a Mac's Bonjour name, with the short name). A trailing dot is ignored.
   */
  hostname?: string;
  /** The hardware serial number (DMI product_serial, IOPlatformSerialNumber, Win32_BIOS). */
  serial?: string;
  /** /etc/machine-id on Linux; compared case-insensitively. */
  machineId?: string;
}

export interface Approval {
  /** The documented approval's reference, e.g. a ticket number. */
  reference: string;
  kind: "accessibility" | "business";
  /** Who the approval is for: the person whose need it meets. */
  for?: string;
  /** The laptops it applies to; left out, it applies on every laptop (policy check warns). */
  hosts?: HostMatch[];
  approvedBy: string;
  /** ISO date, YYYY-MM-DD. */
  approvedOn: string;
  /** Optional earlier end than the 12-month limit, YYYY-MM-DD. */
  expiresOn?: string;
  match: DeviceMatch;
  description?: string;
}

export interface Policy {
  id: string;
  version: string;
  description?: string;
  /** When the policy owner issued it (ISO date or date-time): a policy never replaces a newer one. */
  issuedAt?: string;
  /** Optional: after this (ISO date or date-time) the policy is stale and says so. */
  expiresAt?: string;
  /** How long an approval lasts from `approvedOn`; the guidance caps it at 12. */
  approvalValidityMonths: number;
  approvedDevices: ApprovedDevice[];
  approvals: Approval[];
  /** Audit or enforce, per rule (policy/enforcement.ts). Left out: every rule is audited. */
  enforcement?: Partial<EnforcementSettings>;
}

/** A policy with where it came from, as shown by `scan` and `status` and sent with every event. */
export interface LoadedPolicy {
  policy: Policy;
  /** "built-in" or the file's path. */
  source: string;
  /** sha256 of the file's bytes (or of the built-in policy's JSON), to tell versions apart. */
  digest: string;
  /** The key id that signed it, when it was verified against trusted keys. */
  signedBy?: string;
  /** Where and how it is applied; the daemon's policy source and `eca scan` fill it in. */
  context?: EvaluationContext;
}

/** The laptop's identity as approvals are scoped to it: data passed in, never read by evaluation. */
export interface HostFacts {
  /** The first label of the host name, as events carry it ("sam-laptop"). */
  hostname: string;
  /** The DNS domain, when the laptop has a fully qualified name (events' device.domain). */
  domain?: string;
  serial?: string;
  machineId?: string;
}

/** What evaluation needs besides devices, policy and time. Every field is optional. */
export interface EvaluationContext {
  /** This laptop: approvals scoped to other hosts do not apply. Unknown: scoped approvals never apply. */
  host?: HostFacts;
  /** approval-expiring is raised this many days before an approval lapses; default 30. */
  expiringDays?: number;
  /** Why the configured policy is not in force (unsigned, bad signature, older, expired, invalid). */
  policyProblem?: string;
}

/** Which policy entry or built-in rule decided a verdict, for `eca policy explain`. */
export interface Decision {
  /** "approvedDevices[0]", "approvals[2]", or "built-in: <what>" when no entry applied. */
  by: string;
  /** The entry's match fields, each equal to the device's. */
  matched?: DeviceMatch;
  approval?: {
    reference: string;
    kind: Approval["kind"];
    approvedBy: string;
    approvedOn: string;
    validUntil: string;
    for?: string;
    hosts?: HostMatch[];
  };
  /** Approvals that match the device but are granted for other laptops. */
  elsewhere?: { entry: string; reference: string; for?: string; hosts: HostMatch[] }[];
  /** What would make the device compliant; absent when it already is. */
  toComply?: string;
}

/** The facts about a device that findings, reports and events carry. */
export interface DeviceRef {
  id: string;
  /** "host" for a finding about the laptop itself (policy-untrusted), not a peripheral. */
  bus: Bus | "host";
  kind: DeviceKind;
  name: string;
  vendorId?: string;
  productId?: string;
  serial?: string;
  address?: string;
  portPath?: string;
}

export interface Finding {
  /** Stable: the same device and rule give the same id across scans, restarts and hosts' reinstalls. */
  id: string;
  rule: RuleId;
  severity: Severity;
  title: string;
  /** The part of the guidance the finding breaks. */
  statement: string;
  evidence: string[];
  remediation: string;
  device: DeviceRef;
}

/** One device in a report: its identity (flat, for `jq '.devices[].kind'`) and the judgement. */
export interface DeviceVerdict extends DeviceRef {
  builtIn: boolean;
  confidence: Confidence;
  verdict: VerdictName;
  /** One sentence: why this verdict. */
  reason: string;
  /** Classification evidence. */
  evidence: string[];
  findings: RuleId[];
  approval?: { reference: string; kind: Approval["kind"]; approvedOn: string; validUntil: string };
  approvedAs?: string;
  /** Which entry or built-in rule decided the verdict. */
  decision?: Decision;
  /** Bluetooth only. */
  classOfDevice?: number;
  paired?: boolean;
  connected?: boolean;
  warnings?: string[];
}

export interface Evaluation {
  compliant: boolean;
  devices: DeviceVerdict[];
  findings: Finding[];
}
