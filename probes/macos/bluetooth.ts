// The macOS Bluetooth probe: what the Mac is paired with, connected or not. It runs (or reads from a
// capture folder) two sources and hands their text to the pure parsers in bluetooth-parse.ts:
// - `system_profiler -json SPBluetoothDataType`: every paired device, connected or not, with its
//   type, services and Device ID. This is what decides whether Bluetooth could be observed at all.
// - `plutil -convert xml1 -o - /Library/Preferences/com.apple.Bluetooth.plist`: the pairings macOS
//   remembers (a car paired last month and out of range today), with cached names and Class of
//   Device. Missing or unreadable, it only costs those past pairings: each observation says so.
// system_profiler takes about a second or more: the daemon's poll interval, not every event, sets
// how often this runs (see docs).

import { type CommandSource, liveSourceReader, type SourceReader } from "../capture/sources.ts";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { BluetoothObservation, Snapshot } from "../types.ts";
import {
  combineMacosBluetooth,
  parseBluetoothPreferences,
  parseSystemProfilerBluetooth,
} from "./bluetooth-parse.ts";

export const SYSTEM_PROFILER_BLUETOOTH: CommandSource = {
  file: "system_profiler-SPBluetoothDataType.json",
  command: ["system_profiler", "-json", "SPBluetoothDataType"],
  timeoutMs: 30_000,
  maxBytes: 4 * 1024 * 1024,
};

export const BLUETOOTH_PREFERENCES: CommandSource = {
  file: "bluetooth-preferences.xml",
  command: ["plutil", "-convert", "xml1", "-o", "-", "/Library/Preferences/com.apple.Bluetooth.plist"],
  timeoutMs: 10_000,
  maxBytes: 4 * 1024 * 1024,
};

/** What the probe reads, for `eca capture` to record. */
export const MACOS_BLUETOOTH_SOURCES: CommandSource[] = [SYSTEM_PROFILER_BLUETOOTH, BLUETOOTH_PREFERENCES];

function withWarning(observation: BluetoothObservation, warning: string): BluetoothObservation {
  return { ...observation, warnings: [...(observation.warnings ?? []), warning] };
}

class MacosBluetoothProbe extends Probe {
  readonly name = "macos-bluetooth" as const;
  readonly #sources: SourceReader;

  constructor(options: ProbeOptions) {
    super();
    this.#sources = options.sources ?? liveSourceReader();
  }

  async snapshot(): Promise<Snapshot> {
    const [profiler, preferences] = await Promise.all([
      this.#sources.read(SYSTEM_PROFILER_BLUETOOTH),
      this.#sources.read(BLUETOOTH_PREFERENCES),
    ]);
    let current: BluetoothObservation[] | undefined;
    let currentProblem: string | undefined;
    if (profiler.ok) {
      try {
        current = parseSystemProfilerBluetooth(profiler.text, SYSTEM_PROFILER_BLUETOOTH.file).observations;
      } catch (error) {
        currentProblem = (error as Error).message;
      }
    } else currentProblem = profiler.reason;

    let remembered: BluetoothObservation[] = [];
    let pastProblem: string | undefined;
    if (preferences.ok) {
      try {
        remembered = parseBluetoothPreferences(preferences.text, BLUETOOTH_PREFERENCES.file).observations;
      } catch (error) {
        pastProblem = (error as Error).message;
      }
    } else pastProblem = preferences.reason;

    if (current === undefined) {
      // Without system_profiler the Mac's Bluetooth was not observed: say so, and still report the
      // past pairings that could be read, so a remembered car is not lost.
      const reasons = [currentProblem, pastProblem && `past pairings: ${pastProblem}`].filter(Boolean);
      return {
        observations: remembered,
        unavailable: [{ source: this.name, reason: reasons.join("; ") }],
      };
    }
    let observations = combineMacosBluetooth(current, remembered);
    if (pastProblem) {
      const warning = `past pairings not read (${pastProblem}): only devices system_profiler lists are known`;
      observations = observations.map((observation) => withWarning(observation, warning));
    }
    return { observations, unavailable: [] };
  }
}

export function createMacosBluetoothProbe(options: ProbeOptions): Probe {
  return new MacosBluetoothProbe(options);
}
