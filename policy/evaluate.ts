// Pure evaluation: classified devices and a policy in, verdicts and findings out. No I/O, no clock
// of its own (the caller passes `now`), so the same input always gives the same answer.

import { createHash } from "node:crypto";
import type {
  BluetoothObservation,
  ClassifiedDevice,
  PowerObservation,
  UsbObservation,
} from "../probes/types.ts";
import { isPowerObservation } from "../probes/types.ts";
import { approvalValidUntil, matchesDevice } from "./match.ts";
import { RULES } from "./rules.ts";
import type { Approval, DeviceRef, DeviceVerdict, Evaluation, Finding, Policy, RuleId } from "./types.ts";

/** Same rule and device give the same id on every scan, restart and host. */
export function findingId(rule: RuleId, deviceId: string): string {
  return createHash("sha256").update(`eca-finding\0${rule}\0${deviceId}`).digest("hex").slice(0, 32);
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
}

function judge(
  device: ClassifiedDevice,
  ref: DeviceRef,
  all: ClassifiedDevice[],
  policy: Policy,
  today: string,
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
      };
    }
    const reason =
      o.powerRole === "source"
        ? "The device on this USB-C port shows a data connection and is judged on its own."
        : "The laptop is not supplying power on this port (a charger or dock).";
    return { verdict: "allowed", reason, rules: [], policyEvidence: [] };
  }
  if (device.builtIn) {
    return { verdict: "allowed", reason: "Built into the laptop.", rules: [], policyEvidence: [] };
  }
  if (device.kind === "hub") {
    return {
      verdict: "allowed",
      reason: "A hub: infrastructure; the devices behind it are judged on their own.",
      rules: [],
      policyEvidence: [],
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
    };
  }
  const approvedDevice = policy.approvedDevices.find((entry) => matchesDevice(entry.match, ref));
  if (approvedDevice) {
    return {
      verdict: "approved",
      reason: `Listed in approvedDevices: ${approvedDevice.description}.`,
      rules: [],
      policyEvidence: [],
      approvedAs: approvedDevice.description,
    };
  }
  const approvals = policy.approvals
    .filter((approval) => matchesDevice(approval.match, ref))
    .map((approval) => ({
      approval,
      validUntil: approvalValidUntil(approval.approvedOn, policy.approvalValidityMonths, approval.expiresOn),
    }));
  const valid = approvals.find((a) => a.validUntil >= today);
  if (valid) return approvedBy(valid.approval, valid.validUntil);
  const expired = approvals[0];
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
    };
  }
  if (device.confidence === "low") {
    return {
      verdict: "review",
      reason: "eca cannot tell what this device is: a person should check it.",
      rules: [],
      policyEvidence: [],
    };
  }
  return {
    verdict: "violation",
    reason: RULES[rule].title,
    rules: [rule],
    policyEvidence: ["not in the policy's approvedDevices, and no valid approval matches it"],
  };
}

function summary(approval: Approval, validUntil: string): NonNullable<DeviceVerdict["approval"]> {
  return { reference: approval.reference, kind: approval.kind, approvedOn: approval.approvedOn, validUntil };
}

function approvedBy(approval: Approval, validUntil: string): Judgement {
  const accessibility = approval.kind === "accessibility";
  return {
    verdict: accessibility ? "exempt" : "approved",
    reason: `${accessibility ? "Accessibility exemption" : "Documented approval"} ${approval.reference}, valid until ${validUntil}.`,
    rules: [],
    policyEvidence: [],
    approval: summary(approval, validUntil),
  };
}

export function evaluate(devices: ClassifiedDevice[], policy: Policy, now: Date): Evaluation {
  const today = now.toISOString().slice(0, 10);
  const verdicts: DeviceVerdict[] = [];
  const findings: Finding[] = [];
  for (const device of devices.filter(isAttached)) {
    const ref = deviceRef(device);
    const judgement = judge(device, ref, devices, policy, today);
    const o = device.observation;
    const verdict: DeviceVerdict = {
      ...ref,
      builtIn: device.builtIn,
      confidence: device.confidence,
      verdict: judgement.verdict,
      reason: judgement.reason,
      evidence: device.evidence,
      findings: judgement.rules,
    };
    if (judgement.approval) verdict.approval = judgement.approval;
    if (judgement.approvedAs) verdict.approvedAs = judgement.approvedAs;
    if (o.bus === "bluetooth") {
      if (o.classOfDevice !== undefined) verdict.classOfDevice = o.classOfDevice;
      verdict.paired = o.paired || o.bonded;
      verdict.connected = o.connected;
    }
    if (o.warnings?.length) verdict.warnings = o.warnings;
    verdicts.push(verdict);
    for (const rule of judgement.rules) {
      const spec = RULES[rule];
      findings.push({
        id: findingId(rule, ref.id),
        rule,
        severity: spec.severity,
        title: spec.title,
        statement: spec.statement,
        evidence: [...device.evidence, ...judgement.policyEvidence],
        remediation: spec.remediation,
        device: ref,
      });
    }
  }
  return { compliant: findings.length === 0, devices: verdicts, findings };
}
