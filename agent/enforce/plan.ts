// The enforcement planner: pure. Verdicts, observations, the policy's enforcement block, the
// authorization view an actuator read, what eca blocked before and IT's releases go in; a list of
// actions comes out (block, unblock, skip and why). No I/O, no clock of its own.
//
// Guards, in order, before anything is blocked: another authority in charge (USBGuard), a rule
// only audited, a release by IT, built-in parts, hubs, HID input devices (unless the policy says
// `inputDevices: block`), the last working keyboard or pointing device, a device already not
// authorized by someone else. Only what eca blocked itself is ever re-authorized, and that
// happens first (unblocks before blocks), so an approved keyboard works before anything is cut.

import { type EnforcementSettings, isEnforced, REPORT_ONLY_RULES } from "../../policy/enforcement.ts";
import { findingId } from "../../policy/evaluate.ts";
import { type Instant, timeValue } from "../../policy/iso-time.ts";
import type { DeviceVerdict, RuleId } from "../../policy/types.ts";
import type { UsbObservation } from "../../probes/types.ts";
import type {
  Action,
  AuthorizationView,
  BlockedDevice,
  DeviceControl,
  EnforcementMemory,
  Release,
} from "./types.ts";

/** USB interface classes (usb.org "Defined Class Codes"): 03 HID, 08 Mass Storage, 09 Hub. */
const HID_CLASS = "03";
const MASS_STORAGE_CLASS = "08";
const HUB_CLASS = "09";
/** HID boot protocols (HID 1.11, section 4.3): 01 keyboard, 02 mouse. */
const BOOT_KEYBOARD = "01";
const BOOT_MOUSE = "02";

export interface PlanInput {
  devices: DeviceVerdict[];
  observations: UsbObservation[];
  settings: EnforcementSettings;
  view: AuthorizationView;
  memory: EnforcementMemory;
  releases: Release[];
  now: Instant;
  /** False when no USB source could answer: nothing is forgotten or re-authorized then. */
  usbObserved: boolean;
}

export interface Plan {
  actions: Action[];
  /** The memory after the actions succeed (the enforcer keeps only what did succeed). */
  forget: BlockedDevice[];
}

function isKeyboard(device: DeviceVerdict, observation: UsbObservation | undefined): boolean {
  return (
    device.kind === "keyboard" ||
    (observation?.interfaces ?? []).some((i) => i.class === HID_CLASS && i.protocol === BOOT_KEYBOARD)
  );
}

function isPointer(device: DeviceVerdict, observation: UsbObservation | undefined): boolean {
  return (
    device.kind === "mouse" ||
    (observation?.interfaces ?? []).some((i) => i.class === HID_CLASS && i.protocol === BOOT_MOUSE)
  );
}

function isInputDevice(device: DeviceVerdict, observation: UsbObservation | undefined): boolean {
  return (
    isKeyboard(device, observation) ||
    isPointer(device, observation) ||
    (observation?.interfaces ?? []).some((i) => i.class === HID_CLASS)
  );
}

function isHub(device: DeviceVerdict, observation: UsbObservation | undefined): boolean {
  return (
    device.kind === "hub" ||
    observation?.deviceClass?.class === HUB_CLASS ||
    observation?.isRootHub === true ||
    // A composite device with a hub in it (a keyboard's built-in hub, a dock) is a hub too.
    (observation?.interfaces ?? []).some((i) => i.class === HUB_CLASS)
  );
}

/** The rule a violation is enforced under: its first finding's. */
function violationRule(device: DeviceVerdict): RuleId | undefined {
  return device.verdict === "violation" ? device.findings[0] : undefined;
}

/** What to write 0 to: the storage interfaces of storage, the device itself for anything else. */
function blockTargets(
  device: DeviceVerdict,
  control: DeviceControl,
): { level: "interface" | "device"; targets: string[] } | { cannot: string } {
  if (device.kind === "storage") {
    const storage = control.interfaces.filter((i) => i.class === MASS_STORAGE_CLASS);
    if (storage.length > 0 && storage.every((i) => i.authorized !== undefined)) {
      const open = storage.filter((i) => i.authorized === true).map((i) => i.name);
      if (open.length === 0) return { cannot: "its storage interfaces are already not authorized" };
      return { level: "interface", targets: open.sort() };
    }
    // No mass-storage interface (an MTP player) or a kernel without interface authorization: the device.
  }
  if (control.cannotBlock) return { cannot: control.cannotBlock };
  if (control.authorized === undefined) return { cannot: "its authorized attribute could not be read" };
  if (!control.authorized)
    return { cannot: "it is already not authorized (authorized_default or another tool)" };
  const targets = control.deviceTargets ?? [control.portPath];
  if (targets.length === 0) return { cannot: "the OS gave nothing to act on for it" };
  return { level: "device", targets };
}

/**
 * What eca blocked that is open again although eca never let it go: an interface or device whose
 * `authorized` reads 1, or (macOS, where an eject does not last) a disk of the device mounted again.
 */
function reopenedTargets(blocked: BlockedDevice, control: DeviceControl): string[] {
  if (blocked.level === "interface") {
    return control.interfaces
      .filter((i) => blocked.targets.includes(i.name) && i.authorized === true)
      .map((i) => i.name);
  }
  if (control.blockDoesNotLast) return control.deviceTargets ?? [];
  // Only where the OS says per device whether it is authorized (Linux sysfs, no deviceTargets).
  if (control.deviceTargets === undefined && control.authorized === true) return [control.portPath];
  return [];
}

function sameDevice(blocked: BlockedDevice, device: { id: string; portPath?: string }): boolean {
  return blocked.deviceId === device.id && blocked.portPath === device.portPath;
}

/** Releases still in force: not past `until`. Unplugging ends one too (the enforcer drops it). */
export function activeReleases(releases: Release[], now: Instant): Release[] {
  return releases.filter((r) => Date.parse(r.until) > timeValue(now));
}

export function plan(input: PlanInput): Plan {
  const { devices, settings, view, memory, now } = input;
  const observations = new Map(input.observations.map((o) => [o.id, o]));
  const controls = new Map(view.devices.map((c) => [`${c.deviceId}@${c.portPath}`, c]));
  const releases = activeReleases(input.releases, now);
  const usbDevices = devices.filter((d) => d.bus === "usb" && d.portPath !== undefined);
  const unblocks: Action[] = [];
  const blocks: Action[] = [];
  const skips: Action[] = [];
  const forget: BlockedDevice[] = [];
  const ecaInCharge = view.authority.inCharge === "eca";

  // 1. What eca blocked before: keep, let go, or forget (unplugged).
  for (const blocked of memory.blocked) {
    const device = usbDevices.find((d) => sameDevice(blocked, d));
    if (!device) {
      // Unplugged: the kernel forgot the device's authorization with it. A replug is judged anew.
      if (input.usbObserved) forget.push(blocked);
      continue;
    }
    const release = releases.find((r) => r.deviceId === blocked.deviceId && r.portPath === blocked.portPath);
    let because: string | undefined;
    if (release) because = `released by ${release.by} with eca unblock`;
    else if (device.verdict === "approved" || device.verdict === "exempt")
      because = `now ${device.verdict}: ${device.reason}`;
    else if (!isEnforced(settings, blocked.rule)) because = `the policy no longer enforces ${blocked.rule}`;
    if (because && !ecaInCharge && !release) {
      skips.push({
        do: "skip",
        ...ids(device, blocked.rule, blocked.findingId),
        kind: "still-blocked",
        because: `${because}, but ${authorityWords(view)}: eca writes nothing; release it with eca unblock`,
      });
    } else if (because) {
      unblocks.push({
        do: "unblock",
        deviceId: device.id,
        portPath: blocked.portPath,
        name: device.name,
        because,
        blocked,
      });
    } else {
      const control = controls.get(`${blocked.deviceId}@${blocked.portPath}`);
      const reopened = ecaInCharge && control ? reopenedTargets(blocked, control) : [];
      if (reopened.length > 0) {
        // Re-authorized outside eca (echo 1 > authorized, a disk mounted again): blocked again.
        blocks.push({
          do: "block",
          level: blocked.level,
          targets: reopened,
          reblock: true,
          ...ids(device, blocked.rule, blocked.findingId),
        });
      } else {
        skips.push({
          do: "skip",
          ...ids(device, blocked.rule, blocked.findingId),
          kind: "still-blocked",
          because: `blocked by eca since ${blocked.at}`,
        });
      }
    }
  }

  // 2. Violations not blocked yet.
  const blockedIds = new Set(memory.blocked.map((b) => `${b.deviceId}@${b.portPath}`));
  const willBlock = new Set<string>();
  const candidates = devices.filter(
    (d) => violationRule(d) !== undefined && !blockedIds.has(`${d.id}@${d.portPath}`),
  );
  for (const device of candidates) {
    const rule = violationRule(device) as RuleId;
    const finding = findingId(rule, device.id);
    const observation = observations.get(device.id);
    const skip = (kind: "audit" | "cannot" | "released", because: string) =>
      skips.push({ do: "skip", ...ids(device, rule, finding), kind, because });
    if (REPORT_ONLY_RULES.has(rule)) {
      skip(
        "audit",
        "vehicles are reported only: a pairing cannot be blocked after the fact (see docs/ENFORCEMENT.md for refusing new pairings)",
      );
      continue;
    }
    if (!isEnforced(settings, rule)) {
      skip(
        "audit",
        settings.mode === "enforce" ? `the policy audits ${rule}` : "the policy's enforcement mode is audit",
      );
      continue;
    }
    if (device.bus !== "usb" || device.portPath === undefined) {
      skip("cannot", "eca blocks USB devices only; Bluetooth devices are reported");
      continue;
    }
    if (!ecaInCharge) {
      skip("cannot", `${authorityWords(view)}: eca only reports`);
      continue;
    }
    const release = releases.find((r) => r.deviceId === device.id && r.portPath === device.portPath);
    if (release) {
      skip(
        "released",
        `released by ${release.by} with eca unblock until ${release.until} or until unplugged`,
      );
      continue;
    }
    if (device.builtIn) {
      skip("cannot", "built into the laptop: eca never blocks built-in parts");
      continue;
    }
    if (isHub(device, observation)) {
      skip("cannot", "a hub: eca never blocks hubs (the devices behind it are judged on their own)");
      continue;
    }
    if (isInputDevice(device, observation) && device.kind !== "storage") {
      if (settings.inputDevices !== "block") {
        skip(
          "cannot",
          "a keyboard, pointing or other HID input device: eca never blocks these unless the policy says enforcement.inputDevices: block",
        );
        continue;
      }
      const last = lastInputGuard(
        device,
        observation,
        usbDevices,
        observations,
        controls,
        willBlock,
        blockedIds,
      );
      if (last) {
        skip("cannot", last);
        continue;
      }
    }
    const control = controls.get(`${device.id}@${device.portPath}`);
    if (!control) {
      skip("cannot", "its authorization state could not be read");
      continue;
    }
    const targets = blockTargets(device, control);
    if ("cannot" in targets) {
      skip("cannot", targets.cannot);
      continue;
    }
    willBlock.add(`${device.id}@${device.portPath}`);
    blocks.push({ do: "block", ...targets, ...ids(device, rule, finding) });
  }

  const byPort = (a: Action, b: Action) => comparePortPaths(a.portPath, b.portPath);
  return { actions: [...unblocks.sort(byPort), ...blocks.sort(byPort), ...skips.sort(byPort)], forget };
}

function ids(device: DeviceVerdict, rule: RuleId, finding: string) {
  return {
    deviceId: device.id,
    portPath: device.portPath ?? "",
    name: device.name,
    rule,
    findingId: finding,
  };
}

function authorityWords(view: AuthorizationView): string {
  const authority = view.authority;
  if (authority.inCharge === "usbguard")
    return `USBGuard is in charge of USB authorization (${authority.reason})`;
  if (authority.inCharge === "none") return authority.reason;
  return "eca";
}

/**
 * Never the last working keyboard or pointing device: another one, authorized and not about to be
 * blocked, must stay. Only USB devices are counted (a built-in PS/2 or I2C keyboard is not seen),
 * so the guard errs on the side of keeping the device.
 */
function lastInputGuard(
  device: DeviceVerdict,
  observation: UsbObservation | undefined,
  all: DeviceVerdict[],
  observations: Map<string, UsbObservation>,
  controls: Map<string, DeviceControl>,
  willBlock: Set<string>,
  blocked: Set<string>,
): string | undefined {
  const others = all.filter((d) => {
    const key = `${d.id}@${d.portPath}`;
    if (d.id === device.id || willBlock.has(key) || blocked.has(key)) return false;
    if (d.verdict === "violation") return false;
    return controls.get(key)?.authorized !== false;
  });
  const roles: [string, (d: DeviceVerdict, o: UsbObservation | undefined) => boolean][] = [
    ["keyboard", isKeyboard],
    ["pointing device", isPointer],
  ];
  for (const [role, test] of roles) {
    if (!test(device, observation)) continue;
    if (!others.some((d) => test(d, observations.get(d.id)))) {
      return `the last working USB ${role}: eca never blocks it (another one must stay)`;
    }
  }
  return undefined;
}

/**
 * Port paths in natural order ("1-2" < "1-2.3" < "1-10"): runs of digits compare as numbers, the
 * rest by code unit. Not localeCompare(…, { numeric: true }): that starts ICU's collator, about
 * 5 MB of the daemon's RSS for a sort it runs every scan (BENCHMARKS.md, Footprint).
 */
export function comparePortPaths(a: string, b: string): number {
  const runs = /\d+|\D+/g;
  const left = a.match(runs) ?? [];
  const right = b.match(runs) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    if (x === y) continue;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    if (digits) {
      const difference = Number(x) - Number(y);
      if (difference !== 0) return Math.sign(difference);
    }
    return x < y ? -1 : 1;
  }
  return Math.sign(left.length - right.length);
}
