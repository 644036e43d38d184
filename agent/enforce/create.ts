// Actuators by name, lazily loaded, as probes/create.ts does for probes: one per OS behind the same
// interface (types.ts Actuator), so the daemon and `eca unblock` never learn an OS's commands.

import type { Actuator } from "./types.ts";

/** Runs one command (no shell) and says how it ended; injectable so commands can be snapshot-tested. */
export type CommandRunner = (
  command: string,
  args: string[],
) => Promise<{ code: number; stdout: string; stderr: string }>;

export interface ActuatorOptions {
  /** Where /sys is read and written (Linux), as the probes' `root`. */
  root: string;
  /** Windows and macOS: how commands run; defaults to execFile. */
  run?: CommandRunner;
}

const actuators: Record<string, () => Promise<(options: ActuatorOptions) => Actuator>> = {
  "linux-usb": async () => (await import("./linux-usb.ts")).createLinuxUsbActuator,
  "windows-pnputil": async () => (await import("./windows-pnputil.ts")).createWindowsPnputilActuator,
  "macos-diskutil": async () => (await import("./macos-diskutil.ts")).createMacosDiskutilActuator,
};

export function actuatorNames(): string[] {
  return Object.keys(actuators);
}

/** The actuator for this platform, or undefined where eca cannot enforce at all. */
export function defaultActuator(platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === "linux") return "linux-usb";
  if (platform === "win32") return "windows-pnputil";
  if (platform === "darwin") return "macos-diskutil";
  return undefined;
}

export async function createActuator(name: string, options: ActuatorOptions): Promise<Actuator> {
  const load = actuators[name];
  if (!load) throw new Error(`unknown actuator "${name}": choose from ${actuatorNames().join(", ")}`);
  return (await load())(options);
}

/** execFile with a time limit: a hung command must not hold up the scan for ever. */
export async function execFileRunner(command: string, args: string[]) {
  const { execFile } = await import("node:child_process");
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { timeout: 10_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: error && !stderr ? error.message : String(stderr) });
    });
  });
}
