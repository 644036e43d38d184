// docs/EVENTS.md shows real events: the examples between <!-- example:NAME --> markers are made
// here by eca's own builders and wire encoders, validated against the OCSF schema, and compared
// with the document. After changing the events, regenerate them with
//   UPDATE_EVENTS_DOC=1 npx vitest run test/ocsf-docs.test.ts

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hecEnvelope } from "../agent/delivery/splunk-hec.ts";
import { formatSyslogMessage } from "../agent/delivery/syslog-sink.ts";
import {
  buildFindingEvent,
  buildHeartbeat,
  buildPeripheralActivity,
  type EventContext,
} from "../agent/events/ocsf.ts";
import { createPseudonymiser } from "../agent/events/privacy.ts";
import { RULES } from "../policy/rules.ts";
import type { DeviceVerdict, Finding } from "../policy/types.ts";
import { loadOcsfSchema, validateOcsfEvent } from "./helpers/ocsf-validator.ts";

const DOC = new URL("../docs/EVENTS.md", import.meta.url);
const opened = new Date("2026-03-02T09:14:03.120Z");
const resolved = new Date("2026-03-02T09:36:30.007Z");
const uids = [
  "019cade4-4a10-7b2a-9c3d-4e5f60718293",
  "019cadf8-e0f7-7c44-8a10-2b3c4d5e6f70",
  "019cade8-8400-7d01-b2c3-d4e5f6071829",
  "019cade4-4a12-7e55-a1b2-c3d4e5f60718",
];

function context(uid: string, overrides: Partial<EventContext> = {}): EventContext {
  return {
    agentVersion: "0.1.0",
    vendorName: "Example Department",
    tenantUid: "example-dept",
    logName: "eca",
    standards: ["MoJ Personal devices guidance", "MoJ Security Guidance for Using a Personal Device"],
    policy: {
      id: "peripherals-2026",
      version: "3",
      digest: "9f2c4e1d8b7a60553e2f1c0d9b8a7f6e5d4c3b2a19080706f5e4d3c2b1a09f8e",
      source: "/etc/eca/policy.yaml",
    },
    host: {
      hostname: "laptop-0042",
      domain: "corp.example.gov.uk",
      uid: "4c1d0e6c1f2b4a7e9d3c8b5a6f7e8d9c",
      serial: "PF3ABCDE",
      model: "21HD",
      vendorName: "LENOVO",
      hardwareUuid: "5e0b1c2a-3d4f-4a6b-8c7d-9e0f1a2b3c4d",
      typeId: 3,
      owner: "jsmith",
      assetTag: "EX-004217",
      os: { name: "Linux", type: "Linux", type_id: 200, version: "6.8.0-45-generic" },
    },
    newUid: () => uid,
    ...overrides,
  };
}

const storage: Finding = {
  id: "5d2c8a1e9b0f4c3d8e7f6a5b4c3d2e1f",
  rule: "personal-storage",
  severity: RULES["personal-storage"].severity,
  title: RULES["personal-storage"].title,
  statement: RULES["personal-storage"].statement,
  remediation: RULES["personal-storage"].remediation,
  evidence: ["USB mass storage interface (class 08, subclass 06)", "not listed in approvedDevices"],
  device: {
    id: "0781:5581:4C530001230918115293",
    bus: "usb",
    kind: "storage",
    name: "SanDisk Ultra",
    vendorId: "0781",
    productId: "5581",
    serial: "4C530001230918115293",
    portPath: "1-2",
  },
};
const storageVerdict: DeviceVerdict = {
  ...storage.device,
  builtIn: false,
  confidence: "strong",
  verdict: "violation",
  reason: "personal storage",
  evidence: storage.evidence,
  findings: ["personal-storage"],
};
const keyboard: DeviceVerdict = {
  id: "bt:AA:BB:CC:DD:EE:01",
  bus: "bluetooth",
  kind: "keyboard",
  name: "Work keyboard",
  address: "AA:BB:CC:DD:EE:01",
  builtIn: false,
  confidence: "certain",
  verdict: "approved",
  reason: "approved",
  evidence: [],
  findings: [],
  approval: {
    reference: "ACC-2026-014",
    kind: "accessibility",
    approvedOn: "2026-01-12",
    validUntil: "2027-01-12",
  },
};

function examples(): Record<string, string> {
  const open = { finding: storage, openedAt: opened.toISOString() };
  const events = {
    "finding-opened": buildFindingEvent("opened", open, context(uids[0] as string), opened).payload,
    "finding-resolved": buildFindingEvent("resolved", open, context(uids[1] as string), resolved).payload,
    heartbeat: buildHeartbeat(
      {
        report: { compliant: false, devices: [storageVerdict, keyboard], unavailable: [] },
        openFindings: 1,
        outbox: { depth: 0, deadLetters: 0, dropped: { superseded: 0, heartbeats: 0 } },
        reason: "interval",
        statusChannel: { served: true, authenticated: false },
      },
      context(uids[2] as string),
      new Date("2026-03-02T09:20:00.000Z"),
    ).payload,
    "peripheral-connect": buildPeripheralActivity(
      "connected",
      storageVerdict,
      context(uids[3] as string),
      opened,
    ).payload,
  };
  const privacy = buildFindingEvent(
    "opened",
    open,
    context(uids[0] as string, {
      pseudonymise: createPseudonymiser(Buffer.from("example fleet key, not a real one")),
    }),
    opened,
  ).payload;
  const schema = loadOcsfSchema();
  for (const [name, event] of Object.entries({ ...events, privacy })) {
    expect(validateOcsfEvent(schema, event), name).toEqual({ errors: [], warnings: [] });
  }
  const json = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
  const finding = JSON.stringify(events["finding-opened"]);
  const heartbeat = JSON.stringify(events.heartbeat);
  return {
    ...Object.fromEntries(Object.entries(events).map(([name, event]) => [name, json(event)])),
    privacy: json({
      resources: privacy.resources,
      compliance: { status_details: (privacy.compliance as { status_details: unknown }).status_details },
    }),
    hec: `\`\`\`\n${hecEnvelope(finding, "laptop-0042", { index: "security" }).replace(finding, "{…finding opened…}")}\n${hecEnvelope(heartbeat, "laptop-0042", { index: "security" }).replace(heartbeat, "{…heartbeat…}")}\n\`\`\``,
    syslog: `\`\`\`\n${(formatSyslogMessage(finding, {}, "laptop-0042", "812") ?? "").replace(finding, "{…finding opened…}")}\n\`\`\``,
  };
}

describe("docs/EVENTS.md", () => {
  it("shows the events eca makes today (regenerate: UPDATE_EVENTS_DOC=1)", () => {
    let text = readFileSync(DOC, "utf8");
    for (const [name, block] of Object.entries(examples())) {
      const pattern = new RegExp(`(<!-- example:${name} -->\\n)[\\s\\S]*?(<!-- /example -->)`);
      expect(pattern.test(text), `docs/EVENTS.md has <!-- example:${name} --> … <!-- /example -->`).toBe(
        true,
      );
      text = text.replace(pattern, (_m, start: string, end: string) => `${start}${block}\n${end}`);
    }
    if (process.env.UPDATE_EVENTS_DOC === "1") writeFileSync(DOC, text);
    expect(readFileSync(DOC, "utf8")).toBe(text);
  });
});
