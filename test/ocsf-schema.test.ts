// Every event eca can emit, validated against the official OCSF 1.8.0 schema (compiled by the OCSF
// project's compiler: test/fixtures/ocsf/SOURCE.json). Zero errors and no deprecation warnings for
// every rule, every severity, every device kind, the heartbeat and Peripheral Activity, with the
// host identity full or minimal and with the privacy switch on or off.

import { describe, expect, it } from "vitest";
import { buildEnforcementUpdate, OUTCOME_OCSF, withEnforcement } from "../agent/enforce/ocsf-enforcement.ts";
import type { EnforcementOutcome } from "../agent/enforce/types.ts";
import {
  buildFindingEvent,
  buildHeartbeat,
  buildPeripheralActivity,
  type EventContext,
  OCSF_VERSION,
} from "../agent/events/ocsf.ts";
import { createPseudonymiser } from "../agent/events/privacy.ts";
import { RULES } from "../policy/rules.ts";
import type { DeviceVerdict, RuleId } from "../policy/types.ts";
import type { DeviceKind } from "../probes/types.ts";
import { testContext, testFinding } from "./helpers/events.ts";
import { loadOcsfSchema, validateOcsfEvent, validateOcsfObject } from "./helpers/ocsf-validator.ts";

const schema = loadOcsfSchema(OCSF_VERSION);
const now = new Date("2026-03-01T09:05:00.000Z");
const openedAt = "2026-03-01T09:00:00.000Z";
const KINDS: DeviceKind[] = [
  "phone",
  "storage",
  "keyboard",
  "mouse",
  "security-key",
  "hub",
  "camera",
  "audio",
  "network",
  "vehicle",
  "computer",
  "charger",
  "wearable",
  "other",
];

const fullHost: EventContext["host"] = {
  hostname: "laptop-0042",
  domain: "corp.example.gov.uk",
  uid: "4c1d0e6c1f2b4a7e9d3c8b5a6f7e8d9c",
  serial: "PF3ABCDE",
  model: "ThinkPad T14 Gen 4",
  vendorName: "LENOVO",
  hardwareUuid: "81895b8d-9ef9-4ebb-b5de-b00069cf53f0",
  typeId: 3,
  owner: "jsmith",
  assetTag: "MOJ-004217",
  org: "Example Department",
  os: { name: "Linux", type: "Linux", type_id: 200, version: "6.8.0" },
};
const contexts: [string, EventContext][] = [
  [
    "minimal host",
    testContext({
      host: { hostname: "h", os: { name: "Linux", type: "Linux", type_id: 200, version: "6" } },
    }),
  ],
  [
    "full host, tenant and log name",
    testContext({ host: fullHost, tenantUid: "moj-hmpps", logName: "eca-peripherals" }),
  ],
  ["privacy on", testContext({ host: fullHost, pseudonymise: createPseudonymiser(Buffer.alloc(32, 7)) })],
  [
    "Windows",
    testContext({
      host: { ...fullHost, os: { name: "Windows_NT", type: "Windows", type_id: 100, version: "10.0.22631" } },
    }),
  ],
  [
    "macOS",
    testContext({
      host: {
        ...fullHost,
        typeId: 0,
        os: { name: "Darwin", type: "macOS", type_id: 300, version: "24.1.0" },
      },
    }),
  ],
];

function verdict(kind: DeviceKind, overrides: Partial<DeviceVerdict> = {}): DeviceVerdict {
  const bus = kind === "vehicle" || kind === "audio" ? "bluetooth" : "usb";
  return {
    ...testFinding(kind).device,
    kind,
    bus,
    ...(bus === "bluetooth"
      ? { address: "AA:BB:CC:DD:EE:01", vendorId: undefined, productId: undefined }
      : {}),
    builtIn: false,
    confidence: "strong",
    verdict: "violation",
    reason: "test",
    evidence: [],
    findings: [],
    ...overrides,
  } as DeviceVerdict;
}

function expectValid(event: unknown): void {
  const result = validateOcsfEvent(schema, event);
  expect(result, JSON.stringify(event, null, 1)).toEqual({ errors: [], warnings: [] });
}

describe(`OCSF ${OCSF_VERSION} schema conformance`, () => {
  for (const [label, context] of contexts) {
    describe(label, () => {
      it("every rule and severity, opened and resolved, validates", () => {
        for (const rule of Object.keys(RULES) as RuleId[]) {
          for (const severity of ["informational", "low", "medium", "high", "critical"] as const) {
            const finding = testFinding(`f-${rule}`, { rule, severity, title: RULES[rule].title });
            for (const change of ["opened", "resolved"] as const) {
              expectValid(buildFindingEvent(change, { finding, openedAt }, context, now).payload);
            }
          }
        }
      });

      it("every device kind validates in findings, heartbeats and Peripheral Activity", () => {
        const devices = KINDS.map((kind) => verdict(kind));
        for (const device of devices) {
          const finding = testFinding("k", { device });
          expectValid(buildFindingEvent("opened", { finding, openedAt }, context, now).payload);
          for (const change of ["connected", "disconnected"] as const) {
            expectValid(buildPeripheralActivity(change, device, context, now).payload);
          }
        }
        const heartbeat = buildHeartbeat(
          {
            report: {
              compliant: false,
              devices: [
                ...devices,
                verdict("keyboard", {
                  verdict: "approved",
                  approval: {
                    reference: "ACC-1",
                    kind: "accessibility",
                    approvedOn: "2026-01-01",
                    validUntil: "2027-01-01",
                  },
                }),
              ],
              unavailable: [{ source: "bluez-dbus", reason: "no system bus" }],
            },
            openFindings: 3,
            outbox: { depth: 1, deadLetters: 0, dropped: { superseded: 0, heartbeats: 0 } },
            reason: "change",
          },
          context,
          now,
        ).payload;
        expectValid(heartbeat);
        // The inventory's peripherals are OCSF peripheral_device objects (plus eca's own `eca` key).
        const peripherals = (heartbeat.unmapped as { eca: { peripherals: Record<string, unknown>[] } }).eca
          .peripherals;
        expect(peripherals).toHaveLength(KINDS.length + 1);
        for (const { eca: _eca, ...peripheral } of peripherals) {
          expect(validateOcsfObject(schema, "peripheral_device", peripheral)).toEqual({
            errors: [],
            warnings: [],
          });
        }
      });

      it("an empty heartbeat at start-up validates", () => {
        expectValid(
          buildHeartbeat(
            {
              report: { compliant: true, devices: [], unavailable: [] },
              openFindings: 0,
              outbox: { depth: 0, deadLetters: 0, dropped: { superseded: 0, heartbeats: 0 } },
              reason: "startup",
            },
            context,
            now,
          ).payload,
        );
      });
    });
  }
});

describe(`OCSF ${OCSF_VERSION}: what enforcement did, on finding events`, () => {
  const context = testContext({ host: fullHost });
  const finding = testFinding("f-enforce", { rule: "personal-storage", severity: "high" });
  for (const result of Object.keys(OUTCOME_OCSF) as EnforcementOutcome["result"][]) {
    it(`${result}: Create, Close and Update validate with the security_control profile`, () => {
      const outcome: EnforcementOutcome = {
        findingId: finding.id,
        deviceId: finding.device.id,
        result,
        detail: "test",
        targets: ["/sys/bus/usb/devices/1-2:1.0/authorized"],
        ...(result === "released" ? { by: "jsmith" } : {}),
      };
      for (const change of ["opened", "resolved"] as const) {
        expectValid(
          withEnforcement(buildFindingEvent(change, { finding, openedAt }, context, now), outcome).payload,
        );
      }
      expectValid(buildEnforcementUpdate({ finding, openedAt }, outcome, context, now).payload);
    });
  }
});

describe("the validator catches what the schema forbids", () => {
  const good = () =>
    structuredClone(
      buildFindingEvent("opened", { finding: testFinding("v"), openedAt }, testContext(), now).payload,
    ) as unknown as Record<string, unknown> & {
      device: { os: Record<string, unknown> };
      compliance: Record<string, unknown>;
    };

  it("os.type_id 100 with type Linux (the old swapped ids)", () => {
    const event = good();
    event.device.os.type_id = 100;
    expect(validateOcsfEvent(schema, event).errors).toEqual([
      'device.os.type: "Linux" is not the caption of type_id 100 ("Windows")',
    ]);
  });
  it("an unknown attribute outside unmapped, and a profile attribute without its profile", () => {
    const event = good();
    event.peripherals = [];
    (event.metadata as { profiles: string[] }).profiles = ["host"];
    const { errors } = validateOcsfEvent(schema, event);
    expect(errors).toContain(
      "peripherals: not an attribute of class compliance_finding (put it under unmapped)",
    );
    expect(errors.some((e) => e.startsWith("policy: belongs to profile security_control"))).toBe(true);
  });
  it("a deprecated attribute, a wrong type_uid, a missing required attribute, a bad enum id and type", () => {
    const event = good();
    event.compliance.status_detail = "x";
    event.type_uid = 200399;
    delete event.finding_info;
    event.severity_id = 7;
    event.time = "yesterday";
    const result = validateOcsfEvent(schema, event);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^compliance.status_detail: deprecated since 1.4.0/),
    ]);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        "type_uid: 200399 is not class_uid * 100 + activity_id",
        "finding_info: required by class compliance_finding, missing",
        expect.stringMatching(/^severity_id: 7 is not one of/),
        expect.stringMatching(/^time: "yesterday" is not a 64-bit integer/),
      ]),
    );
  });
  it("an older metadata.version", () => {
    const event = good();
    (event.metadata as { version: string }).version = "1.3.0";
    expect(validateOcsfEvent(schema, event).errors).toEqual([
      'metadata.version: "1.3.0", the schema is 1.8.0',
    ]);
  });
});
