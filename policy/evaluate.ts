// Pure evaluation: classified devices and a policy in, verdicts and findings out. No I/O, no clock
// of its own (the caller passes `now`), so the same input always gives the same answer.

import type {
  BluetoothObservation,
  ClassifiedDevice,
  PowerObservation,
  UsbObservation,
} from "../probes/types.ts";
import { isPowerObservation } from "../probes/types.ts";
import { isoDay } from "./iso-time.ts";
import { approvalValidUntil, matchesDevice } from "./match.ts";
import { RULES } from "./rules.ts";
import { sha256Hex } from "./sha256.ts";
import type {
  Approval,
  Decision,
  DeviceRef,
  DeviceVerdict,
  Evaluation,
  EvaluationContext,
  Finding,
  HostFacts,
  HostMatch,
  Policy,
  RuleId,
} from "./types.ts";

/** approval-expiring is raised from this many days before an approval lapses, unless configured. */
export const DEFAULT_EXPIRING_DAYS = 30;

/** Same rule and device give the same id on every scan, restart and host. */
export function findingId(rule: RuleId, deviceId: string): string {
  return sha256Hex(`eca-finding\0${rule}\0${deviceId}`).slice(0, 32);
}

function usbName(o: UsbObservation): string {
  const label = [o.manufacturer, o.product].filter(Boolean).join(" ");
  if (label) return label;
  return o.vendorId ? `USB device ${o.vendorId}:${o.productId ?? "????"}` : `USB device at ${o.portPath}`;
}

function bluetoothName(o: BluetoothObservation): string {
  return o.alias ?? o.name ?? `Bluetooth device ${o.address}`;
}

export function deviceRef(device: ClassifiedDevice): DeviceRef {
  const o = device.observation;
  if (isPowerObservation(o)) {
    return { id: o.id, bus: "usb", kind: device.kind, name: `USB-C partner on ${o.port}` };
  }
  if (o.bus === "bluetooth") {
    return { id: o.id, bus: "bluetooth", kind: device.kind, name: bluetoothName(o), address: o.address };
  }
  const ref: DeviceRef = { id: o.id, bus: "usb", kind: device.kind, name: usbName(o), portPath: o.portPath };
  if (o.vendorId) ref.vendorId = o.vendorId;
  if (o.productId) ref.productId = o.productId;
  if (o.serial) ref.serial = o.serial;
  return ref;
}

/**
 * Bluetooth devices merely seen nearby are not connected to the laptop, and a USB-C port with no
 * partner has nothing on it: nothing to judge.
 */
function isAttached(device: ClassifiedDevice): boolean {
  const o = device.observation;
  if (isPowerObservation(o)) return o.partnerPresent;
  if (o.bus === "bluetooth") return o.paired || o.bonded || o.connected;
  return true;
}

/** The rule an unapproved device of this kind breaks. */
function ruleForKind(device: ClassifiedDevice): RuleId {
  if (device.kind === "vehicle") return "vehicle-pairing";
  if (device.kind === "storage") return "personal-storage";
  if (device.kind === "phone" && device.observation.bus === "usb") return "phone-charging";
  return "unapproved-peripheral";
}

/**
 * A USB-C port supplying power to a partner is only a finding when nothing enumerated there:
 * an enumerated device is judged on its own. Without the kernel's port links we can only tell
 * that no external USB device is present at all.
 */
function isChargingWithoutData(power: PowerObservation, devices: ClassifiedDevice[]): boolean {
  if (power.powerRole !== "source" || !power.partnerPresent) return false;
  const external = devices.filter(
    (d) => !d.builtIn && d.observation.bus === "usb" && !isPowerObservation(d.observation),
  );
  if (power.linkedUsbPorts.length === 0) return external.length === 0;
  return !external.some((d) => {
    const usb = d.observation as UsbObservation;
    return [usb.portPath, ...usb.parents].some((port) => power.linkedUsbPorts.includes(port));
  });
}

interface Judgement {
  verdict: DeviceVerdict["verdict"];
  reason: string;
  rules: RuleId[];
  policyEvidence: string[];
  approval?: DeviceVerdict["approval"];
  approvedAs?: string;
  decision: Decision;
}

/** True when an approval applies on this laptop: no hosts given, or one of them is this laptop. */
export function appliesHere(approval: Approval, host: HostFacts | undefined): boolean {
  if (!approval.hosts) return true;
  if (!host) return false;
  return approval.hosts.some((entry) => hostMatches(entry, host));
}

/** Every field given must equal the laptop's; a laptop whose serial is unknown matches no serial. */
export function hostMatches(entry: HostMatch, host: HostFacts): boolean {
  const fields = Object.entries(entry) as [keyof HostMatch, string][];
  if (fields.length === 0) return false;
  return fields.every(([field, wanted]) => {
    if (field === "hostname") return hostnameMatches(wanted, host);
    const actual = host[field];
    if (actual === undefined) return false;
    return field === "machineId" ? actual.toLowerCase() === wanted.toLowerCase() : actual === wanted;
  });
}

/**
 * A name with no dot is the laptop's short name; a fully qualified one is the short name and the
 * laptop's DNS domain (a laptop with no known domain matches none: the safe way to be wrong), or
 * NAME.local, the Bonjour name a Mac's `hostname` prints (RFC 6762: a .local name is link-local,
 * the short name and nothing more). Case and a trailing dot do not count.
 */
function hostnameMatches(wanted: string, host: HostFacts): boolean {
  const name = wanted.trim().toLowerCase().replace(/\.$/, "");
  // Facts given as one fully qualified name are read the same as a short name and a domain.
  const [short = "", ...rest] = host.hostname.trim().toLowerCase().split(".");
  const domain = host.domain?.toLowerCase() ?? (rest.length > 0 ? rest.join(".") : undefined);
  if (!name.includes(".")) return name === short;
  if (name === `${short}.local`) return true;
  return domain !== undefined && name === `${short}.${domain}`;
}

function describeHosts(hosts: readonly HostMatch[]): string {
  return hosts
    .map((h) =>
      Object.entries(h)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    )
    .join("; ");
}

const BUILT_IN = (what: string, toComply?: string): Decision => ({
  by: `built-in: ${what}`,
  ...(toComply ? { toComply } : {}),
});

function judge(
  device: ClassifiedDevice,
  ref: DeviceRef,
  all: ClassifiedDevice[],
  policy: Policy,
  today: string,
  host: HostFacts | undefined,
): Judgement {
  const o = device.observation;
  if (isPowerObservation(o)) {
    if (isChargingWithoutData(o, all)) {
      return {
        verdict: "violation",
        reason:
          "The laptop is supplying power on this USB-C port to something that shows no data connection.",
        rules: ["device-charging"],
        policyEvidence: [
          `${o.port}: power_role is source and a partner is attached, but no USB device enumerated there`,
        ],
        decision: BUILT_IN("device-charging (power without data)", RULES["device-charging"].remediation),
      };
    }
    const reason =
      o.powerRole === "source"
        ? "The device on this USB-C port shows a data connection and is judged on its own."
        : "The laptop is not supplying power on this port (a charger or dock).";
    return {
      verdict: "allowed",
      reason,
      rules: [],
      policyEvidence: [],
      decision: BUILT_IN("USB-C power role"),
    };
  }
  if (device.builtIn) {
    return {
      verdict: "allowed",
      reason: "Built into the laptop.",
      rules: [],
      policyEvidence: [],
      decision: BUILT_IN("built into the laptop"),
    };
  }
  if (device.kind === "hub") {
    return {
      verdict: "allowed",
      reason: "A hub: infrastructure; the devices behind it are judged on their own.",
      rules: [],
      policyEvidence: [],
      decision: BUILT_IN("hubs are infrastructure"),
    };
  }
  const rule = ruleForKind(device);
  if (rule === "vehicle-pairing") {
    if (device.confidence === "low") {
      return {
        verdict: "review",
        reason: "Might be a vehicle, but the evidence is weak: a person should check what it is.",
        rules: [],
        policyEvidence: [],
        decision: BUILT_IN("weak evidence goes to review", "a person checks what the device is"),
      };
    }
    // The guidance has no exemption for vehicles: approvals and approvedDevices do not apply.
    return {
      verdict: "violation",
      reason: "Paired with a vehicle; the guidance allows no exemption.",
      rules: [rule],
      policyEvidence: [
        `paired: ${String((o as BluetoothObservation).paired)}, bonded: ${String((o as BluetoothObservation).bonded)}`,
      ],
      decision: BUILT_IN("vehicle-pairing (no approval can exempt it)", RULES[rule].remediation),
    };
  }
  const approvedIndex = policy.approvedDevices.findIndex((entry) => matchesDevice(entry.match, ref));
  const approvedDevice = policy.approvedDevices[approvedIndex];
  if (approvedDevice) {
    return {
      verdict: "approved",
      reason: `Listed in approvedDevices: ${approvedDevice.description}.`,
      rules: [],
      policyEvidence: [],
      approvedAs: approvedDevice.description,
      decision: { by: `approvedDevices[${approvedIndex}]`, matched: approvedDevice.match },
    };
  }
  const matching = policy.approvals
    .map((approval, index) => ({
      approval,
      index,
      validUntil: approvalValidUntil(approval.approvedOn, policy.approvalValidityMonths, approval.expiresOn),
    }))
    .filter((a) => matchesDevice(a.approval.match, ref));
  const here = matching.filter((a) => appliesHere(a.approval, host));
  const elsewhere = matching
    .filter((a) => !appliesHere(a.approval, host))
    .map((a) => ({
      entry: `approvals[${a.index}]`,
      reference: a.approval.reference,
      ...(a.approval.for ? { for: a.approval.for } : {}),
      hosts: a.approval.hosts ?? [],
    }));
  const elsewhereNote = elsewhere.length > 0 ? { elsewhere } : {};
  const elsewhereEvidence = elsewhere.map(
    (e) =>
      `approval ${e.reference}${e.for ? ` (for ${e.for})` : ""} matches this device but is granted for another laptop (${describeHosts(e.hosts)}), not this one${host ? ` (${describeHosts([host])})` : ""}`,
  );
  const valid = here.find((a) => a.validUntil >= today);
  if (valid) {
    const judgement = approvedBy(valid.approval, valid.validUntil);
    return { ...judgement, decision: { ...decisionFor(valid), ...elsewhereNote } };
  }
  const expired = here[0];
  if (expired) {
    return {
      verdict: "violation",
      reason: `Approval ${expired.approval.reference} ended on ${expired.validUntil}.`,
      rules: ["approval-expired"],
      policyEvidence: [
        `approval ${expired.approval.reference} (${expired.approval.kind}) approved on ${expired.approval.approvedOn} by ${expired.approval.approvedBy}, valid until ${expired.validUntil}`,
        `without it, this device breaks ${rule}`,
      ],
      approval: summary(expired.approval, expired.validUntil),
      decision: {
        ...decisionFor(expired),
        ...elsewhereNote,
        toComply: `renew approval ${expired.approval.reference}: the policy owner updates its approvedOn once the Line Manager has a fresh approval; until then disconnect the device`,
      },
    };
  }
  if (device.confidence === "low") {
    return {
      verdict: "review",
      reason: "eca cannot tell what this device is: a person should check it.",
      rules: [],
      policyEvidence: elsewhereEvidence,
      decision: {
        ...BUILT_IN("weak evidence goes to review", "a person checks what the device is"),
        ...elsewhereNote,
      },
    };
  }
  const first = elsewhere[0];
  return {
    verdict: "violation",
    reason: first
      ? `${RULES[rule].title}: approval ${first.reference} is for another laptop and does not apply here.`
      : RULES[rule].title,
    rules: [rule],
    policyEvidence:
      elsewhereEvidence.length > 0
        ? elsewhereEvidence
        : ["not in the policy's approvedDevices, and no valid approval matches it"],
    decision: {
      ...BUILT_IN(rule, RULES[rule].remediation),
      ...elsewhereNote,
      ...(first
        ? {
            toComply: `approval ${first.reference} is granted for another laptop: if this laptop replaced it, the policy owner adds this laptop to its hosts; otherwise ${RULES[rule].remediation}`,
          }
        : {}),
    },
  };
}

function decisionFor(entry: { approval: Approval; index: number; validUntil: string }): Decision {
  const { approval, index, validUntil } = entry;
  return {
    by: `approvals[${index}]`,
    matched: approval.match,
    approval: {
      reference: approval.reference,
      kind: approval.kind,
      approvedBy: approval.approvedBy,
      approvedOn: approval.approvedOn,
      validUntil,
      ...(approval.for ? { for: approval.for } : {}),
      ...(approval.hosts ? { hosts: approval.hosts } : {}),
    },
  };
}

function summary(approval: Approval, validUntil: string): NonNullable<DeviceVerdict["approval"]> {
  return { reference: approval.reference, kind: approval.kind, approvedOn: approval.approvedOn, validUntil };
}

function approvedBy(approval: Approval, validUntil: string): Omit<Judgement, "decision"> {
  const accessibility = approval.kind === "accessibility";
  return {
    verdict: accessibility ? "exempt" : "approved",
    reason: `${accessibility ? "Accessibility exemption" : "Documented approval"} ${approval.reference}, valid until ${validUntil}.`,
    rules: [],
    policyEvidence: [],
    approval: summary(approval, validUntil),
  };
}

/** Whole days from `today` to `until` (both YYYY-MM-DD). */
function daysUntil(today: string, until: string): number {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

/** The device stands for the laptop itself in a finding about its policy. */
export const POLICY_DEVICE: DeviceRef = {
  id: "host:policy",
  bus: "host",
  kind: "computer",
  name: "this laptop's policy",
};

/** Findings that warn and do not make the laptop non-compliant (approval-expiring). */
export function isWarning(rule: RuleId): boolean {
  return RULES[rule].warning === true;
}

export function evaluate(
  devices: ClassifiedDevice[],
  policy: Policy,
  /** A Date or its time value (Date.now()): only the UTC day is read. */
  now: Date | number,
  context: EvaluationContext = {},
): Evaluation {
  const today = isoDay(now);
  const expiringDays = context.expiringDays ?? DEFAULT_EXPIRING_DAYS;
  const verdicts: DeviceVerdict[] = [];
  const findings: Finding[] = [];
  const raise = (rule: RuleId, ref: DeviceRef, evidence: string[]) => {
    const spec = RULES[rule];
    findings.push({
      id: findingId(rule, ref.id),
      rule,
      severity: spec.severity,
      title: spec.title,
      statement: spec.statement,
      evidence,
      remediation: spec.remediation,
      device: ref,
    });
  };
  if (context.policyProblem) raise("policy-untrusted", POLICY_DEVICE, [context.policyProblem]);
  for (const device of devices.filter(isAttached)) {
    const ref = deviceRef(device);
    const judgement = judge(device, ref, devices, policy, today, context.host);
    const o = device.observation;
    const verdict: DeviceVerdict = {
      ...ref,
      builtIn: device.builtIn,
      confidence: device.confidence,
      verdict: judgement.verdict,
      reason: judgement.reason,
      evidence: device.evidence,
      findings: judgement.rules,
      decision: judgement.decision,
    };
    if (judgement.approval) verdict.approval = judgement.approval;
    if (judgement.approvedAs) verdict.approvedAs = judgement.approvedAs;
    if (o.bus === "bluetooth") {
      if (o.classOfDevice !== undefined) verdict.classOfDevice = o.classOfDevice;
      verdict.paired = o.paired || o.bonded;
      verdict.connected = o.connected;
    }
    if (o.warnings?.length) verdict.warnings = o.warnings;
    for (const rule of judgement.rules) raise(rule, ref, [...device.evidence, ...judgement.policyEvidence]);
    const approval = judgement.approval;
    const decision = judgement.decision;
    if (approval && judgement.rules.length === 0) {
      const left = daysUntil(today, approval.validUntil);
      if (left <= expiringDays) {
        verdict.findings = ["approval-expiring"];
        raise("approval-expiring", ref, [
          `approval ${approval.reference} (${approval.kind}) approved on ${approval.approvedOn}, valid until ${approval.validUntil}: ${left === 0 ? "its last day is today" : `${left} day(s) left`}`,
          `warned from ${expiringDays} days before it lapses`,
        ]);
        verdict.decision = {
          ...decision,
          toComply: `renew approval ${approval.reference} before ${approval.validUntil}: ask the Line Manager for a fresh approval`,
        };
      }
    }
    verdicts.push(verdict);
  }
  return {
    compliant: findings.every((f) => isWarning(f.rule)),
    devices: verdicts,
    findings,
  };
}
