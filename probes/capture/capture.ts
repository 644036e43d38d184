// `eca capture DIR`: writes what this platform's probes read, raw and unparsed, plus manifest.json
// (docs/CAPTURE.md). Command sources come from the probes themselves (each exports its list), run
// through a SourceReader, so the folder holds exactly what a live scan would have parsed.

import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { hostname, release, version } from "node:os";
import { dirname, join } from "node:path";
import { AGENT_VERSION } from "../../agent/version.ts";
import { BLUEZ_OBJECTS_ORIGIN, BLUEZ_OBJECTS_SOURCE, readBluezObjects } from "./bluez-objects.ts";
import { captureLinuxFiles } from "./linux.ts";
import {
  CAPTURE_FORMAT,
  type CaptureManifest,
  type CapturePlatform,
  type CaptureSourceEntry,
  MANIFEST_FILE,
} from "./manifest.ts";
import { type CommandSource, liveSourceReader, readWithFallback, type SourceReader } from "./sources.ts";

/** What `eca capture` runs on a platform: its probes' command sources, and how to run and show them. */
export interface PlatformCapture {
  sources: readonly CommandSource[];
  /** The live reader the platform's probes use (Windows: named scripts in errors, CfgMgr32 option). */
  reader?: () => SourceReader;
  /**
   * The argv as the manifest shows it (Windows: the script's name instead of kilobytes of base64,
   * or the in-process collector that answered through `reader`).
   */
  display?: (source: CommandSource, reader: SourceReader) => string[];
}

/** The command sources of each platform's default probes, loaded only for the platform captured. */
export async function platformCapture(platform: CapturePlatform): Promise<PlatformCapture> {
  switch (platform) {
    case "darwin":
      return {
        sources: [
          ...(await import("../macos/usb.ts")).MACOS_USB_SOURCES,
          ...(await import("../macos/bluetooth.ts")).MACOS_BLUETOOTH_SOURCES,
        ],
      };
    case "win32": {
      const [{ WINDOWS_PNP_SOURCES }, { windowsLiveReader, capturedCommand }] = await Promise.all([
        import("../windows/sources.ts"),
        import("../windows/read.ts"),
      ]);
      return { sources: WINDOWS_PNP_SOURCES, reader: () => windowsLiveReader(), display: capturedCommand };
    }
    case "linux":
      // Linux probes read files and D-Bus, captured by captureLinuxFiles and readBluezObjects.
      return { sources: [] };
  }
}

export interface CaptureRun {
  directory: string;
  platform: CapturePlatform;
  /** Where Linux files are read from: "/" on a real laptop. */
  root: string;
  reader?: SourceReader;
  systemBusAddress?: string;
  now?: Date;
}

function entryFor(
  source: CommandSource,
  output: Awaited<ReturnType<SourceReader["read"]>>,
  display: (source: CommandSource) => string[] = (shown) => [...shown.command],
): CaptureSourceEntry {
  const entry: CaptureSourceEntry = { file: source.file, command: display(source) };
  if (output.ok) entry.exitCode = 0;
  else {
    if (output.exitCode !== undefined) entry.exitCode = output.exitCode;
    entry.error = output.reason;
  }
  if (output.durationMs !== undefined) entry.durationMs = output.durationMs;
  return entry;
}

function writeSourceFile(directory: string, file: string, text: string): void {
  const path = join(directory, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Refuses a folder that already holds something: two captures mixed would replay as neither. */
function prepareDirectory(directory: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (entries.length > 0) {
    throw new Error(`${directory} is not empty: give eca capture a new or empty folder`);
  }
  mkdirSync(directory, { recursive: true });
}

/** The kernel's release and version; on a Mac also the product version sw_vers prints ("14.6"). */
async function osVersion(platform: CapturePlatform, reader: SourceReader): Promise<string> {
  const kernel = `${release()} ${version()}`.trim();
  if (platform !== "darwin") return kernel;
  const product = await reader.read({
    file: "sw_vers.txt",
    command: ["sw_vers", "-productVersion"],
    timeoutMs: 2_000,
    maxBytes: 4096,
  });
  return product.ok && product.text.trim() !== "" ? `macOS ${product.text.trim()} (${kernel})` : kernel;
}

export async function writeCapture(run: CaptureRun): Promise<CaptureManifest> {
  prepareDirectory(run.directory);
  const plan = await platformCapture(run.platform);
  const reader = run.reader ?? plan.reader?.() ?? liveSourceReader();
  const sources: CaptureSourceEntry[] = [];
  if (run.platform === "linux") {
    sources.push(...captureLinuxFiles(run.root, run.directory));
    if (run.root === "/") {
      const objects = await readBluezObjects(run.systemBusAddress);
      const entry: CaptureSourceEntry = {
        file: BLUEZ_OBJECTS_SOURCE.file,
        path: BLUEZ_OBJECTS_ORIGIN,
        durationMs: objects.durationMs,
      };
      if ("text" in objects) writeSourceFile(run.directory, entry.file, objects.text);
      else entry.error = objects.error;
      sources.push(entry);
    } else {
      sources.push({
        file: BLUEZ_OBJECTS_SOURCE.file,
        path: BLUEZ_OBJECTS_ORIGIN,
        error: `not read: --root ${run.root} is a recorded tree, and this machine's bus is not part of it`,
      });
    }
  }
  const shown = plan.display;
  const display = shown && ((source: CommandSource) => shown(source, reader));
  for (const source of plan.sources) {
    const { source: answered, output, failures } = await readWithFallback(reader, source);
    for (const failure of failures) sources.push(entryFor(failure.source, failure.output, display));
    if (output.ok) writeSourceFile(run.directory, answered.file, output.text);
    sources.push(entryFor(answered, output, display));
  }
  const manifest: CaptureManifest = {
    format: CAPTURE_FORMAT,
    platform: run.platform,
    hostname: hostname(),
    osVersion: await osVersion(run.platform, reader),
    ecaVersion: AGENT_VERSION,
    capturedAt: (run.now ?? new Date()).toISOString(),
    sources,
  };
  writeFileSync(join(run.directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
