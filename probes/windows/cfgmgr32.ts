// The in-process PnP collector chosen in BENCHMARKS.md ("Windows scan"): CfgMgr32 through koffi,
// no PowerShell, no second process. It lists present device nodes (CM_Get_Device_ID_ListW with
// CM_GETIDLIST_FILTER_PRESENT), reads the same DEVPKEYs as collect-pnp.ps1 (CM_Get_DevNode_PropertyW)
// and answers PNP_DEVICES_SOURCE with the same JSON, so nothing downstream changes; any other source
// (bluetooth-registry.json) still goes to PowerShell.
//
// The default collector on a live Windows machine (read.ts; the cost comparison is BENCHMARKS.md,
// "Windows scan"); PowerShell's collect-pnp.ps1 stays as the fallback when koffi cannot load.
// Written without a Windows machine: the pure half (cfgmgr32-parse.ts) is tested on bytes laid out
// as the documentation says, the calls below have not yet run on Windows.
// Win32 signatures: cfgmgr32.h; koffi's syntax: koffi.dev (functions; an output parameter is a
// one-element array; a Buffer passed as `void *` is memory the callee writes into).

import type { CommandSource, SourceOutput, SourceReader } from "../capture/sources.ts";
import { loadKoffi } from "../native/koffi.ts";
import type { CollectorUse } from "../types.ts";
import { openRegistry } from "./bthport.ts";
import { bluetoothRegistryDocument, type RegistryApi } from "./bthport-parse.ts";
import {
  DEVPKEYS,
  type DevPKeyName,
  decodeProperty,
  devPropKeyBytes,
  isListed,
  type PropertyValue,
  pnpDeviceFromProperties,
} from "./cfgmgr32-parse.ts";
import type { PnpDevice } from "./pnp-document.ts";
import { BLUETOOTH_REGISTRY_SOURCE, PNP_DEVICES_SOURCE } from "./sources.ts";

const CR_SUCCESS = 0;
const CR_BUFFER_SMALL = 0x1a;
const CM_GETIDLIST_FILTER_PRESENT = 0x100;
const CM_LOCATE_DEVNODE_NORMAL = 0;

/** The CfgMgr32 calls the collector needs, as plain functions (so tests can stand in for Windows). */
export interface DevNodeApi {
  /** Instance ids of present nodes. */
  presentIds(): string[];
  /** The node's DEVINST, or undefined when it vanished since it was listed. */
  locate(instanceId: string): number | undefined;
  /** Raw property: DEVPROPTYPE and bytes, or undefined when the node has no such property. */
  property(devinst: number, key: Uint8Array): { type: number; bytes: Uint8Array } | undefined;
  /** CM problem code, 0 for none. */
  problem(devinst: number): number;
}

const KEY_BYTES = Object.fromEntries(
  Object.entries(DEVPKEYS).map(([name, key]) => [name, devPropKeyBytes(key)]),
) as Record<DevPKeyName, Uint8Array>;

/** Every listed present node, as collect-pnp.ps1 would write it. Pure given `api`. */
export function collectPnpDevices(api: DevNodeApi): PnpDevice[] {
  const devices: PnpDevice[] = [];
  for (const instanceId of api.presentIds()) {
    const devinst = api.locate(instanceId);
    if (devinst === undefined) continue;
    const cache = new Map<DevPKeyName, PropertyValue | undefined>();
    const read = (name: DevPKeyName): PropertyValue | undefined => {
      if (!cache.has(name)) {
        const raw = api.property(devinst, KEY_BYTES[name]);
        cache.set(name, raw ? decodeProperty(raw.type, raw.bytes) : undefined);
      }
      return cache.get(name);
    };
    const setupClass = read("Class");
    if (!isListed(instanceId, typeof setupClass === "string" ? setupClass : undefined)) continue;
    devices.push(pnpDeviceFromProperties(instanceId, read, api.problem(devinst)));
  }
  return devices;
}

/** CfgMgr32 through koffi; throws when koffi or cfgmgr32.dll cannot be loaded. */
export async function openCfgMgr32(): Promise<DevNodeApi> {
  const koffi = await loadKoffi();
  const lib = koffi.load("cfgmgr32.dll");
  const listSize = lib.func(
    "uint32 __stdcall CM_Get_Device_ID_List_SizeW(_Out_ uint32 *len, const char16_t *filter, uint32 flags)",
  );
  const list = lib.func(
    "uint32 __stdcall CM_Get_Device_ID_ListW(const char16_t *filter, void *buffer, uint32 len, uint32 flags)",
  );
  const locate = lib.func(
    "uint32 __stdcall CM_Locate_DevNodeW(_Out_ uint32 *devinst, const char16_t *id, uint32 flags)",
  );
  const property = lib.func(
    "uint32 __stdcall CM_Get_DevNode_PropertyW(uint32 devinst, const uint8_t *key, _Out_ uint32 *type, void *buffer, _Inout_ uint32 *size, uint32 flags)",
  );
  const status = lib.func(
    "uint32 __stdcall CM_Get_DevNode_Status(_Out_ uint32 *status, _Out_ uint32 *problem, uint32 devinst, uint32 flags)",
  );
  return {
    presentIds() {
      // The list can grow between the two calls: retry while the buffer is too small.
      for (let attempt = 0; attempt < 4; attempt++) {
        const length = [0];
        if (listSize(length, null, CM_GETIDLIST_FILTER_PRESENT) !== CR_SUCCESS) return [];
        const buffer = Buffer.alloc((length[0] ?? 0) * 2);
        const result = list(null, buffer, length[0], CM_GETIDLIST_FILTER_PRESENT);
        if (result === CR_BUFFER_SMALL) continue;
        if (result !== CR_SUCCESS) return [];
        return buffer
          .toString("utf16le")
          .split("\0")
          .filter((id) => id !== "");
      }
      return [];
    },
    locate(instanceId) {
      const devinst = [0];
      return locate(devinst, instanceId, CM_LOCATE_DEVNODE_NORMAL) === CR_SUCCESS ? devinst[0] : undefined;
    },
    property(devinst, key) {
      const type = [0];
      const size = [0];
      if (property(devinst, key, type, null, size, 0) !== CR_BUFFER_SMALL) return undefined;
      const buffer = Buffer.alloc(size[0] ?? 0);
      if (property(devinst, key, type, buffer, size, 0) !== CR_SUCCESS) return undefined;
      return { type: type[0] ?? 0, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, size[0] ?? 0) };
    },
    problem(devinst) {
      const state = [0];
      const problem = [0];
      return status(state, problem, devinst, 0) === CR_SUCCESS ? (problem[0] ?? 0) : 0;
    },
  };
}

/** A live reader that can say which collector answered the PnP listing and the Bluetooth registry. */
export interface PnpCollectorReader extends SourceReader {
  /** "cfgmgr32", or "powershell" with the reason CfgMgr32 is not used (koffi cannot load ...). */
  collector(): { name: "cfgmgr32" | "powershell"; reason?: string };
  /** "advapi32" (bthport.ts), or "powershell" (collect-bluetooth.ps1) with the reason. */
  registryCollector?(): { name: "advapi32" | "powershell"; reason?: string };
}

/**
 * A live reader that answers pnp-devices.json from CfgMgr32 and bluetooth-registry.json from
 * advapi32 (bthport.ts), both in process, and passes anything else to `fallback` (PowerShell). When
 * one cannot be opened (koffi or the DLL will not load) its source comes from `fallback` from then
 * on, and collector() / registryCollector() say why.
 */
export function cfgmgr32SourceReader(
  fallback: SourceReader,
  open: () => Promise<DevNodeApi> = openCfgMgr32,
  openRegistryApi: () => Promise<RegistryApi> = openRegistry,
): PnpCollectorReader {
  const pnp = inProcessCollector("CfgMgr32 through koffi", open, collectPnpDevices, fallback);
  const registry = inProcessCollector(
    "advapi32 through koffi",
    openRegistryApi,
    bluetoothRegistryDocument,
    fallback,
  );
  return {
    kind: "live",
    collector: () => {
      const reason = pnp.refused();
      return reason === undefined ? { name: "cfgmgr32" } : { name: "powershell", reason };
    },
    registryCollector: () => {
      const reason = registry.refused();
      return reason === undefined ? { name: "advapi32" } : { name: "powershell", reason };
    },
    async read(source): Promise<SourceOutput> {
      if (source.file === BLUETOOTH_REGISTRY_SOURCE.file) return registry.read(source);
      if (source.file === PNP_DEVICES_SOURCE.file) return pnp.read(source);
      return fallback.read(source);
    },
  };
}

/**
 * One in-process collector, `label` naming it in its reasons: the API is opened once, on first
 * use; when it cannot be opened the source comes from `fallback` from then on, and refused() says
 * why. A collection that throws fails that read only.
 */
function inProcessCollector<Api>(
  label: string,
  open: () => Promise<Api>,
  collect: (api: Api) => unknown,
  fallback: SourceReader,
): { read(source: CommandSource): Promise<SourceOutput>; refused(): string | undefined } {
  let api: Promise<Api> | undefined;
  let refused: string | undefined;
  return {
    refused: () => refused,
    async read(source) {
      if (refused !== undefined) return fallback.read(source);
      const began = process.hrtime.bigint();
      let opened: Api;
      try {
        api ??= open();
        opened = await api;
      } catch (error) {
        refused = `${label}: ${(error as Error).message}`;
        return fallback.read(source);
      }
      try {
        const text = JSON.stringify(collect(opened));
        return { ok: true, text, durationMs: Math.round(Number(process.hrtime.bigint() - began) / 1e6) };
      } catch (error) {
        return { ok: false, reason: `${label}: ${(error as Error).message}` };
      }
    },
  };
}

/** The note every USB observation carries when PowerShell answered instead of CfgMgr32. */
export function collectorNote(reader: SourceReader): string | undefined {
  const choice = (reader as Partial<PnpCollectorReader>).collector?.();
  if (choice?.name !== "powershell") return undefined;
  return `listed by PowerShell (collect-pnp.ps1), not CfgMgr32 in process (${choice.reason ?? "chosen"}): each listing costs a PowerShell start-up, so a new device can take up to 60 s to be judged`;
}

/** The note every Bluetooth observation carries when PowerShell read BTHPORT instead of advapi32. */
export function registryCollectorNote(reader: SourceReader): string | undefined {
  const choice = (reader as Partial<PnpCollectorReader>).registryCollector?.();
  if (choice?.name !== "powershell") return undefined;
  return `BTHPORT read by PowerShell (collect-bluetooth.ps1), not advapi32 in process (${choice.reason ?? "chosen"})`;
}

/**
 * Which collector answers the PnP listing (`pnp`) or BTHPORT (`registry`) through `reader`, for
 * `eca status`; undefined for a reader with no choice (a capture folder).
 */
export function collectorUse(
  reader: SourceReader,
  which: "pnp" | "registry",
): Pick<CollectorUse, "collector" | "fallbackReason"> | undefined {
  const choices = reader as Partial<PnpCollectorReader>;
  const choice = which === "pnp" ? choices.collector?.() : choices.registryCollector?.();
  if (!choice) return undefined;
  if (choice.name !== "powershell")
    return { collector: `${choice.name === "cfgmgr32" ? "CfgMgr32" : "advapi32"} in process` };
  return {
    collector: `PowerShell (${which === "pnp" ? "collect-pnp.ps1" : "collect-bluetooth.ps1"})`,
    ...(choice.reason ? { fallbackReason: choice.reason } : {}),
  };
}

/** Whether BTHPORT is read by PowerShell through `reader` (so each read costs a start-up). */
export function registryByPowerShell(reader: SourceReader): boolean {
  return (reader as Partial<PnpCollectorReader>).registryCollector?.().name !== "advapi32";
}
