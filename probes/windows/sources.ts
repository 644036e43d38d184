// The sources the Windows probes read, as CommandSources (probes/capture/sources.ts): `eca capture`
// runs them and saves each output under its file name; `eca scan --capture DIR` reads the files.
//
// Windows PowerShell 5.1 is run by its full path under %SystemRoot% (it ships with every Windows 10
// and 11; a service running as SYSTEM must not pick up a powershell.exe from PATH), with the
// collector's text passed as -EncodedCommand (UTF-16LE, base64) so nothing is written to disk and no
// script file has to sit beside the executable. The same scripts are in the repo as
// probes/windows/collect-*.ps1 for administrators to read and run by hand.

import type { CommandSource } from "../capture/sources.ts";
import { COLLECT_BLUETOOTH_PS1, COLLECT_PNP_PS1 } from "./collector-scripts.ts";

export const PNP_DEVICES_FILE = "pnp-devices.json";
export const BLUETOOTH_REGISTRY_FILE = "bluetooth-registry.json";

/** The argv that runs a collector script with Windows PowerShell 5.1. */
export function powershellCommand(
  script: string,
  systemRoot = process.env.SystemRoot ?? "C:\\Windows",
): string[] {
  return [
    `${systemRoot}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`,
    "-NoProfile",
    "-NonInteractive",
    "-ExecutionPolicy",
    "Bypass",
    "-EncodedCommand",
    Buffer.from(script, "utf16le").toString("base64"),
  ];
}

/** Which repository script each source runs, for messages and capture manifests. */
const SCRIPT_OF: Record<string, string> = {};

/**
 * The command as people should read it: the -EncodedCommand blob (kilobytes of base64) replaced by
 * the script's name, as in the capture manifests: [..., "-EncodedCommand", "<collect-pnp.ps1>"].
 */
export function displayCommand(source: CommandSource): string[] {
  const script = SCRIPT_OF[source.file];
  const encoded = source.command.indexOf("-EncodedCommand");
  if (script === undefined || encoded < 0) return [...source.command];
  return [...source.command.slice(0, encoded + 1), `<${script}>`, ...source.command.slice(encoded + 2)];
}

/**
 * Start-up alone costs 0.2–0.6 s (BENCHMARKS.md, Windows section), and Get-PnpDeviceProperty over a
 * laptop's few hundred nodes more: allow 20 s. A listing of a few hundred nodes is 100–300 kB.
 */
export const PNP_DEVICES_SOURCE: CommandSource = {
  file: PNP_DEVICES_FILE,
  command: powershellCommand(COLLECT_PNP_PS1),
  timeoutMs: 20_000,
  maxBytes: 8 * 1024 * 1024,
};

export const BLUETOOTH_REGISTRY_SOURCE: CommandSource = {
  file: BLUETOOTH_REGISTRY_FILE,
  command: powershellCommand(COLLECT_BLUETOOTH_PS1),
  timeoutMs: 10_000,
  maxBytes: 1024 * 1024,
};

SCRIPT_OF[PNP_DEVICES_FILE] = "collect-pnp.ps1";
SCRIPT_OF[BLUETOOTH_REGISTRY_FILE] = "collect-bluetooth.ps1";

/** Everything the Windows probes read: what `eca capture` records on win32 (manifest: displayCommand). */
export const WINDOWS_PNP_SOURCES: readonly CommandSource[] = [PNP_DEVICES_SOURCE, BLUETOOTH_REGISTRY_SOURCE];
