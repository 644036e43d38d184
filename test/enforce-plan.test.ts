// The enforcement planner alone (pure): guards, approvals, releases and the order of actions.

import { describe, expect, it } from "vitest";
import { plan } from "../agent/enforce/plan.ts";
import type { AuthorizationView, BlockedDevice, DeviceControl, Release } from "../agent/enforce/types.ts";
import { enforcementSettings } from "../policy/enforcement.ts";
import { findingId } from "../policy/evaluate.ts";
import type { DeviceVerdict, RuleId } from "../policy/types.ts";
import type { UsbObservation } from "../probes/types.ts";

const now = new Date("2026-12-01T10:00:00Z");
const enforceAll = enforcementSettings({
  enforcement: {
    mode: "enforce",
    rules: { "personal-storage": "enforce", "phone-charging": "enforce", "unapproved-peripheral": "enforce" },
    inputDevices: "block",
  },
});

interface Device {
  port: string;
  kind: DeviceVerdict["kind"];
  verdict?: DeviceVerdict["verdict"];
  rule?: RuleId;
  builtIn?: boolean;
  interfaces?: [string, string, string][];
  bus?: "usb" | "bluetooth";
}

function setup(devices: Device[]) {
  const verdicts: DeviceVerdict[] = devices.map((d) => ({
    id: `usb:${d.port}`,
    bus: d.bus ?? "usb",
    kind: d.kind,
    name: `${d.kind} at ${d.port}`,
    portPath: d.port,
    builtIn: d.builtIn ?? false,
    confidence: "certain",
    verdict: d.verdict ?? (d.rule ? "violation" : "allowed"),
    reason: "test",
    evidence: [],
    findings: d.rule ? [d.rule] : [],
  }));
  const observations: UsbObservation[] = devices.map((d) => ({
    bus: "usb",
    source: "replay",
    id: `usb:${d.port}`,
    portPath: d.port,
    parents: [],
    isRootHub: false,
    interfaces: (d.interfaces ?? []).map(([c, s, p]) => ({ class: c, subclass: s, protocol: p })),
  }));
  const controls: DeviceControl[] = devices.map((d) => ({
    deviceId: `usb:${d.port}`,
    portPath: d.port,
    authorized: true,
    interfaces: (d.interfaces ?? []).map(([c], i) => ({
      name: `${d.port}:1.${i}`,
      class: c,
      authorized: true,
    })),
  }));
  const view: AuthorizationView = {
    authority: { inCharge: "eca" },
    authorizedDefault: { "1": 1 },
    devices: controls,
  };
  return { devices: verdicts, observations, view };
}

const KEYBOARD: [string, string, string] = ["03", "01", "01"];
const MOUSE: [string, string, string] = ["03", "01", "02"];
const STORAGE: [string, string, string] = ["08", "06", "50"];

function run(devices: Device[], extra: { blocked?: BlockedDevice[]; releases?: Release[] } = {}) {
  return plan({
    ...setup(devices),
    settings: enforceAll,
    memory: { blocked: extra.blocked ?? [], reportedReleases: [], results: {} },
    releases: extra.releases ?? [],
    now,
    usbObserved: true,
  });
}

describe("enforcement planner", () => {
  it("blocks storage by its mass-storage interfaces only (a stick with a HID interface keeps it)", () => {
    const { actions } = run([
      { port: "1-2", kind: "storage", rule: "personal-storage", interfaces: [MOUSE, STORAGE] },
    ]);
    expect(actions).toMatchObject([{ do: "block", level: "interface", targets: ["1-2:1.1"] }]);
  });

  it("never blocks built-in parts or hubs, even when judged a violation", () => {
    const { actions } = run([
      { port: "1-8", kind: "camera", rule: "unapproved-peripheral", builtIn: true },
      { port: "1-3", kind: "hub", rule: "unapproved-peripheral", interfaces: [["09", "00", "00"]] },
    ]);
    expect(actions.map((a) => a.do)).toEqual(["skip", "skip"]);
    expect(actions.map((a) => (a.do === "skip" ? a.because : ""))).toEqual([
      expect.stringMatching(/a hub/),
      expect.stringMatching(/built into the laptop/),
    ]);
  });

  it("regression (found by test/fuzz/enforce-plan): a device with a hub interface but no hub class or kind is a hub, never blocked", () => {
    const { actions } = run([
      {
        port: "1-5",
        kind: "audio",
        rule: "unapproved-peripheral",
        interfaces: [
          ["09", "00", "00"],
          ["01", "01", "00"],
        ],
      },
    ]);
    expect(actions).toMatchObject([{ do: "skip", because: expect.stringMatching(/a hub/) }]);
  });

  it("blocks an unapproved keyboard only when another working USB keyboard stays (last-keyboard guard)", () => {
    const alone = run([
      { port: "1-2", kind: "keyboard", rule: "unapproved-peripheral", interfaces: [KEYBOARD] },
    ]);
    expect(alone.actions[0]).toMatchObject({
      do: "skip",
      because: expect.stringMatching(/last working USB keyboard/),
    });
    const withAnother = run([
      { port: "1-2", kind: "keyboard", rule: "unapproved-peripheral", interfaces: [KEYBOARD] },
      { port: "1-3", kind: "keyboard", verdict: "approved", interfaces: [KEYBOARD] },
    ]);
    expect(withAnother.actions[0]).toMatchObject({ do: "block", level: "device", targets: ["1-2"] });
  });

  it("two unapproved keyboards: one is blocked, the other is kept as the last one", () => {
    const { actions } = run([
      { port: "1-2", kind: "keyboard", rule: "unapproved-peripheral", interfaces: [KEYBOARD] },
      { port: "1-3", kind: "keyboard", rule: "unapproved-peripheral", interfaces: [KEYBOARD] },
    ]);
    // Neither counts as "another working keyboard": a violation may be blocked itself.
    expect(actions.every((a) => a.do === "skip")).toBe(true);
  });

  it("never the last pointing device: a keyboard with TrackPoint stays when no other pointer does", () => {
    const { actions } = run([
      { port: "1-2", kind: "keyboard", rule: "unapproved-peripheral", interfaces: [KEYBOARD, MOUSE] },
      { port: "1-3", kind: "keyboard", verdict: "approved", interfaces: [KEYBOARD] },
    ]);
    expect(actions[0]).toMatchObject({
      do: "skip",
      because: expect.stringMatching(/last working USB pointing device/),
    });
  });

  it("keyboards and mice are kept unless inputDevices: block", () => {
    const { actions } = plan({
      ...setup([
        { port: "1-2", kind: "mouse", rule: "unapproved-peripheral", interfaces: [MOUSE] },
        { port: "1-3", kind: "mouse", verdict: "approved", interfaces: [MOUSE] },
      ]),
      settings: { ...enforceAll, inputDevices: "keep" },
      memory: { blocked: [], reportedReleases: [], results: {} },
      releases: [],
      now,
      usbObserved: true,
    });
    expect(actions[0]).toMatchObject({ do: "skip", because: expect.stringMatching(/HID input device/) });
  });

  it("vehicles are reported only, and Bluetooth devices are not blocked", () => {
    const { actions } = run([
      { port: "bt1", kind: "vehicle", rule: "vehicle-pairing", bus: "bluetooth" },
      { port: "bt2", kind: "keyboard", rule: "unapproved-peripheral", bus: "bluetooth" },
    ]);
    expect(actions).toMatchObject([
      { do: "skip", kind: "audit", because: expect.stringMatching(/vehicles are reported only/) },
      { do: "skip", kind: "cannot", because: expect.stringMatching(/USB devices only/) },
    ]);
  });

  const blockedStick: BlockedDevice = {
    deviceId: "usb:2-2",
    portPath: "2-2",
    name: "stick",
    rule: "personal-storage",
    findingId: findingId("personal-storage", "usb:2-2"),
    level: "interface",
    targets: ["2-2:1.0"],
    at: "2026-12-01T09:00:00Z",
  };

  it("a device eca blocked is re-authorized first when approved, before any new block", () => {
    const { actions } = run(
      [
        { port: "1-1", kind: "phone", rule: "phone-charging" },
        { port: "2-2", kind: "storage", verdict: "approved", interfaces: [STORAGE] },
      ],
      { blocked: [blockedStick] },
    );
    expect(actions.map((a) => `${a.do}:${a.portPath}`)).toEqual(["unblock:2-2", "block:1-1"]);
  });

  it("a blocked device that now looks vaguer (its interfaces went with its authorization) stays blocked", () => {
    const { actions } = run([{ port: "2-2", kind: "other", verdict: "review" }], { blocked: [blockedStick] });
    expect(actions).toMatchObject([{ do: "skip", kind: "still-blocked" }]);
  });

  it("an unplugged blocked device is forgotten; a replug is judged anew", () => {
    const { actions, forget } = run([], { blocked: [blockedStick] });
    expect(actions).toEqual([]);
    expect(forget).toEqual([blockedStick]);
  });

  it("a release by eca unblock lets the device go and keeps it unblocked while it lasts", () => {
    const release: Release = {
      deviceId: "usb:2-2",
      portPath: "2-2",
      name: "stick",
      by: "alice",
      uid: 0,
      at: "2026-12-01T09:30:00Z",
      until: "2026-12-01T17:30:00Z",
      targets: ["2-2:1.0"],
    };
    const stick: Device = { port: "2-2", kind: "storage", rule: "personal-storage", interfaces: [STORAGE] };
    expect(run([stick], { blocked: [blockedStick], releases: [release] }).actions).toMatchObject([
      { do: "unblock", because: "released by alice with eca unblock" },
    ]);
    expect(run([stick], { releases: [release] }).actions).toMatchObject([{ do: "skip", kind: "released" }]);
    const expired = { ...release, until: "2026-12-01T09:59:00Z" };
    expect(run([stick], { releases: [expired] }).actions).toMatchObject([{ do: "block" }]);
  });
});
