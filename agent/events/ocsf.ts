// OCSF 1.8.0 events: a Compliance Finding (2003) when a finding opens or resolves, a Device
// Inventory Info (5001) heartbeat with the peripherals seen and the agent's own health, and, when
// switched on, a Peripheral Activity (1010) when a peripheral connects or disconnects.
// Builders are pure: the clock, the id generator and the pseudonymiser come in through the context.
// Every event validates against the official schema (test/ocsf-schema.test.ts); docs/EVENTS.md
// documents every field; keep the three in step.

import { createHash } from "node:crypto";
import { type Instant, timeValue } from "../../policy/iso-time.ts";
import type { DeviceRef, DeviceVerdict, Severity } from "../../policy/types.ts";
import type { DeviceKind } from "../../probes/types.ts";
import type { OpenFinding } from "../findings/lifecycle.ts";
import type { NewEvent } from "../outbox/outbox.ts";
import type { ScanReport } from "../report.ts";
import type { HostIdentity } from "./host.ts";
import { uuidv7 } from "./uuidv7.ts";

export const OCSF_VERSION = "1.8.0";

export const COMPLIANCE_FINDING = {
  class_uid: 2003,
  category_uid: 2,
  class_name: "Compliance Finding",
  category_name: "Findings",
} as const;
export const DEVICE_INVENTORY_INFO = {
  class_uid: 5001,
  category_uid: 5,
  class_name: "Device Inventory Info",
  category_name: "Discovery",
} as const;
export const PERIPHERAL_ACTIVITY = {
  class_uid: 1010,
  category_uid: 1,
  class_name: "Peripheral Activity",
  category_name: "System Activity",
} as const;

type OcsfClass = typeof COMPLIANCE_FINDING | typeof DEVICE_INVENTORY_INFO | typeof PERIPHERAL_ACTIVITY;

/**
 * The fields that say what an event is: its class and category, the activity, and the type
 * (OCSF 1.8.0: type_uid = class_uid * 100 + activity_id, type_name "<class>: <activity>").
 */
export function eventType(ocsfClass: OcsfClass, activityId: number, activityName: string) {
  return {
    ...ocsfClass,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: ocsfClass.class_uid * 100 + activityId,
    type_name: `${ocsfClass.class_name}: ${activityName}`,
  };
}
export const ACTIVITY_CREATE = 1;
export const ACTIVITY_CLOSE = 3;
export const ACTIVITY_COLLECT = 2;
export const ACTIVITY_CONNECT = 1;
export const ACTIVITY_DISCONNECT = 2;

const SEVERITY_IDS: Record<Severity, { id: number; name: string }> = {
  informational: { id: 1, name: "Informational" },
  low: { id: 2, name: "Low" },
  medium: { id: 3, name: "Medium" },
  high: { id: 4, name: "High" },
  critical: { id: 5, name: "Critical" },
};

/** OCSF 1.8.0 device.type_id captions (objects/device.json). */
export const DEVICE_TYPES: Record<number, string> = {
  0: "Unknown",
  1: "Server",
  2: "Desktop",
  3: "Laptop",
  4: "Tablet",
  5: "Mobile",
  6: "Virtual",
  99: "Other",
};

/**
 * OCSF 1.8.0 peripheral_device.type_id (objects/peripheral_device.json): 1 External Storage,
 * 2 Keyboard, 3 Mouse, 4 Printer, 5 Monitor, 6 Microphone, 7 Webcam. eca's other kinds have no id
 * of their own and are 99 Other, with eca's kind as `type`, as the schema asks for Other.
 */
const PERIPHERAL_TYPES: Partial<Record<DeviceKind, { id: number; name: string }>> = {
  storage: { id: 1, name: "External Storage" },
  keyboard: { id: 2, name: "Keyboard" },
  mouse: { id: 3, name: "Mouse" },
  camera: { id: 7, name: "Webcam" },
};

export interface EventContext {
  agentVersion: string;
  /** metadata.product.vendor_name: who ships this build, e.g. the department running it. */
  vendorName: string;
  host: HostIdentity;
  policy: { id: string; version: string; digest: string; source: string };
  /** compliance.standards: the guidance the rules enforce. */
  standards: string[];
  /** metadata.tenant_uid: the fleet or customer the laptop belongs to. */
  tenantUid?: string;
  /** metadata.log_name. Default "eca". */
  logName?: string;
  /**
   * Replaces peripheral serials, names, addresses and ids with a keyed hash (events/privacy.ts),
   * so the central side can correlate a device across events without seeing it.
   */
  pseudonymise?: (value: string) => string;
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
  now: Instant,
): NewEvent & { payload: OcsfEvent } {
  const { finding } = open;
  const time = timeValue(now);
  const uid = (context.newUid ?? uuidv7)(time);
  const activityId = change === "opened" ? ACTIVITY_CREATE : ACTIVITY_CLOSE;
  const activityName = change === "opened" ? "Create" : "Close";
  const severity = SEVERITY_IDS[finding.severity];
  const openedAt = Date.parse(open.openedAt);
  const device = visibleDevice(finding.device, context);
  const evidence = finding.evidence.map((line) => hideName(line, finding.device, context));
  const payload: OcsfEvent = {
    ...eventType(COMPLIANCE_FINDING, activityId, activityName),
    severity_id: severity.id,
    severity: severity.name,
    // Finding status: 1 New while the device is present, 4 Resolved once it is gone.
    status_id: change === "opened" ? 1 : 4,
    status: change === "opened" ? "New" : "Resolved",
    time,
    start_time: openedAt,
    ...(change === "resolved" ? { end_time: time } : {}),
    message: `${finding.title}: ${device.name}${change === "resolved" ? " (resolved)" : ""}`,
    metadata: metadata(uid, context, ["host", "security_control"]),
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
      status_details: evidence,
    },
    // security_control profile: eca observes and reports; it blocks nothing.
    action_id: 3,
    action: "Observed",
    disposition_id: 15,
    disposition: "Detected",
    policy: policyObject(context),
    remediation: { desc: finding.remediation },
    resources: [peripheralResource(device)],
    device: hostDevice(context),
  };
  return { uid, kind: "finding", findingId: finding.id, payload };
}

export interface HeartbeatInput {
  report: Pick<ScanReport, "compliant" | "devices" | "unavailable">;
  openFindings: number;
  outbox: { depth: number; deadLetters: number; dropped: { superseded: number; heartbeats: number } };
  /** Why this heartbeat: the timer, a change in devices or posture, or the agent starting. */
  reason: "interval" | "change" | "startup";
  /** The status socket or pipe, once the daemon has set it up. */
  statusChannel?: StatusChannelHealth;
}

/**
 * Whether `eca status` can be answered by this agent: on Windows any local user can take the
 * status pipe's name first, and the SOC should hear of it, not only the laptop's log.
 */
export interface StatusChannelHealth {
  served: boolean;
  authenticated: boolean;
  /** The last time another process held the pipe's name, and until when (absent: still). */
  takenSince?: string;
  takenUntil?: string;
  /** Why it is not served, while it is not. */
  problem?: string;
}

export function buildHeartbeat(
  input: HeartbeatInput,
  context: EventContext,
  now: Instant,
): NewEvent & { payload: OcsfEvent } {
  const time = timeValue(now);
  const uid = (context.newUid ?? uuidv7)(time);
  const { report, outbox } = input;
  const payload: OcsfEvent = {
    ...eventType(DEVICE_INVENTORY_INFO, ACTIVITY_COLLECT, "Collect"),
    severity_id: 1,
    severity: "Informational",
    time,
    metadata: metadata(uid, context, ["host"]),
    device: { ...hostDevice(context), is_compliant: report.compliant, last_seen_time: time },
    unmapped: {
      eca: {
        reason: input.reason,
        posture: report.compliant ? "compliant" : "non-compliant",
        agent_version: context.agentVersion,
        policy: context.policy,
        open_findings: input.openFindings,
        // OCSF 1.8.0's Device Inventory Info has no attribute for peripherals: each entry is an
        // OCSF peripheral_device object (checked against it by the tests) plus eca's verdict.
        peripherals: report.devices.map((verdict) => peripheralInventoryEntry(verdict, context)),
        unavailable_sources: report.unavailable,
        ...(input.statusChannel ? { status_channel: statusChannelObject(input.statusChannel) } : {}),
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

function statusChannelObject(channel: StatusChannelHealth): Record<string, unknown> {
  return {
    served: channel.served,
    authenticated: channel.authenticated,
    ...(channel.takenSince ? { taken_since: channel.takenSince } : {}),
    ...(channel.takenUntil ? { taken_until: channel.takenUntil } : {}),
    ...(channel.problem ? { problem: channel.problem } : {}),
  };
}

export type PeripheralChange = "connected" | "disconnected";

/** A Peripheral Activity (1010): a peripheral appeared in or left the scans. Off by default. */
export function buildPeripheralActivity(
  change: PeripheralChange,
  verdict: DeviceVerdict,
  context: EventContext,
  now: Instant,
): NewEvent & { payload: OcsfEvent } {
  const time = timeValue(now);
  const uid = (context.newUid ?? uuidv7)(time);
  const activityId = change === "connected" ? ACTIVITY_CONNECT : ACTIVITY_DISCONNECT;
  const activityName = change === "connected" ? "Connect" : "Disconnect";
  const device = visibleDevice(verdict, context);
  const owner = context.host.owner;
  const payload: OcsfEvent = {
    ...eventType(PERIPHERAL_ACTIVITY, activityId, activityName),
    severity_id: 1,
    severity: "Informational",
    time,
    message: `${device.bus} ${device.kind} ${change}: ${device.name}`,
    metadata: metadata(uid, context, ["host"]),
    // Who attached it is not observable; the laptop's primary user when the OS names one, else
    // the observing application.
    actor: owner ? { user: { name: owner } } : { app_name: "eca" },
    device: hostDevice(context),
    peripheral_device: peripheralDevice(device),
    unmapped: {
      eca: {
        ...peripheralDetails(device),
        built_in: verdict.builtIn,
        verdict: verdict.verdict,
        confidence: verdict.confidence,
        findings: verdict.findings,
      },
    },
  };
  return { uid, kind: "heartbeat", payload };
}

/** The peripherals that appeared and left between two scans' device lists, by eca device id. */
export function peripheralChanges(
  before: readonly DeviceVerdict[],
  after: readonly DeviceVerdict[],
): { connected: DeviceVerdict[]; disconnected: DeviceVerdict[] } {
  const was = new Set(before.map((d) => d.id));
  const is = new Set(after.map((d) => d.id));
  return {
    connected: after.filter((d) => !was.has(d.id)),
    disconnected: before.filter((d) => !is.has(d.id)),
  };
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

function metadata(
  uid: string,
  context: EventContext,
  profiles: string[],
): Record<string, unknown> & OcsfEvent["metadata"] {
  return {
    uid,
    version: OCSF_VERSION,
    product: { name: "eca", vendor_name: context.vendorName, version: context.agentVersion },
    profiles,
    log_name: context.logName ?? "eca",
    ...(context.tenantUid ? { tenant_uid: context.tenantUid } : {}),
  };
}

function policyObject(context: EventContext): Record<string, unknown> {
  const { policy } = context;
  return {
    uid: policy.id,
    name: policy.id,
    version: policy.version,
    is_applied: true,
    data: { digest: policy.digest, source: policy.source },
  };
}

/** The laptop as an OCSF device: only what could be read, never a guess (events/host.ts). */
export function hostDevice(context: EventContext): Record<string, unknown> {
  const { host } = context;
  const typeId = host.typeId ?? 0;
  return {
    hostname: host.hostname,
    ...(host.domain ? { domain: host.domain } : {}),
    ...(host.uid ? { uid: host.uid } : {}),
    ...(host.assetTag ? { uid_alt: host.assetTag } : {}),
    type_id: typeId,
    type: DEVICE_TYPES[typeId] ?? "Other",
    ...(host.model ? { model: host.model } : {}),
    ...(host.vendorName ? { vendor_name: host.vendorName } : {}),
    ...(host.serial || host.hardwareUuid
      ? {
          hw_info: {
            ...(host.serial ? { serial_number: host.serial } : {}),
            ...(host.hardwareUuid ? { uuid: host.hardwareUuid } : {}),
          },
        }
      : {}),
    ...(host.owner ? { owner: { name: host.owner } } : {}),
    ...(host.org ? { org: { name: host.org } } : {}),
    os: host.os,
  };
}

/** The device as events show it: with privacy on, identifying strings replaced by keyed hashes. */
function visibleDevice<T extends DeviceRef>(device: T, context: EventContext): T {
  const hash = context.pseudonymise;
  if (!hash) return device;
  return {
    ...device,
    id: hash(device.id),
    name: hash(device.name),
    ...(device.serial ? { serial: hash(device.serial) } : {}),
    ...(device.address ? { address: hash(device.address) } : {}),
  };
}

/** Evidence can quote the device's name ("name "Jo's iPhone" follows ..."): hide it there too. */
function hideName(line: string, device: DeviceRef, context: EventContext): string {
  const hash = context.pseudonymise;
  if (!hash || device.name.length === 0) return line;
  let out = line.split(device.name).join(hash(device.name));
  if (device.serial) out = out.split(device.serial).join(hash(device.serial));
  return out;
}

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

/** An OCSF peripheral_device. USB ids go in vendor_id_list and model as "vvvv:pppp". */
export function peripheralDevice(device: DeviceRef): Record<string, unknown> {
  const type = PERIPHERAL_TYPES[device.kind] ?? { id: 99, name: device.kind };
  return {
    name: device.name,
    uid: device.id,
    class: device.bus,
    type_id: type.id,
    type: type.name,
    ...(device.vendorId ? { vendor_id_list: [device.vendorId] } : {}),
    ...(device.vendorId && device.productId ? { model: `${device.vendorId}:${device.productId}` } : {}),
    ...(device.serial ? { serial_number: device.serial } : {}),
  };
}

function peripheralResource(device: DeviceRef): Record<string, unknown> {
  return {
    uid: device.id,
    name: device.name,
    type: `${device.bus} ${device.kind}`,
    role_id: 1,
    role: "Target",
    labels: [`bus:${device.bus}`, `kind:${device.kind}`],
    data: { ...peripheralDetails(device), peripheral_device: peripheralDevice(device) },
  };
}

function peripheralInventoryEntry(verdict: DeviceVerdict, context: EventContext): Record<string, unknown> {
  const device = visibleDevice(verdict, context);
  return {
    ...peripheralDevice(device),
    eca: {
      ...peripheralDetails(device),
      built_in: verdict.builtIn,
      verdict: verdict.verdict,
      confidence: verdict.confidence,
      findings: verdict.findings,
      ...(verdict.approval ? { approval_reference: verdict.approval.reference } : {}),
    },
  };
}
