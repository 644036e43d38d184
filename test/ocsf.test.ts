import { describe, expect, it } from "vitest";
import { encodeBody } from "../agent/delivery/http-sink.ts";
import { readHostIdentity } from "../agent/events/host.ts";
import { buildFindingEvent, buildHeartbeat, inventoryDigest } from "../agent/events/ocsf.ts";
import { UUID_V7_PATTERN, uuidv7 } from "../agent/events/uuidv7.ts";
import type { DeviceVerdict } from "../policy/types.ts";
import { testContext, testFinding } from "./helpers/events.ts";

const openedAt = "2026-03-01T09:00:00.000Z";
const now = new Date("2026-03-01T09:05:00.000Z");

describe("uuidv7", () => {
  it("has the version and variant bits and the millisecond time in front", () => {
    const uid = uuidv7(0x0123456789ab, (n) => new Uint8Array(n).fill(0xff));
    expect(uid).toMatch(UUID_V7_PATTERN);
    expect(uid.startsWith("01234567-89ab-7fff-bfff-")).toBe(true);
  });

  it("is unique and sorts by time", () => {
    const uids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect(new Set(uids).size).toBe(1000);
    expect([...uids].sort()).toEqual(uids);
  });
});

describe("Compliance Finding events", () => {
  const finding = testFinding("f-1");
  const context = testContext({ newUid: () => "01900000-0000-7000-8000-000000000001" });

  it("describes an opened finding", () => {
    const event = buildFindingEvent("opened", { finding, openedAt }, context, now);
    expect(event).toMatchObject({
      uid: "01900000-0000-7000-8000-000000000001",
      kind: "finding",
      findingId: "f-1",
    });
    expect(event.payload).toMatchObject({
      class_uid: 2003,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200301,
      severity_id: 4,
      status_id: 1,
      time: now.getTime(),
      metadata: {
        uid: "01900000-0000-7000-8000-000000000001",
        version: "1.8.0",
        product: { name: "eca", vendor_name: "Test Department", version: "0.1.0" },
        profiles: ["host", "security_control"],
        log_name: "eca",
      },
      finding_info: { uid: "f-1", title: finding.title, desc: finding.statement },
      compliance: {
        control: "personal-storage",
        status_id: 3,
        status: "Fail",
        standards: ["Guidance on personal devices and peripherals"],
        status_details: finding.evidence,
      },
      policy: { uid: "test-policy", version: "3", data: { digest: "ab".repeat(32), source: "built-in" } },
      remediation: { desc: finding.remediation },
      resources: [
        {
          uid: finding.device.id,
          data: {
            vendor_id: "0781",
            product_id: "5581",
            serial: "SN-f-1",
            bus: "usb",
            kind: "storage",
            peripheral_device: {
              type_id: 1,
              type: "External Storage",
              serial_number: "SN-f-1",
              model: "0781:5581",
            },
          },
        },
      ],
      device: {
        hostname: "laptop-42",
        uid: "0123456789abcdef0123456789abcdef",
        type_id: 3,
        type: "Laptop",
        os: { type: "Linux", type_id: 200 },
      },
    });
    expect(event.payload.unmapped).toBeUndefined();
  });

  it("describes a resolved finding as a Close that passes", () => {
    const event = buildFindingEvent("resolved", { finding, openedAt }, context, now);
    expect(event.payload).toMatchObject({
      activity_id: 3,
      type_uid: 200303,
      status_id: 4,
      end_time: now.getTime(),
      start_time: Date.parse(openedAt),
      compliance: { status_id: 1, status: "Pass" },
    });
  });

  it("gives every event its own uid, generated once", () => {
    const a = buildFindingEvent("opened", { finding, openedAt }, testContext(), now);
    const b = buildFindingEvent("opened", { finding, openedAt }, testContext(), now);
    expect(a.uid).toMatch(UUID_V7_PATTERN);
    expect(a.uid).not.toBe(b.uid);
    expect(a.payload.metadata.uid).toBe(a.uid);
  });

  it("maps every severity", () => {
    const ids = (["informational", "low", "medium", "high", "critical"] as const).map(
      (severity) =>
        buildFindingEvent("opened", { finding: testFinding("x", { severity }), openedAt }, context, now)
          .payload.severity_id,
    );
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("heartbeats", () => {
  const verdict: DeviceVerdict = {
    ...testFinding("h").device,
    builtIn: false,
    confidence: "strong",
    verdict: "violation",
    reason: "personal storage",
    evidence: [],
    findings: ["personal-storage"],
  };
  const input = {
    report: { compliant: false, devices: [verdict], unavailable: [] },
    openFindings: 1,
    outbox: { depth: 7, deadLetters: 1, dropped: { superseded: 2, heartbeats: 3 } },
    reason: "interval" as const,
  };

  it("is a Device Inventory Info event with posture, peripherals and outbox health", () => {
    const event = buildHeartbeat(input, testContext(), now);
    expect(event.kind).toBe("heartbeat");
    expect(event.payload).toMatchObject({
      class_uid: 5001,
      category_uid: 5,
      activity_id: 2,
      type_uid: 500102,
      device: { hostname: "laptop-42", is_compliant: false },
      unmapped: {
        eca: {
          posture: "non-compliant",
          agent_version: "0.1.0",
          peripherals: [
            {
              name: "SanDisk Ultra",
              uid: verdict.id,
              type_id: 1,
              vendor_id_list: ["0781"],
              eca: { id: verdict.id, vendor_id: "0781", verdict: "violation" },
            },
          ],
          outbox: { depth: 7, dead_letters: 1, dropped: { superseded: 2, heartbeats: 3, total: 5 } },
        },
      },
    });
  });

  it("has an inventory digest that changes with the devices and posture only", () => {
    const digest = inventoryDigest(input.report);
    expect(inventoryDigest({ ...input.report })).toBe(digest);
    expect(inventoryDigest({ ...input.report, compliant: true })).not.toBe(digest);
    expect(inventoryDigest({ ...input.report, devices: [] })).not.toBe(digest);
  });
});

describe("wire formats", () => {
  const payloads = [
    { payload: JSON.stringify({ time: 1_700_000_000_123, metadata: { uid: "u1" } }) },
    { payload: JSON.stringify({ time: 1_700_000_000_456, metadata: { uid: "u2" } }) },
  ];

  it("sends OCSF as a JSON array", () => {
    expect(JSON.parse(encodeBody(payloads, "ocsf", "h"))).toEqual(payloads.map((p) => JSON.parse(p.payload)));
  });

  it("sends Splunk HEC envelopes, one per line, time in seconds", () => {
    const lines = encodeBody(payloads, "splunk-hec", "laptop-42")
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({
      time: 1_700_000_000.123,
      host: "laptop-42",
      source: "eca",
      sourcetype: "ocsf",
      event: JSON.parse(payloads[0]?.payload ?? ""),
    });
    expect(lines).toHaveLength(2);
  });
});

describe("host identity", () => {
  it("takes the machine id when it is there", () => {
    const host = readHostIdentity(() => "0123456789ABCDEF0123456789ABCDEF\n");
    expect(host.uid).toBe("0123456789abcdef0123456789abcdef");
    expect(host.hostname.length).toBeGreaterThan(0);
  });
  it("does without it", () => {
    expect(
      readHostIdentity(() => {
        throw new Error("ENOENT");
      }).uid,
    ).toBeUndefined();
  });
});
