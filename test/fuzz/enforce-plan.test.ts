// Fuzzing the enforcement planner with random laptops (kinds, verdicts, built-in parts, hubs,
// HID interfaces, authorization states, what eca blocked before, policies). Whatever the input,
// the guards hold: nothing built in, no hub and no HID input device (with inputDevices: keep) is
// ever blocked; a keyboard or pointer is blocked only while another working one stays; only what
// eca blocked is ever re-authorized; nothing is written when USBGuard is in charge; unblocks come
// before blocks; every block acts on the device's own targets.

import { expect, it } from "vitest";
import { plan } from "../../agent/enforce/plan.ts";
import type { AuthorizationView, BlockedDevice, DeviceControl } from "../../agent/enforce/types.ts";
import { enforcementSettings } from "../../policy/enforcement.ts";
import { findingId } from "../../policy/evaluate.ts";
import type { DeviceVerdict, RuleId } from "../../policy/types.ts";
import type { DeviceKind, UsbObservation } from "../../probes/types.ts";
import { forBudget, fuzzBudgetMs, seededRandom } from "./random.ts";

const KINDS: DeviceKind[] = ["phone", "storage", "keyboard", "mouse", "hub", "camera", "audio", "other"];
const VERDICTS: DeviceVerdict["verdict"][] = ["allowed", "approved", "exempt", "violation", "review"];
const RULES: RuleId[] = ["personal-storage", "phone-charging", "unapproved-peripheral", "approval-expired"];
const CLASSES: [string, string, string][] = [
  ["03", "01", "01"],
  ["03", "01", "02"],
  ["03", "00", "00"],
  ["08", "06", "50"],
  ["09", "00", "00"],
  ["ff", "ff", "00"],
  ["0e", "01", "00"],
];

it("the planner's guards hold for random laptops", async () => {
  const random = seededRandom("enforce-plan");
  const iterations = await forBudget(fuzzBudgetMs(), () => {
    const count = 1 + random.int(8);
    const devices: DeviceVerdict[] = [];
    const observations: UsbObservation[] = [];
    const controls: DeviceControl[] = [];
    for (let i = 0; i < count; i++) {
      const port = `1-${i + 1}`;
      const kind = random.pick(KINDS);
      const verdict = random.pick(VERDICTS);
      const interfaces = Array.from({ length: random.int(3) }, () => random.pick(CLASSES));
      devices.push({
        id: `usb:${port}`,
        bus: "usb",
        kind,
        name: port,
        portPath: port,
        builtIn: random.chance(0.2),
        confidence: "certain",
        verdict,
        reason: "fuzz",
        evidence: [],
        findings: verdict === "violation" ? [random.pick(RULES)] : [],
      });
      observations.push({
        bus: "usb",
        source: "replay",
        id: `usb:${port}`,
        portPath: port,
        parents: [],
        isRootHub: false,
        interfaces: interfaces.map(([c, s, p]) => ({ class: c, subclass: s, protocol: p })),
      });
      const flag = () => (random.chance(0.1) ? undefined : random.chance(0.85));
      const authorized = flag();
      controls.push({
        deviceId: `usb:${port}`,
        portPath: port,
        ...(authorized === undefined ? {} : { authorized }),
        interfaces: interfaces.map(([c], n) => {
          const a = flag();
          return { name: `${port}:1.${n}`, class: c, ...(a === undefined ? {} : { authorized: a }) };
        }),
      });
    }
    const blocked: BlockedDevice[] = devices
      .filter(() => random.chance(0.2))
      .map((d) => ({
        deviceId: d.id,
        portPath: d.portPath ?? "",
        name: d.name,
        rule: random.pick(RULES),
        findingId: findingId("personal-storage", d.id),
        level: "device",
        targets: [d.portPath ?? ""],
        at: "2026-12-01T00:00:00Z",
      }));
    const usbguard = random.chance(0.15);
    const view: AuthorizationView = {
      authority: usbguard ? { inCharge: "usbguard", reason: "fuzz" } : { inCharge: "eca" },
      authorizedDefault: {},
      devices: controls,
    };
    const inputDevices = random.chance(0.5) ? "block" : "keep";
    const settings = enforcementSettings({
      enforcement: {
        mode: random.chance(0.8) ? "enforce" : "audit",
        rules: Object.fromEntries(RULES.map((r) => [r, random.chance(0.7) ? "enforce" : "audit"])),
        inputDevices,
      },
    });
    const { actions } = plan({
      devices,
      observations,
      settings,
      view,
      memory: { blocked, reportedReleases: [], results: {} },
      releases: [],
      now: new Date("2026-12-01T10:00:00Z"),
      usbObserved: true,
    });
    const byId = new Map(devices.map((d) => [d.id, d]));
    const observed = new Map(observations.map((o) => [o.id, o]));
    const writes = actions.filter((a) => a.do !== "skip");
    if (usbguard) expect(writes).toEqual([]);
    const kinds = writes.map((a) => a.do);
    expect(kinds).toEqual([...kinds].sort((a, b) => (a === b ? 0 : a === "unblock" ? -1 : 1)));
    const blockedNow = new Set(writes.filter((a) => a.do === "block").map((a) => a.deviceId));
    for (const action of writes) {
      const device = byId.get(action.deviceId) as DeviceVerdict;
      const hid = (observed.get(action.deviceId)?.interfaces ?? []).some((i) => i.class === "03");
      if (action.do === "unblock") {
        expect(blocked.map((b) => b.deviceId)).toContain(action.deviceId);
        continue;
      }
      if (blocked.some((b) => b.deviceId === action.deviceId)) continue; // a re-block of its own
      expect(device.verdict).toBe("violation");
      expect(device.builtIn).toBe(false);
      expect(device.kind).not.toBe("hub");
      expect(observed.get(action.deviceId)?.interfaces.some((i) => i.class === "09")).toBe(false);
      if (device.kind !== "storage" && (hid || device.kind === "keyboard" || device.kind === "mouse")) {
        expect(inputDevices).toBe("block");
        const keyboard = (d: DeviceVerdict) =>
          d.kind === "keyboard" ||
          (observed.get(d.id)?.interfaces ?? []).some((i) => i.class === "03" && i.protocol === "01");
        if (keyboard(device)) {
          const others = devices.filter(
            (d) =>
              d.id !== device.id &&
              keyboard(d) &&
              d.verdict !== "violation" &&
              !blockedNow.has(d.id) &&
              !blocked.some((b) => b.deviceId === d.id) &&
              controls.find((c) => c.deviceId === d.id)?.authorized !== false,
          );
          expect(others.length).toBeGreaterThan(0);
        }
      }
      const control = controls.find((c) => c.deviceId === action.deviceId) as DeviceControl;
      const own = [control.portPath, ...control.interfaces.map((i) => i.name)];
      for (const target of action.targets) expect(own).toContain(target);
    }
  });
  expect(iterations).toBeGreaterThan(100);
});
