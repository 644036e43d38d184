// OCSF 1.3 events: a Compliance Finding (2003) when a finding opens or resolves, and a Device
// Inventory Info (5001) heartbeat with the peripherals seen and the agent's own health.
// Builders are pure: the clock and the id generator come in through the context.
// docs/EVENTS.md documents every field; keep the two in step.

import { createHash } from "node:crypto";
import type { DeviceRef, DeviceVerdict, Severity } from "../../policy/types.ts";
import type { OpenFinding } from "../findings/lifecycle.ts";
import type { NewEvent } from "../outbox/outbox.ts";
import type { ScanReport } from "../report.ts";
import type { HostIdentity } from "./host.ts";
import { uuidv7 } from "./uuidv7.ts";

export const OCSF_VERSION = "1.3.0";

export const COMPLIANCE_FINDING = { class_uid: 2003, category_uid: 2 } as const;
export const DEVICE_INVENTORY_INFO = { class_uid: 5001, category_uid: 5 } as const;
export const ACTIVITY_CREATE = 1;
export const ACTIVITY_CLOSE = 3;
export const ACTIVITY_COLLECT = 2;

const SEVERITY_IDS: Record<Severity, { id: number; name: string }> = {
  informational: { id: 1, name: "Informational" },
  low: { id: 2, name: "Low" },
  medium: { id: 3, name: "Medium" },
  high: { id: 4, name: "High" },
  critical: { id: 5, name: "Critical" },
};

export interface EventContext {
  agentVersion: string;
  /** metadata.product.vendor_name: who ships this build, e.g. the department running it. */
  vendorName: string;
  host: HostIdentity;
  policy: { id: string; version: string; digest: string; source: string };
  /** compliance.standards: the guidance the rules enforce. */
  standards: string[];
  /** OCSF device.type_id of the host: 3 Laptop unless told otherwise. */
  hostTypeId?: number;
  /** Injectable for tests; called once per event, when it is built. */
  newUid?: (nowMs: number) => string;
}

export type OcsfEvent = Record<string, unknown> & {
  class_uid: number;
  type_uid: number;
  time: number;
  metadata: { uid: string; version: string; product: { name: string; vendor_name: string; version: string } };
};

export type FindingChange = "opened" | "resolved";

export function buildFindingEvent(
  change: FindingChange,
  open: OpenFinding,
  context: EventContext,
  now: Date,
): NewEvent & { payload: OcsfEvent } {
  const { finding } = open;
  const time = now.getTime();
  const uid = (context.newUid ?? uuidv7)(time);
  const activityId = change === "opened" ? ACTIVITY_CREATE : ACTIVITY_CLOSE;
  const severity = SEVERITY_IDS[finding.severity];
  const openedAt = Date.parse(open.openedAt);
  const payload: OcsfEvent = {
    ...COMPLIANCE_FINDING,
    class_name: "Compliance Finding",
    category_name: "Findings",
    activity_id: activityId,
    activity_name: change === "opened" ? "Create" : "Close",
    type_uid: COMPLIANCE_FINDING.class_uid * 100 + activityId,
    type_name: `Compliance Finding: ${change === "opened" ? "Create" : "Close"}`,
    severity_id: severity.id,
    severity: severity.name,
    // Finding status: 1 New while the device is present, 4 Resolved once it is gone.
    status_id: change === "opened" ? 1 : 4,
    status: change === "opened" ? "New" : "Resolved",
    time,
    start_time: openedAt,
    ...(change === "resolved" ? { end_time: time } : {}),
    metadata: metadata(uid, context),
    finding_info: {
      uid: finding.id,
      title: finding.title,
      desc: finding.statement,
      types: [`eca/${finding.rule}`],
      created_time: openedAt,
      first_seen_time: openedAt,
      last_seen_time: time,
    },
    compliance: {
      control: finding.rule,
      standards: context.standards,
      requirements: [finding.statement],
      status_id: change === "opened" ? 3 : 1,
      status: change === "opened" ? "Fail" : "Pass",
      status_detail: finding.evidence.join("; "),
    },
    remediation: { desc: finding.remediation },
    resources: [peripheralResource(finding.device)],
    device: hostDevice(context),
    unmapped: {
      eca: {
        policy: context.policy,
        evidence: finding.evidence,
      },
    },
  };
  return { uid, kind: "finding", findingId: finding.id, payload };
}

export interface HeartbeatInput {
  report: Pick<ScanReport, "compliant" | "devices" | "unavailable">;
  openFindings: number;
  outbox: { depth: number; deadLetters: number; dropped: { superseded: number; heartbeats: number } };
  /** Why this heartbeat: the timer, a change in devices or posture, or the agent starting. */
  reason: "interval" | "change" | "startup";
}

export function buildHeartbeat(
  input: HeartbeatInput,
  context: EventContext,
  now: Date,
): NewEvent & { payload: OcsfEvent } {
  const time = now.getTime();
  const uid = (context.newUid ?? uuidv7)(time);
  const { report, outbox } = input;
  const payload: OcsfEvent = {
    ...DEVICE_INVENTORY_INFO,
    class_name: "Device Inventory Info",
    category_name: "Discovery",
    activity_id: ACTIVITY_COLLECT,
    activity_name: "Collect",
    type_uid: DEVICE_INVENTORY_INFO.class_uid * 100 + ACTIVITY_COLLECT,
    type_name: "Device Inventory Info: Collect",
    severity_id: 1,
    severity: "Informational",
    time,
    metadata: metadata(uid, context),
    device: { ...hostDevice(context), is_compliant: report.compliant, last_seen_time: time },
    unmapped: {
      eca: {
        reason: input.reason,
        posture: report.compliant ? "compliant" : "non-compliant",
        agent_version: context.agentVersion,
        policy: context.policy,
        open_findings: input.openFindings,
        peripherals: report.devices.map(peripheralInventoryEntry),
        unavailable_sources: report.unavailable,
        outbox: {
          depth: outbox.depth,
          dead_letters: outbox.deadLetters,
          dropped: {
            superseded: outbox.dropped.superseded,
            heartbeats: outbox.dropped.heartbeats,
            total: outbox.dropped.superseded + outbox.dropped.heartbeats,
          },
        },
      },
    },
  };
  return { uid, kind: "heartbeat", payload };
}

/**
 * What a heartbeat reports about the laptop's peripherals and posture, reduced to a digest: the
 * daemon sends a heartbeat "on change" when this differs from the last one sent.
 */
export function inventoryDigest(report: Pick<ScanReport, "compliant" | "devices">): string {
  const entries = report.devices.map((d) => `${d.id}|${d.verdict}|${d.findings.join(",")}`).sort();
  return createHash("sha256")
    .update(`${report.compliant}\n${entries.join("\n")}`)
    .digest("hex");
}

function metadata(uid: string, context: EventContext): OcsfEvent["metadata"] & { profiles: string[] } {
  return {
    uid,
    version: OCSF_VERSION,
    product: { name: "eca", vendor_name: context.vendorName, version: context.agentVersion },
    profiles: ["host"],
  };
}

function hostDevice(context: EventContext): Record<string, unknown> {
  const typeId = context.hostTypeId ?? 3;
  return {
    hostname: context.host.hostname,
    ...(context.host.uid ? { uid: context.host.uid } : {}),
    type_id: typeId,
    type: HOST_TYPES[typeId] ?? "Other",
    os: context.host.os,
  };
}

const HOST_TYPES: Record<number, string> = {
  0: "Unknown",
  1: "Server",
  2: "Desktop",
  3: "Laptop",
  99: "Other",
};

function peripheralDetails(device: DeviceRef): Record<string, string> {
  const details: Record<string, string> = {
    id: device.id,
    bus: device.bus,
    kind: device.kind,
    name: device.name,
  };
  if (device.vendorId) details.vendor_id = device.vendorId;
  if (device.productId) details.product_id = device.productId;
  if (device.serial) details.serial = device.serial;
  if (device.address) details.address = device.address;
  if (device.portPath) details.port_path = device.portPath;
  return details;
}

function peripheralResource(device: DeviceRef): Record<string, unknown> {
  return {
    uid: device.id,
    name: device.name,
    type: `${device.bus} ${device.kind}`,
    labels: [`bus:${device.bus}`, `kind:${device.kind}`],
    data: peripheralDetails(device),
  };
}

function peripheralInventoryEntry(verdict: DeviceVerdict): Record<string, unknown> {
  return {
    ...peripheralDetails(verdict),
    built_in: verdict.builtIn,
    verdict: verdict.verdict,
    confidence: verdict.confidence,
    findings: verdict.findings,
    ...(verdict.approval ? { approval_reference: verdict.approval.reference } : {}),
  };
}
