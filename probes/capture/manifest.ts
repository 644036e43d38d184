// manifest.json of a capture folder (docs/CAPTURE.md): which platform it was recorded on and, for
// each source, where it came from. `eca scan --capture DIR` replays the folder as that platform.
// The manifest is checked like a policy file (policy/document.ts): a bad one is refused with the
// file, the place and the fix, never half-replayed as some other platform.

import { join } from "node:path";
import { readBoundedText } from "../../agent/bounded-read.ts";
import { DocumentError } from "../../policy/document.ts";
import { checkAgainstSchema, type JsonSchema } from "../../policy/schema-check.ts";

/** One recorded source: the file in the folder and how it was produced. */
export interface CaptureSourceEntry {
  /** File (or folder, for trees such as sysfs) inside the capture folder. */
  file: string;
  /** The command that produced it, or the path it was copied from. */
  command?: string[];
  path?: string;
  /** Exit status of the command; absent for copied paths. */
  exitCode?: number;
  durationMs?: number;
  /** Why the source could not be recorded; the file is then absent. */
  error?: string;
}

export type CapturePlatform = "linux" | "darwin" | "win32";

export interface CaptureManifest {
  format: "eca-capture/1";
  platform: CapturePlatform;
  /** The laptop's host name, so a folder sent to the security team says which laptop it is. */
  hostname?: string;
  osVersion?: string;
  ecaVersion: string;
  capturedAt: string;
  sources: CaptureSourceEntry[];
}

export const CAPTURE_FORMAT = "eca-capture/1";
export const MANIFEST_FILE = "manifest.json";
/** A manifest lists a few dozen sources; anything near this is not one. */
const MANIFEST_MAX_BYTES = 1 << 20;

const SOURCE_SCHEMA: JsonSchema = {
  type: "object",
  required: ["file"],
  additionalProperties: false,
  properties: {
    file: {
      type: "string",
      minLength: 1,
      // Relative and inside the folder: a manifest must not point a replay at /etc or ../..
      pattern: "^(?![/\\\\])(?![A-Za-z]:)(?!(?:.*[/\\\\])?\\.\\.(?:[/\\\\]|$)).+$",
      "x-hint": "name a file inside the capture folder, e.g. ioreg-usb.txt (no leading /, no ..)",
    },
    command: { type: "array", items: { type: "string" }, "x-hint": "the argv that produced the file" },
    path: { type: "string", "x-hint": "the path the file was copied from" },
    exitCode: { type: "integer", "x-hint": "the command's exit status, a whole number" },
    durationMs: { type: "number", minimum: 0, "x-hint": "milliseconds the command took" },
    error: { type: "string", "x-hint": "why the source could not be recorded" },
  },
};

export const CAPTURE_MANIFEST_SCHEMA: JsonSchema = {
  type: "object",
  required: ["format", "platform", "ecaVersion", "capturedAt", "sources"],
  additionalProperties: false,
  properties: {
    format: {
      enum: [CAPTURE_FORMAT],
      "x-hint": `write "format": "${CAPTURE_FORMAT}" (the folder was made by a different tool or version)`,
    },
    platform: {
      enum: ["linux", "darwin", "win32"],
      "x-hint": "the platform the folder was recorded on: linux, darwin or win32",
    },
    hostname: { type: "string" },
    osVersion: { type: "string" },
    ecaVersion: { type: "string", minLength: 1, "x-hint": "the eca version that made the capture" },
    capturedAt: {
      type: "string",
      pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$",
      "x-hint": "an ISO 8601 time such as 2026-12-01T09:00:00.000Z",
    },
    sources: { type: "array", items: SOURCE_SCHEMA, "x-hint": "list each recorded source" },
  },
};

/** Reads and checks DIR/manifest.json. Throws DocumentError naming the file, the place and the fix. */
export function readCaptureManifest(directory: string): CaptureManifest {
  const file = join(directory, MANIFEST_FILE);
  const read = readBoundedText(file, MANIFEST_MAX_BYTES);
  if (!read.ok) {
    throw new DocumentError(file, [
      {
        path: "",
        message: read.reason,
        hint: "give --capture a folder written by `eca capture DIR` (it holds manifest.json)",
      },
    ]);
  }
  let document: unknown;
  try {
    document = JSON.parse(read.text);
  } catch (error) {
    throw new DocumentError(file, [
      {
        path: "",
        message: `is not JSON (${(error as Error).message})`,
        hint: "restore the manifest.json that `eca capture` wrote",
      },
    ]);
  }
  const problems = checkAgainstSchema(document, CAPTURE_MANIFEST_SCHEMA);
  if (problems.length > 0) throw new DocumentError(file, problems);
  return document as CaptureManifest;
}
