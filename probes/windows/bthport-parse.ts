// The in-process replacement for collect-bluetooth.ps1, pure half: what the registry gives under
// HKLM\SYSTEM\CurrentControlSet\Services\BTHPORT\Parameters (subkey names; values as REG_* type and
// bytes, as RegEnumValueW returns them) becomes the same bluetooth-registry.json document the script
// writes, so parsers, captures and goldens are shared. The FFI half (advapi32 through koffi) is
// bthport.ts. Layout: as collect-bluetooth.ps1 reads it (sources in bluetooth-parse.ts); value types
// from winnt.h (REG_SZ 1, REG_BINARY 3, REG_DWORD 4, REG_QWORD 11).

import { utf16 } from "./cfgmgr32-parse.ts";

export const BTHPORT_PARAMETERS = "SYSTEM\\CurrentControlSet\\Services\\BTHPORT\\Parameters";

export const REG = { SZ: 1, BINARY: 3, DWORD: 4, QWORD: 11 } as const;

export interface RegistryValue {
  name: string;
  type: number;
  bytes: Uint8Array;
}

/** The registry calls the reader needs; each answers or says why it could not. */
export interface RegistryApi {
  /** Subkey names of HKLM\`path`; undefined when the key does not exist. */
  subkeys(path: string): string[] | undefined;
  /** Values of HKLM\`path`; undefined when the key does not exist. */
  values(path: string): RegistryValue[] | undefined;
  /** Only the value names of HKLM\`path` (their data is never read); undefined when it does not exist. */
  valueNames(path: string): string[] | undefined;
}

/** A registry call refused (access denied ...): the message goes into the document's Errors. */
export class RegistryError extends Error {}

const ADDRESS = /^[0-9A-Fa-f]{12}$/;

/** FILETIME (100 ns since 1601-01-01 UTC) → ISO 8601 with seven fractional digits, as .NET's "o" writes it. */
export function filetimeToIso(ticks: bigint): string | undefined {
  if (ticks <= 0n) return undefined;
  const unixTicks = ticks - 116444736000000000n;
  const milliseconds = unixTicks / 10000n;
  const date = new Date(Number(milliseconds));
  // .NET's DateTime (what the script converts with) ends with year 9999.
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999) return undefined;
  const fraction = (((unixTicks % 10000000n) + 10000000n) % 10000000n).toString().padStart(7, "0");
  return `${date.toISOString().slice(0, 19)}.${fraction}Z`;
}

function dword(value: RegistryValue): number | undefined {
  if (value.type !== REG.DWORD || value.bytes.byteLength < 4) return undefined;
  return new DataView(value.bytes.buffer, value.bytes.byteOffset, 4).getUint32(0, true);
}

function filetime(value: RegistryValue): string | undefined {
  if ((value.type !== REG.QWORD && value.type !== REG.BINARY) || value.bytes.byteLength !== 8)
    return undefined;
  return filetimeToIso(new DataView(value.bytes.buffer, value.bytes.byteOffset, 8).getBigUint64(0, true));
}

/**
 * The bluetooth-registry.json document from `api`, as collect-bluetooth.ps1 writes it: Devices (each
 * address key's Name, COD, VID, PID, Version, VIDType, LastSeen, LastConnected where present), Keys
 * (value names and subkey names under each radio, never the key material), Errors for what was refused.
 */
export function bluetoothRegistryDocument(api: RegistryApi): Record<string, unknown> {
  const errors: string[] = [];
  const attempt = <T>(what: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      errors.push(`${what}: ${error.message}`);
      return undefined;
    }
  };
  const devices: Record<string, unknown>[] = [];
  const devicesPath = `${BTHPORT_PARAMETERS}\\Devices`;
  for (const address of attempt("Devices", () => api.subkeys(devicesPath)) ?? []) {
    if (!ADDRESS.test(address)) continue;
    const entry: Record<string, unknown> = { Address: address };
    for (const value of attempt(`Devices\\${address}`, () => api.values(`${devicesPath}\\${address}`)) ??
      []) {
      if (value.name === "Name") {
        if (value.type === REG.BINARY) {
          entry.Name = new TextDecoder("utf-8").decode(value.bytes).replace(/\0+$/, "");
        } else if (value.type === REG.SZ) entry.Name = utf16(value.bytes).replace(/\0+$/, "");
      } else if (["COD", "VID", "PID", "Version", "VIDType"].includes(value.name)) {
        const number = dword(value);
        if (number !== undefined) entry[value.name] = number;
      } else if (value.name === "LastSeen" || value.name === "LastConnected") {
        const when = filetime(value);
        if (when !== undefined) entry[value.name] = when;
      }
    }
    devices.push(entry);
  }
  const keys: Record<string, unknown>[] = [];
  const keysPath = `${BTHPORT_PARAMETERS}\\Keys`;
  attempt("Keys", () => {
    for (const radio of api.subkeys(keysPath) ?? []) {
      const path = `${keysPath}\\${radio}`;
      keys.push({
        Radio: radio,
        // Only the names: one value per BR/EDR link key, one subkey per LE device. Values never read.
        Devices: (api.valueNames(path) ?? []).filter((name) => ADDRESS.test(name)),
        LEDevices: (api.subkeys(path) ?? []).filter((name) => ADDRESS.test(name)),
      });
    }
  });
  const document: Record<string, unknown> = { Devices: devices, Keys: keys };
  if (errors.length > 0) document.Errors = errors;
  return document;
}
