// Replays recorded observations from a JSON file ({ "observations": Observation[] }), like
// USBGuard's replay backend: for demos, tests and reproducing a user's report without their laptop.

import { readFile } from "node:fs/promises";
import { Probe, type ProbeOptions } from "./probe.ts";
import type { Observation, Snapshot, SourceName } from "./types.ts";

/** Why `value` is not a usable recording, or undefined when it is. */
export function describeInvalidRecording(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return 'expected an object with an "observations" array';
  }
  const observations = (value as { observations?: unknown }).observations;
  if (!Array.isArray(observations)) return 'expected an "observations" array';
  for (const [index, observation] of observations.entries()) {
    if (typeof observation !== "object" || observation === null)
      return `observations[${index}] is not an object`;
    const { bus, id } = observation as { bus?: unknown; id?: unknown };
    if (bus !== "usb" && bus !== "bluetooth")
      return `observations[${index}].bus must be "usb" or "bluetooth"`;
    if (typeof id !== "string" || id === "") return `observations[${index}].id must be a non-empty string`;
  }
  return undefined;
}

class ReplayProbe extends Probe {
  readonly name: SourceName = "replay";
  readonly #file: string | undefined;

  constructor(options: ProbeOptions) {
    super();
    this.#file = options.replayFile;
  }

  async snapshot(): Promise<Snapshot> {
    if (!this.#file) return unavailable("no replay file given (--replay FILE)");
    let text: string;
    try {
      text = await readFile(this.#file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return unavailable(`cannot read replay file ${this.#file}: ${code ?? String(error)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return unavailable(`replay file ${this.#file} is not valid JSON: ${(error as Error).message}`);
    }
    const problem = describeInvalidRecording(parsed);
    if (problem) return unavailable(`replay file ${this.#file} is not a recording: ${problem}`);
    return { observations: (parsed as { observations: Observation[] }).observations, unavailable: [] };
  }
}

function unavailable(reason: string): Snapshot {
  return { observations: [], unavailable: [{ source: "replay", reason }] };
}

export function createReplayProbe(options: ProbeOptions): Probe {
  return new ReplayProbe(options);
}
