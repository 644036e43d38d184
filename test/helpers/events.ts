// Small builders of test findings and events.

import type { EventContext } from "../../agent/events/ocsf.ts";
import { uuidv7 } from "../../agent/events/uuidv7.ts";
import type { NewEvent } from "../../agent/outbox/outbox.ts";
import type { Finding } from "../../policy/types.ts";

export function testFinding(id: string, overrides: Partial<Finding> = {}): Finding {
  return {
    id,
    rule: "personal-storage",
    severity: "high",
    title: "Personal USB storage connected",
    statement: "Do not connect personal storage devices to work laptops.",
    evidence: ["USB mass storage interface (class 08)", "not in approvedDevices"],
    remediation: "Remove the device; use approved, encrypted storage.",
    device: {
      id: `0781:5581:${id}`,
      bus: "usb",
      kind: "storage",
      name: "SanDisk Ultra",
      vendorId: "0781",
      productId: "5581",
      serial: `SN-${id}`,
      portPath: "1-2",
    },
    ...overrides,
  };
}

export function testContext(overrides: Partial<EventContext> = {}): EventContext {
  return {
    agentVersion: "0.1.0",
    vendorName: "Test Department",
    host: {
      hostname: "laptop-42",
      uid: "0123456789abcdef0123456789abcdef",
      typeId: 3,
      os: { name: "Linux", type: "Linux", type_id: 200, version: "6.8.0" },
    },
    policy: { id: "test-policy", version: "3", digest: "ab".repeat(32), source: "built-in" },
    standards: ["Guidance on personal devices and peripherals"],
    ...overrides,
  };
}

/** A heartbeat-like event of roughly `size` bytes. */
export function testEvent(
  kind: "finding" | "heartbeat" = "heartbeat",
  findingId?: string,
  size = 200,
): NewEvent {
  const uid = uuidv7();
  return {
    uid,
    kind,
    ...(findingId ? { findingId } : {}),
    payload: {
      metadata: { uid },
      time: Date.now(),
      class_uid: kind === "finding" ? 2003 : 5001,
      pad: "x".repeat(size),
    },
  };
}
