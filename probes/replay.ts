// Replays recorded observations from a JSON file ({ "observations": Observation[] }), like
// USBGuard's replay backend: for demos, tests and reproducing a user's report without their laptop.

import { readBoundedText } from "../agent/bounded-read.ts";
import { Probe, type ProbeOptions } from "./probe.ts";
import type { Observation, Snapshot, SourceName } from "./types.ts";

/**
 * The largest recording read: thousands of observations fit in a few hundred KiB. A larger file,
 * a FIFO or a device (a link to /dev/zero) is refused, not read, so it cannot hang or fill a poll.
 */
export const MAX_REPLAY_BYTES = 16 * 1024 * 1024;

const ADDRESS = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/i;

/** Fields the pipeline reads without a guard: their type is checked, and arrays may be left out. */
const REQUIRED_TYPES: Record<"usb" | "bluetooth", Record<string, "string" | "boolean" | "array">> = {
  usb: { interfaces: "array", parents: "array", isRootHub: "boolean", portPath: "string" },
  bluetooth: {
    address: "string",
    uuids: "array",
    paired: "boolean",
    bonded: "boolean",
    connected: "boolean",
  },
};

function typeOf(value: unknown): string {
  return Array.isArray(value) ? "array" : typeof value;
}

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
    const record = observation as Record<string, unknown>;
    const { bus, id } = record;
    if (bus !== "usb" && bus !== "bluetooth")
      return `observations[${index}].bus must be "usb" or "bluetooth"`;
    if (typeof id !== "string" || id === "") return `observations[${index}].id must be a non-empty string`;
    if ("kind" in record) continue; // a Type-C power observation: its own shape
    for (const [field, type] of Object.entries(REQUIRED_TYPES[bus])) {
      const present = record[field];
      if (present === undefined && type !== "string") continue;
      if (typeOf(present) !== type)
        return `observations[${index}].${field} must be ${type === "array" ? "a list" : `a ${type}`}`;
    }
    if (bus === "bluetooth" && !ADDRESS.test(record.address as string))
      return `observations[${index}].address must look like AA:BB:CC:DD:EE:FF`;
  }
  return undefined;
}

/** Fills the lists and flags a recording may leave out, so the rest of the pipeline sees whole observations. */
function completeObservation(observation: Observation): Observation {
  if ("kind" in observation) return observation;
  if (observation.bus === "usb") {
    return {
      ...observation,
      interfaces: observation.interfaces ?? [],
      parents: observation.parents ?? [],
      isRootHub: observation.isRootHub ?? false,
    };
  }
  return {
    ...observation,
    uuids: observation.uuids ?? [],
    paired: observation.paired ?? false,
    bonded: observation.bonded ?? false,
    connected: observation.connected ?? false,
  };
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
    const read = readBoundedText(this.#file, MAX_REPLAY_BYTES);
    if (!read.ok) {
      return unavailable(
        read.code ? `cannot read replay file ${this.#file}: ${read.code}` : `replay file ${read.reason}`,
      );
    }
    const text = read.text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return unavailable(`replay file ${this.#file} is not valid JSON: ${(error as Error).message}`);
    }
    const problem = describeInvalidRecording(parsed);
    if (problem) return unavailable(`replay file ${this.#file} is not a recording: ${problem}`);
    return {
      observations: (parsed as { observations: Observation[] }).observations.map(completeObservation),
      unavailable: [],
    };
  }
}

function unavailable(reason: string): Snapshot {
  return { observations: [], unavailable: [{ source: "replay", reason }] };
}

export function createReplayProbe(options: ProbeOptions): Probe {
  return new ReplayProbe(options);
}
