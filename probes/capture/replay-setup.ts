// `eca scan --capture DIR` and `eca run --capture DIR`: the probes a live scan on the captured
// laptop would use, fed from the folder. Backends are the defaults of the platform named in the
// manifest, minus those that can only read live (hci sockets, libusb, systeminformation), so no
// live source is ever consulted: the same folder gives the same report on any OS.

import { backendNames, backendReplays, defaultBackends } from "../create.ts";
import type { ProbeOptions } from "../probe.ts";
import { type CaptureManifest, readCaptureManifest } from "./manifest.ts";
import { captureSourceReader } from "./sources.ts";

export interface CaptureSetup {
  manifest: CaptureManifest;
  backends: string[];
  options: ProbeOptions;
}

/**
 * Reads and checks DIR/manifest.json (DocumentError when it is wrong) and returns the probe setup.
 * `backends`, when given, must all be able to replay a capture.
 */
export function captureProbeSetup(directory: string, backends?: string[]): CaptureSetup {
  const manifest = readCaptureManifest(directory);
  const chosen = backends ?? defaultBackends(manifest.platform).filter(backendReplays);
  if (chosen.length === 0) {
    throw new Error(
      `--capture: ${directory} was recorded on ${manifest.platform}, and no probe of this eca can replay a ${manifest.platform} capture yet`,
    );
  }
  const live = chosen.filter((name) => backendNames().includes(name) && !backendReplays(name));
  if (live.length > 0) {
    throw new Error(
      `--capture: backend ${live.join(", ")} reads only live devices; leave --backend out or choose from: ${defaultBackends(manifest.platform).filter(backendReplays).join(", ")}`,
    );
  }
  // File-reading Linux probes read the folder as their root; command-based ones read its files.
  return {
    manifest,
    backends: chosen,
    options: { root: directory, sources: captureSourceReader(directory) },
  };
}
