// The Windows USB probe: reads pnp-devices.json (CfgMgr32 in process on a live machine, or
// collect-pnp.ps1 when koffi cannot load; the file in a capture folder) and hands it to the pure
// parsers. watch() listens to CfgMgr32's device notifications (watch.ts), so a device is judged
// within the daemon's debounce of its arrival; without them the poll finds it, within
// LIVE_REFRESH_MS (read.ts, 60 s).

import type { Probe, ProbeOptions } from "../probe.ts";
import type { Snapshot, SourceName } from "../types.ts";
import { collectorNote } from "./cfgmgr32.ts";
import { PnpDocumentError, parsePnpDocument } from "./pnp-document.ts";
import { usbObservationsFromPnp } from "./pnp-parse.ts";
import { readShared, windowsLiveReader } from "./read.ts";
import { PNP_DEVICES_SOURCE } from "./sources.ts";
import { NotifiedWindowsProbe, type WindowsProbeSeams } from "./watch.ts";

class WindowsPnpProbe extends NotifiedWindowsProbe {
  readonly name: SourceName = "windows-pnp";

  async snapshot(): Promise<Snapshot> {
    const reader = this.options.sources ?? windowsLiveReader();
    const output = await readShared(reader, PNP_DEVICES_SOURCE);
    const collectors = this.collectorsUsed(reader, "pnp");
    if (!output.ok)
      return { observations: [], unavailable: [{ source: this.name, reason: output.reason }], ...collectors };
    try {
      const document = parsePnpDocument(output.text, PNP_DEVICES_SOURCE.file);
      const { observations } = usbObservationsFromPnp(document.devices, document.propertyWarnings);
      const note = collectorNote(reader);
      if (note)
        for (const observation of observations)
          observation.warnings = [...(observation.warnings ?? []), note];
      return { observations, unavailable: [], ...collectors };
    } catch (error) {
      if (!(error instanceof PnpDocumentError)) throw error;
      return { observations: [], unavailable: [{ source: this.name, reason: error.message }], ...collectors };
    }
  }
}

export function createWindowsPnpProbe(options: ProbeOptions, seams: WindowsProbeSeams = {}): Probe {
  return new WindowsPnpProbe(options, seams);
}
