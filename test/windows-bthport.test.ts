// The in-process BTHPORT reader's pure half (probes/windows/bthport-parse.ts): the registry values the
// recorded laptops' collect-bluetooth.ps1 output came from, laid out as RegEnumValueW returns them
// (REG_BINARY UTF-8 Name, REG_DWORD numbers, REG_QWORD FILETIMEs), must give back the same
// bluetooth-registry.json document, so captures and goldens do not depend on which collector ran.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BTHPORT_PARAMETERS,
  bluetoothRegistryDocument,
  filetimeToIso,
  REG,
  type RegistryApi,
  RegistryError,
  type RegistryValue,
} from "../probes/windows/bthport-parse.ts";
import {
  cfgmgr32SourceReader,
  type DevNodeApi,
  registryByPowerShell,
  registryCollectorNote,
} from "../probes/windows/cfgmgr32.ts";
import { BLUETOOTH_REGISTRY_SOURCE } from "../probes/windows/sources.ts";

const CAPTURES = join(import.meta.dirname, "fixtures/captures");

interface RecordedDevice {
  Address: string;
  Name?: string;
  LastSeen?: string;
  LastConnected?: string;
  [number: string]: unknown;
}

function dword(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

/** ISO 8601 with seven fractional digits → FILETIME ticks, as 8 little-endian bytes. */
function filetime(iso: string): Uint8Array {
  const [whole = "", fraction = "0"] = iso.replace(/Z$/, "").split(".");
  const ticks =
    BigInt(Date.parse(`${whole}Z`)) * 10000n + 116444736000000000n + BigInt(fraction.padEnd(7, "0"));
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, ticks, true);
  return bytes;
}

/** HKLM as the recorded laptop's registry would answer, plus what a real one also holds. */
function recordedRegistry(document: {
  Devices: RecordedDevice[];
  Keys: { Radio: string; Devices: string[]; LEDevices: string[] }[];
  Errors?: string[];
}): RegistryApi & { valuesRead: string[] } {
  const devices = `${BTHPORT_PARAMETERS}\\Devices`;
  const keys = `${BTHPORT_PARAMETERS}\\Keys`;
  const valuesRead: string[] = [];
  const keysDenied = (document.Errors ?? []).some((error) => error.startsWith("Keys:"));
  return {
    valuesRead,
    subkeys(path) {
      if (path === devices) return [...document.Devices.map((d) => d.Address), "ServicesFor"];
      if (path === keys) {
        if (keysDenied) throw new RegistryError("RegOpenKeyExW: access denied");
        return document.Keys.map((k) => k.Radio);
      }
      const radio = document.Keys.find((k) => path === `${keys}\\${k.Radio}`);
      if (radio) return [...radio.LEDevices, "CentralIRK"];
      return path.startsWith(`${devices}\\`) ? [] : undefined;
    },
    valueNames(path) {
      const radio = document.Keys.find((k) => path === `${keys}\\${k.Radio}`);
      return radio ? [...radio.Devices, "MasterIRK"] : undefined;
    },
    values(path) {
      valuesRead.push(path);
      const device = document.Devices.find((d) => path === `${devices}\\${d.Address}`);
      if (!device) return undefined;
      const values: RegistryValue[] = [{ name: "LMPVersion", type: REG.DWORD, bytes: dword(9) }];
      if (device.Name !== undefined) {
        values.push({
          name: "Name",
          type: REG.BINARY,
          bytes: new Uint8Array(Buffer.from(`${device.Name}\0`, "utf8")),
        });
      }
      for (const name of ["COD", "VID", "PID", "Version", "VIDType"]) {
        if (typeof device[name] === "number")
          values.push({ name, type: REG.DWORD, bytes: dword(device[name]) });
      }
      if (device.LastSeen)
        values.push({ name: "LastSeen", type: REG.QWORD, bytes: filetime(device.LastSeen) });
      if (device.LastConnected) {
        values.push({ name: "LastConnected", type: REG.BINARY, bytes: filetime(device.LastConnected) });
      }
      return values;
    },
  };
}

describe("BTHPORT through advapi32 gives collect-bluetooth.ps1's document", () => {
  for (const folder of [
    "win-lenovo-p52-intel",
    "win-thinkpad-amd",
    "win-dell-renesas",
    "win-laptop-with-phone-and-stick",
  ]) {
    it(`${folder}: the same Devices and Keys; a refused Keys key is an error, not a failure`, () => {
      const recorded = JSON.parse(readFileSync(join(CAPTURES, folder, "bluetooth-registry.json"), "utf8"));
      const registry = recordedRegistry(recorded);
      const document = bluetoothRegistryDocument(registry);
      expect(document.Devices).toEqual(recorded.Devices);
      expect(document.Keys).toEqual(recorded.Keys);
      if (recorded.Errors) expect(document.Errors).toEqual(["Keys: RegOpenKeyExW: access denied"]);
      else expect(document.Errors).toBeUndefined();
      // Link keys are listed by name: no value under Parameters\Keys is ever read.
      expect(registry.valuesRead.filter((path) => path.includes("\\Keys"))).toEqual([]);
    });
  }

  it("FILETIMEs as .NET's round-trip format writes them; zero and garbage are left out", () => {
    // 116444736000000000 is 1970-01-01 in FILETIME ticks (the documented Unix-epoch offset).
    expect(filetimeToIso(116444736000000000n)).toBe("1970-01-01T00:00:00.0000000Z");
    expect(filetimeToIso(116444736000000001n)).toBe("1970-01-01T00:00:00.0000001Z");
    // The Lenovo capture's SYNC LastConnected, as BTHPORT stores it.
    expect(filetimeToIso(134396347640000000n)).toBe("2026-11-20T07:52:44.0000000Z");
    expect(filetimeToIso(134396347641234567n)).toBe("2026-11-20T07:52:44.1234567Z");
    expect(filetimeToIso(0n)).toBeUndefined();
    expect(filetimeToIso(2n ** 64n - 1n)).toBeUndefined();
  });

  it("a value of an unexpected type or size is left out, as the script leaves it out", () => {
    const api: RegistryApi = {
      subkeys: (path) => (path.endsWith("\\Devices") ? ["a0b1c2d3e4f5"] : undefined),
      valueNames: () => undefined,
      values: () => [
        { name: "COD", type: REG.BINARY, bytes: dword(0x240404) },
        { name: "LastSeen", type: REG.QWORD, bytes: new Uint8Array(4) },
        { name: "Name", type: REG.SZ, bytes: new Uint8Array(Buffer.from("Car Kit\0", "utf16le")) },
      ],
    };
    expect(bluetoothRegistryDocument(api)).toEqual({
      Devices: [{ Address: "a0b1c2d3e4f5", Name: "Car Kit" }],
      Keys: [],
    });
  });
});

describe("the live reader answers bluetooth-registry.json in process", () => {
  const fallback = {
    kind: "live" as const,
    read: async () => ({ ok: true as const, text: "from PowerShell", durationMs: 400 }),
  };
  const noCfgMgr32 = async (): Promise<DevNodeApi> => {
    throw new Error("not here");
  };

  it("from advapi32 when it opens, from collect-bluetooth.ps1 when it does not, saying why", async () => {
    const recorded = JSON.parse(
      readFileSync(join(CAPTURES, "win-lenovo-p52-intel", "bluetooth-registry.json"), "utf8"),
    );
    const reader = cfgmgr32SourceReader(fallback, noCfgMgr32, async () => recordedRegistry(recorded));
    const output = await reader.read(BLUETOOTH_REGISTRY_SOURCE);
    expect(output.ok && JSON.parse(output.text).Keys).toEqual(recorded.Keys);
    expect(reader.registryCollector?.()).toEqual({ name: "advapi32" });

    const refusing = cfgmgr32SourceReader(fallback, noCfgMgr32, async () => {
      throw new Error("koffi cannot be loaded: no addon");
    });
    expect(await refusing.read(BLUETOOTH_REGISTRY_SOURCE)).toMatchObject({ text: "from PowerShell" });
    expect(refusing.registryCollector?.()).toEqual({
      name: "powershell",
      reason: "advapi32 through koffi: koffi cannot be loaded: no addon",
    });
    // Every Bluetooth device then says so; read in process, it costs no start-up and is not reused longer.
    expect(registryCollectorNote(refusing)).toBe(
      "BTHPORT read by PowerShell (collect-bluetooth.ps1), not advapi32 in process (advapi32 through koffi: koffi cannot be loaded: no addon)",
    );
    expect(registryCollectorNote(reader)).toBeUndefined();
    expect([registryByPowerShell(reader), registryByPowerShell(refusing)]).toEqual([false, true]);
  });
});
