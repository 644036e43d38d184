// What enforcement reads, decides and does. The planner (plan.ts) is pure: the authorization view
// an actuator read, the verdicts, the policy and what eca blocked before go in; a list of actions
// comes out. Actuators (one per OS, agent/enforce/create.ts) read the view and carry the actions out.

import type { Finding, RuleId } from "../../policy/types.ts";
import type { UsbObservation } from "../../probes/types.ts";

/** Who decides USB authorization on this machine. Only when it is eca does eca write anything. */
export type Authority =
  | { inCharge: "eca" }
  | { inCharge: "usbguard"; reason: string }
  | { inCharge: "none"; reason: string };

/** One USB interface as sysfs shows it: "2-2:1.0", class "08", `authorized` when readable. */
export interface InterfaceControl {
  name: string;
  class?: string;
  /** undefined: the kernel has no interface `authorized` attribute (before Linux 4.4). */
  authorized?: boolean;
}

/** A USB device as the actuator found it: the device id and port tie it to its observation. */
export interface DeviceControl {
  deviceId: string;
  portPath: string;
  /** undefined: no `authorized` attribute could be read. */
  authorized?: boolean;
  interfaces: InterfaceControl[];
  /** What a device-level block acts on: the sysfs name on Linux (the default, [portPath]), the
   * device instance id on Windows, the disks' BSD names on macOS. */
  deviceTargets?: string[];
  /** Why this OS cannot block the device (macOS: a phone, without a system extension). */
  cannotBlock?: string;
  /** A block does not last (macOS eject): `deviceTargets` present again means it came back. */
  blockDoesNotLast?: true;
}

export interface AuthorizationView {
  authority: Authority;
  /** Per bus number: /sys/bus/usb/devices/usbN/authorized_default (0 none, 1 all, 2 internal only). */
  authorizedDefault: Record<string, number>;
  devices: DeviceControl[];
  /** Said in findings and status when the OS cannot do what a rule asks (macOS phones). */
  limits?: string[];
}

/** A device eca blocked itself: only these are ever re-authorized by eca. */
export interface BlockedDevice {
  deviceId: string;
  portPath: string;
  name: string;
  rule: RuleId;
  findingId: string;
  /** "interface": the storage interfaces; "device": the whole device. */
  level: "interface" | "device";
  /** What was written to: sysfs names (Linux), instance ids (Windows), BSD names (macOS). */
  targets: string[];
  at: string;
  /**
   * The finding as it was when eca blocked the device: a deauthorized device shows less of itself
   * (no interfaces), so its finding is held open from this rather than lost to a vaguer verdict.
   */
  finding?: Finding;
}

/** `eca unblock`: IT support released a device on the spot. */
export interface Release {
  deviceId: string;
  portPath: string;
  name: string;
  findingId?: string;
  rule?: RuleId;
  /** Who ran `eca unblock`: SUDO_USER, else the login uid's name, else the uid. */
  by: string;
  loginUid?: number;
  uid: number;
  at: string;
  /** The release ends at this time, or earlier when the device is unplugged. */
  until: string;
  targets: string[];
}

/** Everything eca remembers about enforcement, in the state directory. */
export interface EnforcementMemory {
  blocked: BlockedDevice[];
  /** Releases already reported to the central side (by `at` + deviceId). */
  reportedReleases: string[];
  /** The last result reported per finding id, so a change is reported once, restarts included. */
  results: Record<string, EnforcementOutcome["result"]>;
}

export type Action =
  | {
      do: "block";
      level: "interface" | "device";
      deviceId: string;
      portPath: string;
      name: string;
      rule: RuleId;
      findingId: string;
      targets: string[];
      /** Blocked before, and open again although eca never let it go. */
      reblock?: true;
    }
  | {
      do: "unblock";
      deviceId: string;
      portPath: string;
      name: string;
      /** Why eca lets it go: approved, exempt, the policy stopped enforcing, released by IT. */
      because: string;
      blocked: BlockedDevice;
    }
  | {
      do: "skip";
      deviceId: string;
      portPath: string;
      name: string;
      rule: RuleId;
      findingId: string;
      because: string;
      /** audit: the rule is not enforced; cannot: enforced, but eca may not or cannot block it. */
      kind: "audit" | "cannot" | "released" | "still-blocked";
    };

/** What enforcement did about one finding, for its event and for `eca status`. */
export interface EnforcementOutcome {
  findingId: string;
  deviceId: string;
  result: "blocked" | "ejected" | "could-not-block" | "audit" | "released" | "unblocked";
  detail: string;
  targets?: string[];
  /** Who released it (`eca unblock`). */
  by?: string;
}

/** What an actuator did with one action. */
export interface AppliedAction {
  action: Action;
  ok: boolean;
  /** "ejected" on macOS (the disks went, the device stays); "blocked" otherwise. */
  result?: "blocked" | "ejected";
  /** What was done, in words, when the actuator says it better than the enforcer. */
  detail?: string;
  /** Each write or command, in order, with its error if it failed. */
  steps: { target: string; write: string; error?: string }[];
}

/** One per OS, chosen by name (agent/enforce/create.ts), behind the same interface. */
export interface Actuator {
  readonly name: string;
  /** Reads who is in charge and the authorization state of the devices observed. */
  inspect(observations: UsbObservation[]): Promise<AuthorizationView>;
  /** Carries the block and unblock actions out, in order; skips are not passed. */
  apply(actions: Action[]): Promise<AppliedAction[]>;
}
