// The laptop's identity as events carry it: hostname, DNS domain, machine id, hardware serial,
// model and vendor, device type, the logged-in user where the OS names one, and the configured
// asset tag and organisation. Collection only: the parsing is in host-parse.ts. Each field and
// its source per OS is documented in docs/EVENTS.md ("Host identity").

import { hostname as osHostname, platform as osPlatform, release, type } from "node:os";
import { type CommandSource, liveSourceReader, type SourceReader } from "../../probes/capture/sources.ts";
import { readBoundedText } from "../bounded-read.ts";
import {
  domainOf,
  type HardwareIdentity,
  parseIoregPlatform,
  parseLinuxDmi,
  parseLoginctlProperty,
  parseMachineId,
  parseWindowsCim,
  shortHostname,
} from "./host-parse.ts";

/** The firmware's part (serial, model, vendor, hardware UUID, device type) is host-parse.ts's. */
export interface HostIdentity extends HardwareIdentity {
  hostname: string;
  /** DNS domain, when the OS knows a fully qualified name (Windows: the AD domain). */
  domain?: string;
  /** Linux /etc/machine-id, macOS IOPlatformUUID, Windows MachineGuid: survives renames. */
  uid?: string;
  /** The logged-in (console) user when the agent started, where the OS says. */
  owner?: string;
  /** Configured: the asset tag IT gave the laptop. */
  assetTag?: string;
  /** Configured: the organisation (tenant) name. */
  org?: string;
  os: { name: string; type: string; type_id: number; version: string };
}

/** What the configuration adds or overrides. */
export interface HostConfig {
  assetTag?: string;
  org?: string;
  /** OCSF device.type_id to use instead of the detected one. */
  typeId?: number;
}

// OCSF 1.8.0 os.type_id (objects/os.json): 100 Windows, 200 Linux, 300 macOS, 0 Unknown, 99 Other.
const OS_TYPES: Record<string, { type: string; type_id: number }> = {
  linux: { type: "Linux", type_id: 200 },
  win32: { type: "Windows", type_id: 100 },
  darwin: { type: "macOS", type_id: 300 },
};

export interface HostReadOptions {
  platform?: NodeJS.Platform;
  hostname?: string;
  /** Reads a small file; throws when it is not there. */
  read?: (path: string) => string;
  sources?: SourceReader;
  config?: HostConfig;
  /** Root for /etc and /sys, for tests on recorded trees. */
  root?: string;
  /** Also ask who is logged in (loginctl, the console's owner); false for approvals' host facts. */
  owner?: boolean;
}

const small = (file: string, command: string[]): CommandSource => ({
  file,
  command,
  timeoutMs: 5_000,
  maxBytes: 256 * 1024,
});
export const HOST_SOURCES = {
  ioregPlatform: small("ioreg-platform.txt", ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"]),
  consoleUser: small("console-user.txt", ["stat", "-f", "%Su", "/dev/console"]),
  winBios: small("win-bios.txt", [
    "powershell.exe",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    "Get-CimInstance -ClassName Win32_BIOS | Format-List SerialNumber",
  ]),
  winSystem: small("win-computersystem.txt", [
    "powershell.exe",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    "Get-CimInstance -ClassName Win32_ComputerSystem | Format-List Manufacturer,Model,PCSystemType,UserName,Domain,PartOfDomain",
  ]),
  winMachineGuid: small("win-machineguid.txt", [
    "reg.exe",
    "query",
    "HKLM\\SOFTWARE\\Microsoft\\Cryptography",
    "/v",
    "MachineGuid",
  ]),
  seat: small("loginctl-seat0.txt", ["loginctl", "show-seat", "seat0", "-p", "ActiveSession"]),
  fqdn: small("hostname-fqdn.txt", ["hostname", "--fqdn"]),
} as const;

const DMI_FILES = ["product_serial", "product_name", "sys_vendor", "product_uuid", "chassis_type"];

/** Reads everything that can be read about the laptop; never throws. */
export async function collectHostIdentity(options: HostReadOptions = {}): Promise<HostIdentity> {
  const platform = options.platform ?? osPlatform();
  const name = options.hostname ?? osHostname();
  const root = (options.root ?? "/").replace(/\/$/, "");
  const read = options.read ?? ((path: string) => readSmall(path));
  const sources = options.sources ?? liveSourceReader();
  const tryRead = (path: string) => readOrUndefined(read, `${root}${path}`);
  const run = async (source: CommandSource) => {
    const out = await sources.read(source);
    return out.ok ? out.text : undefined;
  };
  const os = OS_TYPES[platform] ?? { type: "Other", type_id: 99 };
  const identity: HostIdentity = {
    hostname: shortHostname(name),
    os: { name: type(), type: os.type, type_id: os.type_id, version: release() },
  };
  let hardware: HardwareIdentity = {};
  if (platform === "linux") {
    identity.uid = machineIdFrom(tryRead);
    hardware = parseLinuxDmi(
      Object.fromEntries(DMI_FILES.map((f) => [f, tryRead(`/sys/class/dmi/id/${f}`)])),
    );
    const session =
      options.owner === false
        ? undefined
        : parseLoginctlProperty((await run(HOST_SOURCES.seat)) ?? "", "ActiveSession");
    if (session && /^[\w-]+$/.test(session)) {
      const user = await run(
        small(`loginctl-session-${session}.txt`, ["loginctl", "show-session", session, "-p", "Name"]),
      );
      identity.owner = parseLoginctlProperty(user ?? "", "Name");
    }
    identity.domain = domainOf(name.includes(".") ? name : await run(HOST_SOURCES.fqdn), name);
  } else if (platform === "darwin") {
    hardware = parseIoregPlatform((await run(HOST_SOURCES.ioregPlatform)) ?? "");
    identity.uid = hardware.hardwareUuid;
    const user = options.owner === false ? undefined : (await run(HOST_SOURCES.consoleUser))?.trim();
    if (user && user !== "root") identity.owner = user;
    identity.domain = domainOf(name, name);
  } else if (platform === "win32") {
    // Each PowerShell takes a good part of a second to start: the three commands run at once.
    const [bios, system, machineGuid] = await Promise.all([
      run(HOST_SOURCES.winBios),
      run(HOST_SOURCES.winSystem),
      run(HOST_SOURCES.winMachineGuid),
    ]);
    const parsed = parseWindowsCim(bios ?? "", system ?? "");
    const { user, domain, ...rest } = parsed;
    hardware = rest;
    if (user) identity.owner = user;
    if (domain) identity.domain = domain.toLowerCase();
    const guid = /MachineGuid\s+REG_SZ\s+([0-9a-fA-F-]{36})/.exec(machineGuid ?? "")?.[1];
    if (guid) identity.uid = guid.toLowerCase();
  }
  Object.assign(identity, hardware);
  const config = options.config ?? {};
  if (config.assetTag) identity.assetTag = config.assetTag;
  if (config.org) identity.org = config.org;
  if (config.typeId !== undefined) identity.typeId = config.typeId;
  return Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined)) as HostIdentity;
}

/** The synchronous minimum (hostname, machine id, OS), for callers that cannot wait. */
export function readHostIdentity(read: (path: string) => string = readSmall): HostIdentity {
  const os = OS_TYPES[osPlatform()] ?? { type: "Other", type_id: 99 };
  const identity: HostIdentity = {
    hostname: shortHostname(osHostname()),
    os: { name: type(), type: os.type, type_id: os.type_id, version: release() },
  };
  // Not on this platform or not readable: the hostname still identifies the laptop.
  const uid = machineIdFrom((path) => readOrUndefined(read, path));
  if (uid) identity.uid = uid;
  return identity;
}

/** `read(path)`, or undefined when it throws (no such file, not readable, too large). */
function readOrUndefined(read: (path: string) => string, path: string): string | undefined {
  try {
    return read(path);
  } catch {
    return undefined;
  }
}

/** systemd's machine id, else the D-Bus copy of it (machine-id(5)); undefined when neither is usable. */
function machineIdFrom(read: (path: string) => string | undefined): string | undefined {
  for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    const id = parseMachineId(read(path) ?? "");
    if (id) return id;
  }
  return undefined;
}

/** Files under /sys and /etc are small; a hostile one (a link to /dev/zero) must not be read whole. */
function readSmall(path: string): string {
  const result = readBoundedText(path, 4096);
  if (!result.ok) throw new Error(result.reason);
  return result.text;
}
