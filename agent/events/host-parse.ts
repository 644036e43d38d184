// Pure parsers for the laptop's identity: text in, fields out. What cannot be read, or is a
// firmware placeholder, is left out, never guessed. Collection is in host.ts; the parsers are
// tested on recorded outputs cited in test/fixtures/host/README.md.

/** Values firmware ships when the OEM left a DMI/SMBIOS string unset: not an identity. */
const PLACEHOLDERS = new Set(
  [
    "",
    "0",
    "none",
    "n/a",
    "na",
    "not specified",
    "not available",
    "not applicable",
    "to be filled by o.e.m.",
    "to be filled by oem",
    "default string",
    "system serial number",
    "system product name",
    "system manufacturer",
    "chassis serial number",
    "invalid",
    "unknown",
    "0123456789",
    "123456789",
    "00000000",
    "oem",
  ].map((s) => s.toLowerCase()),
);
const NULL_UUIDS = new Set(["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]);

/** A firmware string, trimmed, or undefined when it is empty or a placeholder. */
export function firmwareString(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Strip control characters: these strings reach terminals and logs.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const text = value.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  if (PLACEHOLDERS.has(text.toLowerCase()) || /^0+$/.test(text) || /^[x*.\s-]+$/i.test(text))
    return undefined;
  return text.slice(0, 128);
}

export function firmwareUuid(value: string | undefined): string | undefined {
  const text = firmwareString(value)?.toLowerCase();
  if (!text || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) return undefined;
  return NULL_UUIDS.has(text) ? undefined : text;
}

/** /etc/machine-id: 32 lowercase hex digits (machine-id(5)). */
export function parseMachineId(text: string): string | undefined {
  const id = text.trim().toLowerCase();
  return /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id) ? id : undefined;
}

/**
 * OCSF device.type_id from an SMBIOS chassis type (DMTF DSP0134 3.7, 7.4.1 "System Enclosure or
 * Chassis Types"): 8 Portable, 9 Laptop, 10 Notebook, 14 Sub Notebook, 31 Convertible,
 * 32 Detachable are laptops; 3-7, 13 All in One, 15 Space-saving, 16 Lunch Box, 35 Mini PC,
 * 36 Stick PC desktops; 17 Main Server, 23 Rack Mount, 25 Multi-system, 28 Blade servers;
 * 30 Tablet; 11 Hand Held mobile. Anything else is not guessed.
 */
export function deviceTypeFromChassis(chassis: number | undefined): number | undefined {
  if (chassis === undefined) return undefined;
  if ([8, 9, 10, 14, 31, 32].includes(chassis)) return 3;
  if ([3, 4, 5, 6, 7, 13, 15, 16, 35, 36].includes(chassis)) return 2;
  if ([17, 23, 25, 28].includes(chassis)) return 1;
  if (chassis === 30) return 4;
  if (chassis === 11) return 5;
  return undefined;
}

/** Products of hypervisors as their DMI strings name them: the "laptop" is a virtual machine. */
const VIRTUAL_PRODUCTS =
  /^(KVM|QEMU|VirtualBox|VMware|Virtual Machine|Standard PC \(|HVM domU|Parallels|BHYVE)/i;

export interface HardwareIdentity {
  serial?: string;
  model?: string;
  vendorName?: string;
  /** SMBIOS system UUID (Linux product_uuid, macOS IOPlatformUUID): differs between cloned images. */
  hardwareUuid?: string;
  /** OCSF device.type_id: from the chassis or the model family, or configured. Unknown (0) when not known. */
  typeId?: number;
}

/**
 * Linux DMI, as the kernel exports it under /sys/class/dmi/id/ (product_serial and product_uuid
 * are readable by root only): `files` maps a file name to its content.
 */
export function parseLinuxDmi(files: Record<string, string | undefined>): HardwareIdentity {
  const model = firmwareString(files.product_name);
  const vendorName = firmwareString(files.sys_vendor);
  const chassis = Number.parseInt(files.chassis_type?.trim() ?? "", 10);
  const virtual = [model, vendorName].some((s) => s !== undefined && VIRTUAL_PRODUCTS.test(s));
  const typeId = virtual ? 6 : deviceTypeFromChassis(Number.isNaN(chassis) ? undefined : chassis);
  return compact({
    serial: firmwareString(files.product_serial),
    model,
    vendorName,
    hardwareUuid: firmwareUuid(files.product_uuid),
    typeId,
  });
}

/** `ioreg -rd1 -c IOPlatformExpertDevice` on macOS. */
export function parseIoregPlatform(text: string): HardwareIdentity {
  const quoted = (key: string) => new RegExp(`"${key}" = "([^"]*)"`).exec(text)?.[1];
  const data = (key: string) => new RegExp(`"${key}" = <"([^"]*)"`).exec(text)?.[1];
  const model = firmwareString(data("model"));
  // Apple's model identifiers say the family: MacBook* are laptops; iMac, Mac mini, Mac Pro
  // desktops. "MacN,M" identifiers (Apple silicon) name either, so they are not guessed.
  const typeId = model
    ? /^MacBook/.test(model)
      ? 3
      : /^(iMac|Macmini|MacPro)/.test(model)
        ? 2
        : /^VirtualMac/.test(model)
          ? 6
          : undefined
    : undefined;
  return compact({
    serial: firmwareString(quoted("IOPlatformSerialNumber")),
    model,
    vendorName: firmwareString(data("manufacturer")),
    hardwareUuid: firmwareUuid(quoted("IOPlatformUUID")),
    typeId,
  });
}

/** `Format-List` output of a CIM instance: "Name : value" lines. */
export function parseCimList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^(\w+)\s*:\s?(.*)$/.exec(line);
    if (match?.[1] && out[match[1]] === undefined) out[match[1]] = (match[2] ?? "").trim();
  }
  return out;
}

/**
 * Windows, from Win32_BIOS (SerialNumber) and Win32_ComputerSystem (Manufacturer, Model,
 * PCSystemType, UserName, Domain, PartOfDomain), each as `Format-List` text. PCSystemType
 * (Microsoft Learn, Win32_ComputerSystem): 1 Desktop, 2 Mobile, 3 Workstation, 4 Enterprise
 * Server, 5 SOHO Server, 7 Performance Server, 8 Slate.
 */
export function parseWindowsCim(
  bios: string,
  system: string,
): HardwareIdentity & { user?: string; domain?: string } {
  const b = parseCimList(bios);
  const s = parseCimList(system);
  const pcType = Number.parseInt(s.PCSystemType ?? "", 10);
  const typeByPc: Record<number, number> = { 1: 2, 2: 3, 3: 2, 4: 1, 5: 1, 7: 1, 8: 4 };
  const model = firmwareString(s.Model);
  const virtual = model !== undefined && VIRTUAL_PRODUCTS.test(model);
  return compact({
    serial: firmwareString(b.SerialNumber),
    model,
    vendorName: firmwareString(s.Manufacturer),
    typeId: virtual ? 6 : typeByPc[pcType],
    user: firmwareString(s.UserName),
    domain: s.PartOfDomain?.toLowerCase() === "true" ? firmwareString(s.Domain) : undefined,
  });
}

/** `loginctl show-seat seat0 -p ActiveSession` then `loginctl show-session <id> -p Name`. */
export function parseLoginctlProperty(text: string, property: string): string | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${property}=`));
  return firmwareString(line?.slice(property.length + 1));
}

/**
 * The laptop's host name as events carry it and approvals compare it: the first label of what the
 * OS reports (os.hostname() is "Jos-MacBook-Pro.local" on a Mac, may be fully qualified on Linux,
 * is the computer name on Windows). The DNS domain, when there is one, is domainOf's.
 */
export function shortHostname(name: string): string {
  const trimmed = name.trim();
  return trimmed.split(".")[0] || trimmed;
}

/** The DNS domain of a fully qualified name whose first label is the hostname. */
export function domainOf(fqdn: string | undefined, hostname: string): string | undefined {
  const name = fqdn?.trim().toLowerCase();
  const short = hostname.toLowerCase().split(".")[0] ?? "";
  if (!name?.includes(".") || !name.startsWith(`${short}.`)) return undefined;
  const domain = name.slice(short.length + 1);
  return domain === "localdomain" || domain === "local" || domain.length === 0 ? undefined : domain;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
