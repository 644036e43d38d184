// Is USBGuard in charge of USB authorization here? Then eca writes nothing and only reports:
// two authorities writing `authorized` would fight. Signs, any one enough (USBGuard's own layout,
// usbguard-daemon.conf(5) and the upstream systemd unit): the daemon process is running
// (`/proc/<pid>/comm` is "usbguard-daemon"), or its rule file /etc/usbguard/rules.conf exists
// (installed and configured: it applies its policy whenever it starts), or its D-Bus service
// (usbguard-dbus, bus name org.usbguard1) owns its name on the system bus. Paths are under `root`.

import { join } from "node:path";
import { DBusConnection } from "../../probes/linux/dbus/connection.ts";
import { listDirectorySync, readAttribute } from "../../probes/linux/sysfs-read.ts";

/** The daemon's process name as the kernel keeps it (`comm`, at most 15 characters). */
const DAEMON_COMM = "usbguard-daemon";
const RULES_FILE = "etc/usbguard/rules.conf";

/** Why USBGuard is taken to be in charge, or undefined when there is no sign of it. */
export function detectUsbguard(root: string): string | undefined {
  // The rule file first: one read, where listing /proc costs a few ms on a busy laptop.
  if (!("missing" in readAttribute(join(root, RULES_FILE)))) return `/${RULES_FILE} exists`;
  const running = usbguardProcess(root);
  return running ? `usbguard-daemon is running (pid ${running})` : undefined;
}

function usbguardProcess(root: string): string | undefined {
  let entries: { name: string }[];
  try {
    entries = listDirectorySync(join(root, "proc"));
  } catch {
    return undefined;
  }
  for (const { name } of entries) {
    if (!/^\d+$/.test(name)) continue;
    const comm = readAttribute(join(root, "proc", name, "comm"));
    if ("text" in comm && comm.text.trim() === DAEMON_COMM) return name;
  }
  return undefined;
}

/** USBGuard's D-Bus service name (usbguard-dbus(8); interfaces org.usbguard.Policy1, Devices1). */
export const USBGUARD_BUS_NAME = "org.usbguard1";

/**
 * True when something owns org.usbguard1 on the bus at `address`. Fails fast and quietly (no bus,
 * a hung bus): the files and the process are the main signs, this one is extra.
 */
export async function usbguardOnBus(address: string, timeoutMs = 250): Promise<boolean> {
  let connection: DBusConnection | undefined;
  try {
    connection = await DBusConnection.connect(address, { timeoutMs });
    const reply = await connection.call({
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "NameHasOwner",
      signature: "s",
      body: [USBGUARD_BUS_NAME],
      timeoutMs,
      noAutoStart: true,
    });
    return reply.body[0] === true;
  } catch {
    return false;
  } finally {
    connection?.close();
  }
}
