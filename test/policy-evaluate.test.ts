import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../policy/default-policy.ts";
import { evaluate, findingId } from "../policy/evaluate.ts";
import { approvalValidUntil } from "../policy/match.ts";
import type { Policy } from "../policy/types.ts";
import type {
  BluetoothObservation,
  ClassifiedDevice,
  PowerObservation,
  UsbObservation,
} from "../probes/types.ts";

const now = new Date("2026-11-22T12:00:00Z");

function usb(
  kind: ClassifiedDevice["kind"],
  fields: Partial<UsbObservation> = {},
  builtIn = false,
): ClassifiedDevice {
  const observation: UsbObservation = {
    bus: "usb",
    source: "replay",
    id: `usb:${fields.vendorId ?? "0781"}:${fields.productId ?? "5581"}:${fields.serial ?? "S1"}`,
    vendorId: "0781",
    productId: "5581",
    serial: "S1",
    interfaces: [],
    portPath: "1-2",
    parents: ["usb1"],
    isRootHub: false,
    ...fields,
  };
  return { observation, kind, builtIn, confidence: "certain", evidence: [`kind ${kind}`] };
}

function bluetooth(
  kind: ClassifiedDevice["kind"],
  fields: Partial<BluetoothObservation> = {},
  confidence: ClassifiedDevice["confidence"] = "certain",
): ClassifiedDevice {
  const address = fields.address ?? "00:1E:AE:12:34:56";
  const observation: BluetoothObservation = {
    bus: "bluetooth",
    source: "replay",
    id: `bt:${address}`,
    address,
    uuids: [],
    paired: true,
    bonded: true,
    connected: false,
    ...fields,
  };
  return { observation, kind, builtIn: false, confidence, evidence: [`kind ${kind}`] };
}

function policy(changes: Partial<Policy>): Policy {
  return { ...DEFAULT_POLICY, ...changes };
}

describe("evaluate", () => {
  it("raises personal-storage for an unapproved USB stick, with a stable id", () => {
    const result = evaluate([usb("storage")], DEFAULT_POLICY, now);
    expect(result.compliant).toBe(false);
    expect(result.devices[0]?.verdict).toBe("violation");
    expect(result.findings.map((f) => f.rule)).toEqual(["personal-storage"]);
    expect(result.findings[0]?.id).toBe(findingId("personal-storage", "usb:0781:5581:S1"));
    expect(evaluate([usb("storage")], DEFAULT_POLICY, new Date()).findings[0]?.id).toBe(
      result.findings[0]?.id,
    );
  });

  it("raises phone-charging for a phone on USB, unapproved-peripheral for a paired Bluetooth phone", () => {
    const result = evaluate(
      [usb("phone", { vendorId: "18d1", productId: "4ee7" }), bluetooth("phone")],
      DEFAULT_POLICY,
      now,
    );
    expect(result.findings.map((f) => f.rule)).toEqual(["phone-charging", "unapproved-peripheral"]);
  });

  it("never flags built-in devices or hubs", () => {
    const result = evaluate(
      [usb("camera", {}, true), usb("hub", { productId: "0608" })],
      DEFAULT_POLICY,
      now,
    );
    expect(result.compliant).toBe(true);
    expect(result.devices.map((d) => d.verdict)).toEqual(["allowed", "allowed"]);
  });

  it("approves devices listed in approvedDevices, comparing hex ids without case", () => {
    const approved = policy({
      approvedDevices: [
        { match: { bus: "usb", vendorId: "046D", productId: "C31C" }, description: "IT keyboard" },
      ],
    });
    const result = evaluate([usb("keyboard", { vendorId: "046d", productId: "c31c" })], approved, now);
    expect(result.devices[0]?.verdict).toBe("approved");
    expect(result.findings).toEqual([]);
  });

  it("exempts an accessibility approval until 12 months after approvedOn, then raises approval-expired", () => {
    const approvals: Policy["approvals"] = [
      {
        reference: "SNOW-1",
        kind: "accessibility",
        approvedBy: "Line Manager",
        approvedOn: "2025-11-22",
        match: { vendorId: "046d" },
      },
    ];
    const mouse = usb("mouse", { vendorId: "046d", productId: "c52b" });
    const onLastDay = evaluate([mouse], policy({ approvals }), now);
    expect(onLastDay.devices[0]?.verdict).toBe("exempt");
    expect(onLastDay.devices[0]?.approval?.validUntil).toBe("2026-11-22");
    const dayAfter = evaluate([mouse], policy({ approvals }), new Date("2026-11-23T00:00:00Z"));
    expect(dayAfter.devices[0]?.verdict).toBe("violation");
    expect(dayAfter.findings.map((f) => f.rule)).toEqual(["approval-expired"]);
    expect(dayAfter.findings[0]?.evidence.join(" ")).toContain(
      "without it, this device breaks unapproved-peripheral",
    );
  });

  it("honours an earlier expiresOn and a shorter approvalValidityMonths", () => {
    expect(approvalValidUntil("2026-01-31", 1)).toBe("2026-02-28");
    expect(approvalValidUntil("2026-01-10", 12, "2026-06-30")).toBe("2026-06-30");
    expect(approvalValidUntil("2024-02-29", 12)).toBe("2025-02-28");
  });

  it("raises vehicle-pairing for a paired car even when the policy approves it", () => {
    const car = bluetooth("vehicle", { name: "MY VW", classOfDevice: 0x240420 });
    const approving = policy({
      approvedDevices: [{ match: { address: "00:1e:ae:12:34:56" }, description: "pool car" }],
    });
    const result = evaluate([car], approving, now);
    expect(result.findings.map((f) => f.rule)).toEqual(["vehicle-pairing"]);
    expect(result.findings[0]?.remediation).toContain("delete the laptop from the vehicle");
    expect(result.devices[0]).toMatchObject({ classOfDevice: 0x240420, paired: true, connected: false });
  });

  it("asks for review when the vehicle evidence is weak, or the device cannot be identified", () => {
    const result = evaluate(
      [
        bluetooth("vehicle", {}, "low"),
        { ...usb("other", { vendorId: undefined, productId: undefined }), confidence: "low" },
      ],
      DEFAULT_POLICY,
      now,
    );
    expect(result.devices.map((d) => d.verdict)).toEqual(["review", "review"]);
    expect(result.findings).toEqual([]);
  });

  it("ignores Bluetooth devices that are only seen nearby", () => {
    const nearby = bluetooth("phone", { paired: false, bonded: false, connected: false });
    expect(evaluate([nearby], DEFAULT_POLICY, now).devices).toEqual([]);
  });

  it("raises device-charging for a USB-C partner drawing power with nothing enumerated", () => {
    const power: PowerObservation = {
      bus: "usb",
      source: "linux-typec",
      kind: "typec-partner",
      id: "typec:port0",
      port: "port0",
      powerRole: "source",
      partnerPresent: true,
      linkedUsbPorts: ["3-1"],
    };
    const classified: ClassifiedDevice = {
      observation: power,
      kind: "other",
      builtIn: false,
      confidence: "certain",
      evidence: [],
    };
    expect(evaluate([classified], DEFAULT_POLICY, now).findings.map((f) => f.rule)).toEqual([
      "device-charging",
    ]);
    // A device enumerated on the linked port is judged itself instead.
    const stick = usb("storage", { portPath: "3-1" });
    expect(evaluate([classified, stick], DEFAULT_POLICY, now).findings.map((f) => f.rule)).toEqual([
      "personal-storage",
    ]);
  });
});
