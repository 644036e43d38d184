// The Linux actuator: the kernel's own USB authorization (Documentation/usb/authorization.rst).
// Writing 0 to an interface's `authorized` unbinds its driver and keeps it unbound: usb-storage
// (which waits `delay_use`, 1 s by default, before it scans for a disk) or uas lets go, and no
// block device appears; the device stays in sysfs, visible to `eca status`. Writing 0 to a device's `authorized` unconfigures it: no data connection, and it
// may draw only unconfigured power. Writing 1 undoes either. Every path goes through `root`, as the
// probe's do, so it works on a recorded tree and under umockdev-run.

import { closeSync, constants, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { systemBusAddress } from "../../probes/linux/dbus/address.ts";
import { listDirectorySync, readAttribute } from "../../probes/linux/sysfs-read.ts";
import type { RawAttribute } from "../../probes/linux/usb-sysfs-parse.ts";
import type { Actuator, AppliedAction, AuthorizationView, DeviceControl } from "./types.ts";
import { detectUsbguard, USBGUARD_BUS_NAME, usbguardOnBus } from "./usbguard.ts";

/** A device ("2-2", "1-1.4") or interface ("2-2:1.0") name; nothing else is ever written to. */
const TARGET_NAME = /^\d+-\d+(?:\.\d+)*(?::\d+\.\d+)?$/;

function text(raw: RawAttribute): string | undefined {
  return "text" in raw ? raw.text.trim() : undefined;
}

function flag(raw: RawAttribute): boolean | undefined {
  const value = text(raw);
  return value === "1" ? true : value === "0" ? false : undefined;
}

/** Writes one sysfs attribute; never creates a file (a missing `authorized` is an error). */
export function writeAttribute(path: string, value: string): void {
  const descriptor = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  try {
    writeSync(descriptor, value);
  } finally {
    closeSync(descriptor);
  }
}

export function createLinuxUsbActuator(options: {
  root: string;
  /** Where /proc and /etc are looked at for USBGuard; `root` unless told (a seam for umockdev tests,
   * whose testbed replaces /sys but not the live machine's /proc). */
  hostRoot?: string;
  /** The system bus to ask for USBGuard's D-Bus name: the live one when the host root is "/",
   * none otherwise (a recorded tree reads nothing of the live machine); false never asks. */
  systemBusAddress?: string | false;
}): Actuator {
  const hostRoot = options.hostRoot ?? (options.root || "/");
  const busAddress = options.systemBusAddress ?? (hostRoot === "/" ? systemBusAddress() : false);
  // Looked for at most every 10 s (the files and /proc) and 30 s (the bus): a burst of attach
  // events must not pay for it every scan; a USBGuard started meanwhile is seen within that.
  let found: { at: number; reason: string | undefined } | undefined;
  async function usbguardInCharge(): Promise<string | undefined> {
    if (found && Date.now() - found.at < 10_000) return found.reason;
    const reason =
      detectUsbguard(hostRoot) ??
      ((await usbguardNamed()) ? `${USBGUARD_BUS_NAME} owns its name on the system bus` : undefined);
    found = { at: Date.now(), reason };
    return reason;
  }
  // Asked at most every 30 s: a scan must not wait on the bus every time.
  let onBus: { at: number; owned: boolean } | undefined;
  async function usbguardNamed(): Promise<boolean> {
    if (busAddress === false) return false;
    if (onBus && Date.now() - onBus.at < 30_000) return onBus.owned;
    onBus = { at: Date.now(), owned: await usbguardOnBus(busAddress) };
    return onBus.owned;
  }
  const devicesDirectory = join(options.root || "/", "sys/bus/usb/devices");
  return {
    name: "linux-usb",
    async inspect(devices) {
      const names = listDirectorySync(devicesDirectory).map((entry) => entry.name);
      const authorizedDefault: Record<string, number> = {};
      for (const name of names.filter((n) => /^usb\d+$/.test(n))) {
        const value = Number(text(readAttribute(`${devicesDirectory}/${name}/authorized_default`)));
        if (Number.isInteger(value)) authorizedDefault[name.slice(3)] = value;
      }
      const controls: DeviceControl[] = devices
        .filter((d) => TARGET_NAME.test(d.portPath))
        .map((d) => ({
          deviceId: d.id,
          portPath: d.portPath,
          ...optionalFlag(readAttribute(`${devicesDirectory}/${d.portPath}/authorized`)),
          interfaces: names
            .filter((n) => n.startsWith(`${d.portPath}:`))
            .sort()
            .map((name) => {
              const dir = `${devicesDirectory}/${name}/`;
              const interfaceClass = text(readAttribute(`${dir}bInterfaceClass`))?.toLowerCase();
              const authorized = flag(readAttribute(`${dir}authorized`));
              return {
                name,
                ...(interfaceClass ? { class: interfaceClass } : {}),
                ...(authorized !== undefined ? { authorized } : {}),
              };
            }),
        }));
      const usbguard = await usbguardInCharge();
      const view: AuthorizationView = {
        authority: usbguard ? { inCharge: "usbguard", reason: usbguard } : { inCharge: "eca" },
        authorizedDefault,
        devices: controls,
      };
      return view;
    },
    async apply(actions) {
      const applied: AppliedAction[] = [];
      for (const action of actions) {
        if (action.do === "skip") continue;
        const value = action.do === "block" ? "0" : "1";
        const targets = action.do === "block" ? action.targets : action.blocked.targets;
        const steps: AppliedAction["steps"] = [];
        for (const target of targets) {
          const path = `${devicesDirectory}/${target}/authorized`;
          if (!TARGET_NAME.test(target)) {
            steps.push({ target, write: value, error: "not a USB device or interface name" });
            continue;
          }
          try {
            writeAttribute(path, value);
            steps.push({ target, write: value });
          } catch (error) {
            steps.push({ target, write: value, error: errorWords(error, path) });
          }
        }
        applied.push({ action, ok: steps.every((s) => !s.error), steps });
      }
      return applied;
    },
  };
}

function optionalFlag(raw: RawAttribute): { authorized?: boolean } {
  const value = flag(raw);
  return value === undefined ? {} : { authorized: value };
}

function errorWords(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return `${path}: permission denied (eca run must run as root)`;
  if (code === "ENOENT") return `${path} does not exist (unplugged, or a kernel without USB authorization)`;
  return `${path}: ${code ?? String(error)}`;
}
