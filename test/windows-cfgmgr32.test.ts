// The in-process CfgMgr32 collector's pure half (probes/windows/cfgmgr32-parse.ts, cfgmgr32.ts's
// collectPnpDevices): on a stand-in for CfgMgr32 that serves a recorded laptop's properties as the
// raw bytes Windows returns, it must write what collect-pnp.ps1 wrote, so the report is the same.
// The koffi binding itself has not run on Windows (probes/windows/cfgmgr32.ts says so).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SourceReader } from "../probes/capture/sources.ts";
import {
  cfgmgr32SourceReader,
  collectorNote,
  collectPnpDevices,
  type DevNodeApi,
} from "../probes/windows/cfgmgr32.ts";
import {
  DEVPKEYS,
  DEVPROP_TYPE,
  type DevPKeyName,
  decodeProperty,
  devPropKeyBytes,
  LISTED_CLASSES,
  LISTED_ENUMERATORS,
} from "../probes/windows/cfgmgr32-parse.ts";
import { COLLECT_PNP_PS1 } from "../probes/windows/collector-scripts.ts";
import { createWindowsPnpProbe } from "../probes/windows/pnp.ts";
import { type PnpDevice, parsePnpDocument } from "../probes/windows/pnp-document.ts";
import { BLUETOOTH_REGISTRY_SOURCE, PNP_DEVICES_SOURCE } from "../probes/windows/sources.ts";

const CAPTURES = join(import.meta.dirname, "fixtures/captures");

function utf16z(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(`${text}\0`, "utf16le"));
}

function guidBytes(guid: string): Uint8Array {
  return devPropKeyBytes({ fmtid: guid.replace(/[{}]/g, "").toLowerCase(), pid: 0 }).subarray(0, 16);
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

/** The raw property a recorded node would have given CM_Get_DevNode_PropertyW. */
function raw(device: PnpDevice, name: DevPKeyName): { type: number; bytes: Uint8Array } | undefined {
  const value =
    name === "Capabilities"
      ? device.Removable === undefined
        ? undefined
        : device.Removable
          ? 0x4 | 0x200
          : 0x200
      : name === "DeviceDesc"
        ? undefined
        : (device as unknown as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (name === "ContainerId") return { type: DEVPROP_TYPE.GUID, bytes: guidBytes(value as string) };
  if (typeof value === "string") return { type: DEVPROP_TYPE.STRING, bytes: utf16z(value) };
  if (Array.isArray(value)) return { type: DEVPROP_TYPE.STRING_LIST, bytes: utf16z(`${value.join("\0")}\0`) };
  if (typeof value === "boolean")
    return { type: DEVPROP_TYPE.BOOLEAN, bytes: new Uint8Array([value ? 0xff : 0]) };
  return { type: DEVPROP_TYPE.UINT32, bytes: uint32(value as number) };
}

/** CfgMgr32 as a recorded laptop would answer it, plus one node collect-pnp.ps1 does not list. */
function recordedApi(devices: PnpDevice[]): DevNodeApi {
  const all: PnpDevice[] = [
    ...devices,
    { InstanceId: "ACPI\\PNP0C0A\\1", Class: "Battery", Present: true, Status: "OK" },
  ];
  const names = Object.keys(DEVPKEYS) as DevPKeyName[];
  const keyOf = (bytes: Uint8Array) =>
    names.find((name) => Buffer.from(devPropKeyBytes(DEVPKEYS[name])).equals(Buffer.from(bytes)));
  return {
    presentIds: () => all.map((d) => d.InstanceId),
    locate: (id) => all.findIndex((d) => d.InstanceId === id),
    property: (devinst, key) => {
      const name = keyOf(key);
      const device = all[devinst];
      return name && device ? raw(device, name) : undefined;
    },
    problem: (devinst) => all[devinst]?.ProblemCode ?? (all[devinst]?.Status === "OK" ? 0 : 10),
  };
}

describe("CfgMgr32 property decoding", () => {
  it("strings, string lists, numbers, booleans and GUIDs as CM_Get_DevNode_PropertyW returns them", () => {
    expect(decodeProperty(DEVPROP_TYPE.STRING, utf16z("Apple iPhone"))).toBe("Apple iPhone");
    expect(decodeProperty(DEVPROP_TYPE.STRING_LIST, utf16z("USB\\COMPOSITE\0USB\\DevClass_00\0"))).toEqual([
      "USB\\COMPOSITE",
      "USB\\DevClass_00",
    ]);
    expect(decodeProperty(DEVPROP_TYPE.UINT32, uint32(0x240420))).toBe(0x240420);
    expect(decodeProperty(DEVPROP_TYPE.BOOLEAN, new Uint8Array([0xff]))).toBe(true);
    expect(decodeProperty(DEVPROP_TYPE.BOOLEAN, new Uint8Array([0]))).toBe(false);
    expect(decodeProperty(DEVPROP_TYPE.GUID, guidBytes("{00000000-0000-0000-FFFF-FFFFFFFFFFFF}"))).toBe(
      "{00000000-0000-0000-FFFF-FFFFFFFFFFFF}",
    );
    expect(decodeProperty(DEVPROP_TYPE.UINT32, new Uint8Array([1, 2]))).toBeUndefined();
    expect(decodeProperty(0x13, new Uint8Array(20))).toBeUndefined();
  });

  it("a DEVPROPKEY's bytes: the GUID mixed-endian as Windows lays it out, then the pid", () => {
    const bytes = devPropKeyBytes(DEVPKEYS.ContainerId);
    expect(Buffer.from(bytes).toString("hex")).toBe("06d27e8c8a3f2748b3abae9e1faefc6c02000000");
  });
});

describe("the same listing as collect-pnp.ps1", () => {
  it("lists the same setup classes and enumerators as the script", () => {
    const classes = /\$classes = @\(([^)]*)\)/s.exec(COLLECT_PNP_PS1)?.[1] ?? "";
    expect(new Set([...classes.matchAll(/'([^']+)'/g)].map((m) => m[1]))).toEqual(LISTED_CLASSES);
    const enumerators = /\$enumerators = '\^\(([^)]*)\)/.exec(COLLECT_PNP_PS1)?.[1] ?? "";
    expect(new Set(enumerators.split("|"))).toEqual(LISTED_ENUMERATORS);
  });

  it("reads a DEVPKEY for every property the script reads", () => {
    const scriptKeys = [...COLLECT_PNP_PS1.matchAll(/'DEVPKEY_(\w+)'/g)].map((m) => m[1]);
    // The problem code comes from CM_Get_DevNode_Status, not a property read.
    const fields: Record<string, DevPKeyName | "problem"> = {
      Device_ProblemCode: "problem",
      Device_Parent: "Parent",
      Device_ContainerId: "ContainerId",
      Device_InLocalMachineContainer: "InLocalMachineContainer",
      Device_LocationPaths: "LocationPaths",
      Device_RemovalPolicy: "RemovalPolicy",
      Device_Capabilities: "Capabilities",
      Device_BusReportedDeviceDesc: "BusReportedDeviceDesc",
      Bluetooth_DeviceAddress: "BluetoothAddress",
      Bluetooth_ClassOfDevice: "BluetoothClassOfDevice",
      Bluetooth_DeviceVIDSource: "BluetoothDeviceVIDSource",
      Bluetooth_DeviceVID: "BluetoothDeviceVID",
      Bluetooth_DevicePID: "BluetoothDevicePID",
      Bluetooth_DeviceProductVersion: "BluetoothDeviceProductVersion",
    };
    expect(scriptKeys.map((key) => fields[key ?? ""])).not.toContain(undefined);
  });

  for (const folder of ["win-lenovo-p52-intel", "win-thinkpad-amd", "win-dell-renesas"]) {
    it(`${folder}: the recorded nodes served as raw properties come back as the recorded objects`, () => {
      const recorded = parsePnpDocument(
        readFileSync(join(CAPTURES, folder, "pnp-devices.json"), "utf8"),
      ).devices;
      const collected = collectPnpDevices(recordedApi(recorded));
      const normal = (d: PnpDevice) =>
        JSON.stringify(Object.fromEntries(Object.entries(d).sort(([a], [b]) => a.localeCompare(b))));
      expect(collected.map(normal)).toEqual(recorded.map(normal));
    });
  }
});

describe("the CfgMgr32 source reader", () => {
  const fallback: SourceReader = {
    kind: "live",
    read: async (source) => ({ ok: true, text: `from PowerShell: ${source.file}`, durationMs: 500 }),
  };

  it("answers the PnP listing in process and passes the registry to PowerShell", async () => {
    const reader = cfgmgr32SourceReader(fallback, async () => recordedApi([]));
    expect(await reader.read(PNP_DEVICES_SOURCE)).toMatchObject({ ok: true, text: "[]" });
    expect(await reader.read(BLUETOOTH_REGISTRY_SOURCE)).toMatchObject({
      text: "from PowerShell: bluetooth-registry.json",
    });
  });

  it("without koffi the listing comes from PowerShell, once it is known, and the reader says why", async () => {
    let attempts = 0;
    const reader = cfgmgr32SourceReader(fallback, async () => {
      attempts++;
      throw new Error("Cannot find package 'koffi'");
    });
    expect(reader.collector()).toEqual({ name: "cfgmgr32" });
    expect(await reader.read(PNP_DEVICES_SOURCE)).toMatchObject({
      ok: true,
      text: "from PowerShell: pnp-devices.json",
    });
    await reader.read(PNP_DEVICES_SOURCE);
    // koffi that did not load will not load later in the same process: it is not tried on every poll.
    expect(attempts).toBe(1);
    expect(reader.collector()).toEqual({
      name: "powershell",
      reason: "CfgMgr32 through koffi: Cannot find package 'koffi'",
    });
    expect(collectorNote(reader)).toBe(
      "listed by PowerShell (collect-pnp.ps1), not CfgMgr32 in process (CfgMgr32 through koffi: Cannot find package 'koffi'): each listing costs a PowerShell start-up, so a new device can take up to 60 s to be judged",
    );
    expect(collectorNote(fallback)).toBeUndefined();
  });

  it("a probe's snapshot names the collector that read it, for eca status (a capture names none)", async () => {
    const reader = cfgmgr32SourceReader(fallback, async () => {
      throw new Error("Cannot find package 'koffi'");
    });
    const live = await createWindowsPnpProbe({ root: "/", sources: reader }).snapshot();
    expect(live.collectors).toEqual([
      {
        source: "windows-pnp",
        collector: "PowerShell (collect-pnp.ps1)",
        fallbackReason: "CfgMgr32 through koffi: Cannot find package 'koffi'",
        notifications: false,
      },
    ]);
    const inProcess = cfgmgr32SourceReader(fallback, async () => recordedApi([]));
    expect((await createWindowsPnpProbe({ root: "/", sources: inProcess }).snapshot()).collectors).toEqual([
      { source: "windows-pnp", collector: "CfgMgr32 in process", notifications: false },
    ]);
    expect(
      (await createWindowsPnpProbe({ root: "/", sources: fallback }).snapshot()).collectors,
    ).toBeUndefined();
  });
});
