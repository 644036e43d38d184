// How the Windows probes get their input. Both read pnp-devices.json (the Bluetooth probe needs the
// BTHENUM and BTHLE nodes), so one collection serves both. On a live machine the listing comes from
// CfgMgr32 in process (cfgmgr32.ts), or from PowerShell when koffi cannot load, and a listing is
// reused for `LIVE_REFRESH_MS` (a PowerShell start-up costs 0.2–0.6 s of CPU, cited in
// BENCHMARKS.md, and the daemon polls every 30 s) unless a device notification (watch.ts) says the
// machine changed: then the next listing is fresh. A capture folder is read every time.

import {
  type CommandSource,
  liveSourceReader,
  type SourceOutput,
  type SourceReader,
} from "../capture/sources.ts";
import { cfgmgr32SourceReader, type PnpCollectorReader } from "./cfgmgr32.ts";
import { BLUETOOTH_REGISTRY_FILE, displayCommand, PNP_DEVICES_FILE } from "./sources.ts";

/** How long a live listing answers scans before the collector runs again. */
export const LIVE_REFRESH_MS = 60_000;

let sharedLive: SourceReader | undefined;

/**
 * One live reader for every Windows probe of the process, so they share its cache: the PnP listing
 * from CfgMgr32 and the Bluetooth registry from advapi32, in process (cfgmgr32.ts, bthport.ts),
 * each falling back to its PowerShell collector when koffi cannot load. ECA_WINDOWS_PNP=powershell
 * makes PowerShell read both.
 */
export function windowsLiveReader(env: NodeJS.ProcessEnv = process.env): SourceReader {
  if (!sharedLive) {
    const powershell = readableReasons(liveSourceReader());
    sharedLive =
      env.ECA_WINDOWS_PNP === "powershell"
        ? {
            ...powershell,
            collector: () => ({ name: "powershell" as const, reason: "ECA_WINDOWS_PNP=powershell" }),
          }
        : cfgmgr32SourceReader(powershell);
  }
  return sharedLive;
}

/**
 * The live reader names a failed command by its whole argv; for the collectors that is kilobytes of
 * base64 in every report, event and log line. Name the script instead (sources.ts displayCommand).
 */
export function readableReasons(reader: SourceReader): SourceReader {
  return {
    kind: reader.kind,
    async read(source) {
      const output = await reader.read(source);
      if (output.ok) return output;
      const reason = output.reason.replaceAll(source.command.join(" "), displayCommand(source).join(" "));
      return { ...output, reason };
    },
  };
}

/** What a capture manifest says ran for `source`: the in-process collector when it answered through `reader`. */
export function capturedCommand(source: CommandSource, reader: SourceReader): string[] {
  const choice = (reader as Partial<PnpCollectorReader>).collector?.();
  if (source.file === PNP_DEVICES_FILE && choice?.name === "cfgmgr32") {
    return [
      "cfgmgr32.dll",
      "CM_Get_Device_ID_ListW",
      "CM_Get_DevNode_PropertyW",
      "<probes/windows/cfgmgr32.ts>",
    ];
  }
  const registry = (reader as Partial<PnpCollectorReader>).registryCollector?.();
  if (source.file === BLUETOOTH_REGISTRY_FILE && registry?.name === "advapi32") {
    return ["advapi32.dll", "RegEnumKeyExW", "RegEnumValueW", "<probes/windows/bthport.ts>"];
  }
  return displayCommand(source);
}

interface Cached {
  at: number;
  output: Promise<SourceOutput>;
}

const caches = new WeakMap<SourceReader, Map<string, Cached>>();

/**
 * Forgets `reader`'s answers for `files`, so the next read of each runs its collector again: a
 * device notification said the machine changed. A read under way still answers whoever awaits it.
 */
export function invalidateShared(reader: SourceReader, files: readonly string[]): void {
  const cache = caches.get(reader);
  for (const file of files) cache?.delete(file);
}

/**
 * Reads `source` through `reader`; a live reader's answer (or the read under way) is shared for
 * `refreshMs`, and so is a failure: a PowerShell that fails after starting (blocked by policy,
 * timing out) would otherwise cost a start-up on every 5 s poll. The bus stays unobserved meanwhile.
 */
export function readShared(
  reader: SourceReader,
  source: CommandSource,
  now: () => number = Date.now,
  refreshMs: number = LIVE_REFRESH_MS,
): Promise<SourceOutput> {
  if (reader.kind !== "live") return reader.read(source);
  let cache = caches.get(reader);
  if (!cache) {
    cache = new Map();
    caches.set(reader, cache);
  }
  const cached = cache.get(source.file);
  if (cached && now() - cached.at < refreshMs) return cached.output;
  const output = reader.read(source);
  cache.set(source.file, { at: now(), output });
  return output;
}
