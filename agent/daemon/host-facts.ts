// This laptop's identity as approvals are scoped to it (policy/types.ts HostFacts): host name,
// hardware serial and machine id. Read once at the edge and passed to the pure evaluation as data.
//
// Sources: the machine id is agent/events/host.ts's (/etc/machine-id, or the D-Bus copy). The
// serial is the firmware's: Linux /sys/class/dmi/id/product_serial (SMBIOS System Information,
// readable by root only), macOS IOPlatformSerialNumber of IOPlatformExpertDevice (`ioreg -rd1 -c
// IOPlatformExpertDevice`; Apple Technical Note TN1103, "Uniquely Identifying a Macintosh Computer",
// https://developer.apple.com/library/archive/technotes/tn1103/), Windows Win32_BIOS.SerialNumber.
// A serial that cannot be read is left out: an approval scoped to a serial then does not apply,
// which is the safe way to be wrong.

import type childProcess from "node:child_process";
import { readFile } from "node:fs/promises";
import type { HostFacts } from "../../policy/types.ts";
import { type HostIdentity, readHostIdentity } from "../events/host.ts";
import { firmwareString, parseIoregPlatform } from "../events/host-parse.ts";

/** Runs a command for its output; "" when it fails. node:child_process is loaded only here (macOS, Windows). */
function run(command: string, args: string[]): Promise<string> {
  const { execFile } = process.getBuiltinModule("node:child_process") as typeof childProcess;
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 5000, maxBuffer: 1024 * 1024 }, (error, stdout) =>
      resolve(error ? "" : stdout),
    );
  });
}

/** Pure: the serial in `ioreg -rd1 -c IOPlatformExpertDevice` output (the events' parser reads it). */
export function serialFromIoreg(text: string): string | undefined {
  return parseIoregPlatform(text).serial;
}

/**
 * The facts from a serial already read (the daemon's host identity, agent/events/host.ts, holds it
 * cleaned of firmware placeholders), so the firmware is not asked twice; host name and machine id
 * as readHostIdentity gives them.
 */
export function hostFactsFrom(identity: Pick<HostIdentity, "serial">): HostFacts {
  const local = readHostIdentity();
  return {
    hostname: local.hostname,
    ...(identity.serial ? { serial: identity.serial } : {}),
    ...(local.uid ? { machineId: local.uid } : {}),
  };
}

export async function readHostFacts(platform: NodeJS.Platform = process.platform): Promise<HostFacts> {
  let serial: string | undefined;
  if (platform === "linux") {
    serial = firmwareString(
      await readFile("/sys/class/dmi/id/product_serial", "utf8").catch(() => undefined),
    );
  } else if (platform === "darwin") {
    serial = serialFromIoreg(await run("/usr/sbin/ioreg", ["-rd1", "-c", "IOPlatformExpertDevice"]));
  } else if (platform === "win32") {
    serial = firmwareString(
      await run("powershell.exe", [
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        "(Get-CimInstance -ClassName Win32_BIOS).SerialNumber",
      ]),
    );
  }
  return hostFactsFrom(serial ? { serial } : {});
}
