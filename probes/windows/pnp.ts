// The Windows USB probe: reads pnp-devices.json (collect-pnp.ps1 on a live machine, the file in a
// capture folder otherwise) and hands it to the pure parsers. Windows offers no device-change
// notification without native code, so there is no watch(): the daemon's polling finds changes,
// within LIVE_REFRESH_MS (read.ts, 60 s).

import { Probe, type ProbeOptions } from "../probe.ts";
import type { Snapshot, SourceName } from "../types.ts";
import { PnpDocumentError, parsePnpDocument } from "./pnp-document.ts";
import { usbObservationsFromPnp } from "./pnp-parse.ts";
import { readShared, windowsLiveReader } from "./read.ts";
import { PNP_DEVICES_SOURCE } from "./sources.ts";

class WindowsPnpProbe extends Probe {
  readonly name: SourceName = "windows-pnp";
  readonly #options: ProbeOptions;

  constructor(options: ProbeOptions) {
    super();
    this.#options = options;
  }

  async snapshot(): Promise<Snapshot> {
    const reader = this.#options.sources ?? windowsLiveReader();
    const output = await readShared(reader, PNP_DEVICES_SOURCE);
    if (!output.ok) return { observations: [], unavailable: [{ source: this.name, reason: output.reason }] };
    try {
      const document = parsePnpDocument(output.text, PNP_DEVICES_SOURCE.file);
      const { observations } = usbObservationsFromPnp(document.devices, document.propertyWarnings);
      return { observations, unavailable: [] };
    } catch (error) {
      if (!(error instanceof PnpDocumentError)) throw error;
      return { observations: [], unavailable: [{ source: this.name, reason: error.message }] };
    }
  }
}

export function createWindowsPnpProbe(options: ProbeOptions): Probe {
  return new WindowsPnpProbe(options);
}
