// This laptop's identity as approvals are scoped to it (policy/types.ts HostFacts): host name and
// DNS domain, hardware serial and machine id. Read once at the edge, by the same reader as the
// events' host identity (agent/events/host.ts, sources per OS in docs/EVENTS.md "Host identity"),
// and passed to the pure evaluation as data, so an approval names the laptop as its events do.
//
// The serial is the firmware's: Linux /sys/class/dmi/id/product_serial (SMBIOS System Information,
// readable by root only), macOS IOPlatformSerialNumber of IOPlatformExpertDevice (`ioreg -rd1 -c
// IOPlatformExpertDevice`; Apple Technical Note TN1103, "Uniquely Identifying a Macintosh Computer",
// https://developer.apple.com/library/archive/technotes/tn1103/), Windows Win32_BIOS.SerialNumber.
// A serial that cannot be read is left out: an approval scoped to a serial then does not apply,
// which is the safe way to be wrong. The machine id is Linux's /etc/machine-id (or its D-Bus copy):
// the ids events carry on macOS and Windows (IOPlatformUUID, MachineGuid) are not machine ids.

import type { HostFacts } from "../../policy/types.ts";
import { collectHostIdentity, type HostIdentity, type HostReadOptions } from "../events/host.ts";

/** The facts from an identity already read (the daemon's, for its events): nothing is asked twice. */
export function hostFactsFrom(
  identity: Pick<HostIdentity, "hostname" | "domain" | "serial" | "uid" | "os">,
): HostFacts {
  return {
    hostname: identity.hostname,
    ...(identity.domain ? { domain: identity.domain } : {}),
    ...(identity.serial ? { serial: identity.serial } : {}),
    ...(identity.uid && identity.os.type === "Linux" ? { machineId: identity.uid } : {}),
  };
}

/** Reads this laptop's facts (`eca scan`, `eca policy explain`): the events' reader, less the owner. */
export async function readHostFacts(options: HostReadOptions = {}): Promise<HostFacts> {
  return hostFactsFrom(await collectHostIdentity({ ...options, owner: false }));
}
