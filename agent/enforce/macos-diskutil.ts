// The macOS actuator. Without a system extension (Endpoint Security, DriverKit) an agent cannot
// stop a USB device from enumerating, so for personal storage eca unmounts and ejects its disks as
// soon as they appear: `diskutil eject /dev/diskN` (diskutil(8): "eject: unmount and eject the
// disk"), from the BSD names the macOS probe reports for the device (system_profiler `bsd_name`).
// A phone cannot be blocked at all: the finding says so plainly. Nothing is re-enabled: an
// ejected stick mounts again when it is unplugged and plugged back in.

import type { UsbObservation } from "../../probes/types.ts";
import { type ActuatorOptions, type CommandRunner, execFileRunner } from "./create.ts";
import type { Action, Actuator, AppliedAction, DeviceControl } from "./types.ts";

const BSD_NAME = /^disk\d+$/;

export const MACOS_LIMIT =
  "macOS cannot block a USB device without a system extension: a phone still charges and can connect (unplug it); storage is ejected as soon as a disk of it mounts";

/** The diskutil commands an action runs, in order (what the snapshot tests hold). */
export function macosCommands(action: Action): { command: string; args: string[] }[] {
  if (action.do !== "block") return [];
  return action.targets
    .filter((t) => BSD_NAME.test(t))
    .map((t) => ({ command: "diskutil", args: ["eject", `/dev/${t}`] }));
}

/**
 * BSD names per device id, from the macOS probe: its observations' `bsdNames` field when it has one,
 * else the "system_profiler: disk4, disk5 on it" fact it writes into kindHints.
 */
export function bsdNamesOf(observation: { bsdNames?: string[]; kindHints?: { fact: string }[] }): string[] {
  if (observation.bsdNames) return observation.bsdNames.filter((n) => BSD_NAME.test(n));
  const fact = observation.kindHints
    ?.map((h) => /system_profiler: ([\w, ]+) on it/.exec(h.fact)?.[1])
    .find(Boolean);
  return (fact ?? "")
    .split(/,\s*/)
    .map((n) => n.trim())
    .filter((n) => BSD_NAME.test(n));
}

export function createMacosDiskutilActuator(options: ActuatorOptions): Actuator {
  const run: CommandRunner = options.run ?? execFileRunner;
  return {
    name: "macos-diskutil",
    async inspect(devices) {
      const controls: DeviceControl[] = devices.map((d) => {
        const disks = bsdNamesOf(
          d as UsbObservation & { bsdNames?: string[]; kindHints?: { fact: string }[] },
        );
        return {
          deviceId: d.id,
          portPath: d.portPath,
          authorized: true,
          interfaces: [],
          blockDoesNotLast: true as const,
          ...(disks.length > 0 ? { deviceTargets: disks } : { cannotBlock: MACOS_LIMIT }),
        };
      });
      return {
        authority: { inCharge: "eca" },
        authorizedDefault: {},
        devices: controls,
        limits: [MACOS_LIMIT],
      };
    },
    async apply(actions) {
      const applied: AppliedAction[] = [];
      for (const action of actions) {
        if (action.do === "unblock") {
          applied.push({
            action,
            ok: true,
            detail: "nothing to undo: unplug it and plug it back in to mount it",
            steps: [],
          });
          continue;
        }
        const steps: AppliedAction["steps"] = [];
        for (const step of macosCommands(action)) {
          const result = await run(step.command, step.args);
          const line = [step.command, ...step.args].join(" ");
          steps.push({
            target: step.args[1] ?? "",
            write: line,
            ...(result.code === 0
              ? {}
              : { error: `${line} exited ${result.code}: ${(result.stderr || result.stdout).trim()}` }),
          });
        }
        if (steps.length === 0) steps.push({ target: "", write: "", error: "no disk to eject" });
        const ok = steps.every((s) => !s.error);
        applied.push({
          action,
          ok,
          ...(ok
            ? {
                result: "ejected" as const,
                detail: `unmounted and ejected ${steps.map((s) => s.target).join(", ")} (diskutil eject); the device itself stays connected`,
              }
            : {}),
          steps,
        });
      }
      return applied;
    },
  };
}
