// Table tests for every decision evaluation makes about scoped approvals, expiring approvals and
// the policy in force: the verdict, the findings, and the deciding entry recorded for explain.

import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../policy/default-policy.ts";
import { evaluate, hostMatches } from "../policy/evaluate.ts";
import type { Approval, EvaluationContext, HostFacts, Policy } from "../policy/types.ts";
import type { ClassifiedDevice, UsbObservation } from "../probes/types.ts";

const now = new Date("2026-11-22T12:00:00Z");
const here: HostFacts = {
  hostname: "laptop-7",
  serial: "PF3ABCDE",
  machineId: "0123456789abcdef0123456789abcdef",
};

function keyboard(fields: Partial<UsbObservation> = {}): ClassifiedDevice {
  const observation: UsbObservation = {
    bus: "usb",
    source: "replay",
    id: "usb:046d:c52b:K1",
    vendorId: "046d",
    productId: "c52b",
    serial: "K1",
    interfaces: [],
    portPath: "1-2",
    parents: ["usb1"],
    isRootHub: false,
    ...fields,
  };
  return {
    observation,
    kind: "keyboard",
    builtIn: false,
    confidence: "certain",
    evidence: ["kind keyboard"],
  };
}

function approval(changes: Partial<Approval> = {}): Approval {
  return {
    reference: "SNOW-1",
    kind: "accessibility",
    for: "Sam Jones",
    approvedBy: "Jane Smith",
    approvedOn: "2026-06-01",
    match: { vendorId: "046D", productId: "c52b" },
    ...changes,
  };
}

function judge(
  approvals: Approval[],
  context: EvaluationContext = { host: here },
  extra: Partial<Policy> = {},
) {
  const result = evaluate([keyboard()], { ...DEFAULT_POLICY, approvals, ...extra }, now, context);
  const device = result.devices[0];
  if (!device) throw new Error("no verdict");
  return { result, device };
}

describe("approvals scoped to hosts", () => {
  const cases: {
    name: string;
    hosts: Approval["hosts"];
    host?: HostFacts;
    verdict: string;
    findings: string[];
  }[] = [
    { name: "no hosts: applies on any laptop", hosts: undefined, verdict: "exempt", findings: [] },
    { name: "this laptop's serial", hosts: [{ serial: "PF3ABCDE" }], verdict: "exempt", findings: [] },
    {
      name: "this laptop's hostname, any case",
      hosts: [{ hostname: "LAPTOP-7" }],
      verdict: "exempt",
      findings: [],
    },
    {
      name: "this laptop's machine id, any case",
      hosts: [{ machineId: "0123456789ABCDEF0123456789ABCDEF" }],
      verdict: "exempt",
      findings: [],
    },
    {
      name: "one of several laptops",
      hosts: [{ serial: "OTHER" }, { hostname: "laptop-7" }],
      verdict: "exempt",
      findings: [],
    },
    {
      name: "every field of one entry must match",
      hosts: [{ hostname: "laptop-7", serial: "OTHER" }],
      verdict: "violation",
      findings: ["unapproved-peripheral"],
    },
    {
      name: "another laptop's serial",
      hosts: [{ serial: "OTHER" }],
      verdict: "violation",
      findings: ["unapproved-peripheral"],
    },
    {
      name: "serial wanted, this laptop's unknown",
      hosts: [{ serial: "PF3ABCDE" }],
      host: { hostname: "laptop-7" },
      verdict: "violation",
      findings: ["unapproved-peripheral"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { device } = judge([approval(c.hosts ? { hosts: c.hosts } : {})], { host: c.host ?? here });
      expect(device.verdict).toBe(c.verdict);
      expect(device.findings).toEqual(c.findings);
    });
  }

  it("with no host identity at all, a scoped approval never applies", () => {
    const { device } = judge([approval({ hosts: [{ serial: "PF3ABCDE" }] })], {});
    expect(device.verdict).toBe("violation");
  });

  it("an approval for another laptop says so in the reason, the evidence and the decision", () => {
    const { device, result } = judge([approval({ hosts: [{ serial: "OTHER" }] })]);
    expect(device.reason).toBe(
      "Peripheral not supplied or approved by the organisation: approval SNOW-1 is for another laptop and does not apply here.",
    );
    expect(result.findings[0]?.evidence).toContain(
      "approval SNOW-1 (for Sam Jones) matches this device but is granted for another laptop (serial OTHER), not this one (hostname laptop-7, serial PF3ABCDE, machineId 0123456789abcdef0123456789abcdef)",
    );
    expect(device.decision).toMatchObject({
      by: "built-in: unapproved-peripheral",
      elsewhere: [
        { entry: "approvals[0]", reference: "SNOW-1", for: "Sam Jones", hosts: [{ serial: "OTHER" }] },
      ],
    });
    expect(device.decision?.toComply).toContain("adds this laptop to its hosts");
  });

  it("the approval here decides even when another laptop's approval matches too", () => {
    const { device } = judge([
      approval({ reference: "SNOW-9", hosts: [{ serial: "OTHER" }] }),
      approval({ hosts: [{ serial: "PF3ABCDE" }] }),
    ]);
    expect(device.verdict).toBe("exempt");
    expect(device.decision?.by).toBe("approvals[1]");
    expect(device.decision?.elsewhere?.map((e) => e.reference)).toEqual(["SNOW-9"]);
  });

  it("hostMatches: an entry naming nothing matches no laptop", () => {
    expect(hostMatches({}, here)).toBe(false);
  });
});

describe("approval-expiring", () => {
  // approvedOn + 12 months is the last valid day; now is 2026-11-22.
  const cases: {
    name: string;
    approvedOn?: string;
    expiresOn?: string;
    days?: number;
    findings: string[];
  }[] = [
    { name: "31 days left: no warning", expiresOn: "2026-12-23", findings: [] },
    { name: "30 days left: warned", expiresOn: "2026-12-22", findings: ["approval-expiring"] },
    { name: "last day today: warned", expiresOn: "2026-11-22", findings: ["approval-expiring"] },
    {
      name: "lapsed yesterday: approval-expired instead",
      expiresOn: "2026-11-21",
      findings: ["approval-expired"],
    },
    { name: "12-month limit within the window", approvedOn: "2025-12-10", findings: ["approval-expiring"] },
    {
      name: "configured 60 days: warned at 45",
      expiresOn: "2027-01-06",
      days: 60,
      findings: ["approval-expiring"],
    },
    {
      name: "configured 0 days: warned only on the last day",
      expiresOn: "2026-11-23",
      days: 0,
      findings: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { device, result } = judge(
        [
          approval({
            ...(c.approvedOn ? { approvedOn: c.approvedOn } : {}),
            ...(c.expiresOn ? { expiresOn: c.expiresOn } : {}),
          }),
        ],
        { host: here, ...(c.days !== undefined ? { expiringDays: c.days } : {}) },
      );
      expect(result.findings.map((f) => f.rule)).toEqual(c.findings);
      expect(device.findings).toEqual(c.findings);
    });
  }

  it("is a low-severity warning: the device stays exempt and the laptop compliant", () => {
    const { device, result } = judge([approval({ expiresOn: "2026-12-10" })]);
    expect(device.verdict).toBe("exempt");
    expect(result.compliant).toBe(true);
    expect(result.findings[0]).toMatchObject({ rule: "approval-expiring", severity: "low" });
    expect(result.findings[0]?.evidence[0]).toBe(
      "approval SNOW-1 (accessibility) approved on 2026-06-01, valid until 2026-12-10: 18 day(s) left",
    );
    expect(device.decision?.toComply).toBe(
      "renew approval SNOW-1 before 2026-12-10: ask the Line Manager for a fresh approval",
    );
  });

  it("has the same finding id on every scan, so the outbox sends it once", () => {
    const a = judge([approval({ expiresOn: "2026-12-10" })]).result.findings[0]?.id;
    const b = judge([approval({ expiresOn: "2026-12-10" })]).result.findings[0]?.id;
    expect(a).toBe(b);
  });
});

describe("the deciding entry", () => {
  it("approvedDevices: the entry and its match", () => {
    const { device } = judge(
      [],
      { host: here },
      {
        approvedDevices: [{ match: { vendorId: "046d" }, description: "IT keyboard" }],
      },
    );
    expect(device.decision).toEqual({ by: "approvedDevices[0]", matched: { vendorId: "046d" } });
  });

  it("an approval: reference, approver, dates, person and hosts", () => {
    const { device } = judge([approval({ hosts: [{ serial: "PF3ABCDE" }] })]);
    expect(device.decision).toEqual({
      by: "approvals[0]",
      matched: { vendorId: "046D", productId: "c52b" },
      approval: {
        reference: "SNOW-1",
        kind: "accessibility",
        approvedBy: "Jane Smith",
        approvedOn: "2026-06-01",
        validUntil: "2027-06-01",
        for: "Sam Jones",
        hosts: [{ serial: "PF3ABCDE" }],
      },
    });
  });

  it("an expired approval: what renewing means", () => {
    const { device } = judge([approval({ approvedOn: "2025-01-01" })]);
    expect(device.decision?.by).toBe("approvals[0]");
    expect(device.decision?.toComply).toContain("renew approval SNOW-1");
  });

  it("no entry: the built-in rule and its remediation", () => {
    const { device } = judge([]);
    expect(device.decision?.by).toBe("built-in: unapproved-peripheral");
    expect(device.decision?.toComply).toContain("Disconnect (or unpair) the peripheral");
  });
});

describe("policy-untrusted", () => {
  it("a policy problem is a finding about the laptop, with its own stable id", () => {
    const a = evaluate([], DEFAULT_POLICY, now, { policyProblem: "x refused: it is not signed" });
    const b = evaluate([], DEFAULT_POLICY, now, { policyProblem: "x refused: something else" });
    expect(a.findings).toHaveLength(1);
    expect(a.findings[0]).toMatchObject({
      rule: "policy-untrusted",
      severity: "high",
      evidence: ["x refused: it is not signed"],
      device: { id: "host:policy", bus: "host", kind: "computer" },
    });
    expect(a.findings[0]?.id).toBe(b.findings[0]?.id);
    expect(a.compliant).toBe(false);
  });

  it("no problem, no finding", () => {
    expect(evaluate([], DEFAULT_POLICY, now, {}).findings).toEqual([]);
  });
});
