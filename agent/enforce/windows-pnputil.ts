// The Windows actuator: disables the device node of personal storage and phones with
// `pnputil /disable-device <InstanceId>` (Windows 10 2004+; Microsoft Learn "PnPUtil command
// syntax"), and re-enables it with `/enable-device`. A disabled node has no driver loaded: a stick
// gets no volume, a phone no MTP or network connection (it may still draw power from the port).
// Instance ids: the Windows probe's `portPath` when it is one (`USB\VID_0781&PID_5581\...`),
// else built from VID, PID and serial, which is how Windows names a USB device with a serial
// (Microsoft Learn "Device Instance ID"; "USB\VID_v&PID_p\serial").

import { type ActuatorOptions, type CommandRunner, execFileRunner } from "./create.ts";
import type { Action, Actuator, AppliedAction, DeviceControl } from "./types.ts";

const INSTANCE_ID = /^USB\\VID_[0-9A-F]{4}&PID_[0-9A-F]{4}(?:&MI_[0-9A-F]{2})?\\[^\s"]+$/i;

/** The instance id of a USB device from its observation's facts, or undefined. */
export function instanceIdOf(device: {
  portPath: string;
  vendorId?: string;
  productId?: string;
  serial?: string;
}): string | undefined {
  if (INSTANCE_ID.test(device.portPath)) return device.portPath;
  if (!device.vendorId || !device.productId || !device.serial || !/^[\w.&-]+$/.test(device.serial))
    return undefined;
  return `USB\\VID_${device.vendorId.toUpperCase()}&PID_${device.productId.toUpperCase()}\\${device.serial}`;
}

/** The pnputil commands an action runs, in order (what the snapshot tests hold). */
export function windowsCommands(action: Action): { command: string; args: string[] }[] {
  if (action.do === "skip") return [];
  const verb = action.do === "block" ? "/disable-device" : "/enable-device";
  const targets = action.do === "block" ? action.targets : action.blocked.targets;
  return targets.filter((t) => INSTANCE_ID.test(t)).map((t) => ({ command: "pnputil.exe", args: [verb, t] }));
}

/** One command as a person would type it, for logs and docs. */
export function displayCommand(step: { command: string; args: string[] }): string {
  return [step.command, ...step.args.map((a) => (a.startsWith("/") ? a : `"${a}"`))].join(" ");
}

export function createWindowsPnputilActuator(options: ActuatorOptions): Actuator {
  const run: CommandRunner = options.run ?? execFileRunner;
  return {
    name: "windows-pnputil",
    async inspect(devices) {
      const controls: DeviceControl[] = devices.map((d) => {
        const instanceId = instanceIdOf(d);
        return {
          deviceId: d.id,
          portPath: d.portPath,
          // A node Windows has disabled (problem code 22) is not authorized: the planner leaves it
          // alone unless eca's memory says eca disabled it, so another's block is never undone.
          authorized: !d.disabledByOs,
          interfaces: [],
          ...(instanceId
            ? { deviceTargets: [instanceId] }
            : { cannotBlock: "Windows gave no device instance id for it (no serial number)" }),
        };
      });
      return { authority: { inCharge: "eca" }, authorizedDefault: {}, devices: controls };
    },
    async apply(actions) {
      const applied: AppliedAction[] = [];
      for (const action of actions) {
        const steps: AppliedAction["steps"] = [];
        for (const step of windowsCommands(action)) {
          const result = await run(step.command, step.args);
          steps.push({
            target: step.args[1] ?? "",
            write: displayCommand(step),
            ...(result.code === 0
              ? {}
              : {
                  error: `${displayCommand(step)} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`,
                }),
          });
        }
        if (steps.length === 0)
          steps.push({ target: "", write: "", error: "no device instance id to act on" });
        const ok = steps.every((s) => !s.error);
        applied.push({
          action,
          ok,
          ...(action.do === "unblock" && ok
            ? {
                detail: `re-enabled the device node ${steps.map((s) => s.target).join(", ")} (pnputil /enable-device)`,
              }
            : {}),
          ...(action.do === "block" && ok
            ? {
                detail: `disabled the device node ${steps.map((s) => s.target).join(", ")} (pnputil /disable-device)`,
              }
            : {}),
          steps,
        });
      }
      return applied;
    },
  };
}
