// The laptop's identity as events carry it: hostname, a stable machine id, and the OS.

import { readFileSync } from "node:fs";
import { hostname, platform, release, type } from "node:os";

export interface HostIdentity {
  hostname: string;
  /** /etc/machine-id (or the D-Bus copy) when readable: survives renames, unlike the hostname. */
  uid?: string;
  os: { name: string; type: string; type_id: number; version: string };
}

// OCSF os.type_id: 100 Linux, 200 Windows, 300 macOS, 0 Unknown, 99 Other.
const OS_TYPES: Record<string, { type: string; type_id: number }> = {
  linux: { type: "Linux", type_id: 100 },
  win32: { type: "Windows", type_id: 200 },
  darwin: { type: "macOS", type_id: 300 },
};

export function readHostIdentity(
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
): HostIdentity {
  const os = OS_TYPES[platform()] ?? { type: "Other", type_id: 99 };
  const identity: HostIdentity = {
    hostname: hostname(),
    os: { name: type(), type: os.type, type_id: os.type_id, version: release() },
  };
  for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      const id = read(path).trim();
      if (/^[0-9a-f]{32}$/i.test(id)) {
        identity.uid = id.toLowerCase();
        break;
      }
    } catch {
      // Not on this platform or not readable: the hostname still identifies the laptop.
    }
  }
  return identity;
}
