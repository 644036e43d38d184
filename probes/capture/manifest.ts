// manifest.json of a capture folder (docs/CAPTURE.md): which platform it was recorded on and, for
// each source, where it came from. `eca scan --capture DIR` replays the folder as that platform.

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

export interface CaptureManifest {
  format: "eca-capture/1";
  platform: "linux" | "darwin" | "win32";
  osVersion?: string;
  ecaVersion: string;
  capturedAt: string;
  sources: CaptureSourceEntry[];
}

export const CAPTURE_FORMAT = "eca-capture/1";
