// The Windows Bluetooth probe: paired devices from the Plug and Play listing (BTHENUM, BTHLE and
// BTHLEDEVICE nodes of pnp-devices.json) and from BTHPORT's registry keys (bluetooth-registry.json),
// through the same SourceReader as the USB probe, into the pure parser; watch() as the USB probe's.
// The bus is reported unavailable only when neither source answered; with one missing, what the
// other shows is reported and each device says which source was missing.

import type { Probe, ProbeOptions } from "../probe.ts";
import type { Snapshot, SourceName } from "../types.ts";
import {
  BluetoothRegistryError,
  bluetoothObservationsFromWindows,
  parseBluetoothRegistry,
} from "./bluetooth-parse.ts";
import { registryByPowerShell, registryCollectorNote } from "./cfgmgr32.ts";
import { PnpDocumentError, parsePnpDocument } from "./pnp-document.ts";
import { LIVE_REFRESH_MS, readShared, windowsLiveReader } from "./read.ts";
import { BLUETOOTH_REGISTRY_SOURCE, PNP_DEVICES_SOURCE } from "./sources.ts";
import { NOTIFIED_REGISTRY_REFRESH_MS, NotifiedWindowsProbe, type WindowsProbeSeams } from "./watch.ts";

class WindowsBluetoothProbe extends NotifiedWindowsProbe {
  readonly name: SourceName = "windows-bluetooth";

  async snapshot(): Promise<Snapshot> {
    const reader = this.options.sources ?? windowsLiveReader();
    const [pnpOutput, registryOutput] = await Promise.all([
      readShared(reader, PNP_DEVICES_SOURCE),
      // A PowerShell read costs a start-up; with notifications a pairing makes it fresh at once, so
      // it is reused for longer meanwhile.
      readShared(
        reader,
        BLUETOOTH_REGISTRY_SOURCE,
        Date.now,
        this.notified() && registryByPowerShell(reader) ? NOTIFIED_REGISTRY_REFRESH_MS : LIVE_REFRESH_MS,
      ),
    ]);
    const missing: string[] = [];
    let devices: ReturnType<typeof parsePnpDocument>["devices"] | undefined;
    if (pnpOutput.ok) {
      try {
        devices = parsePnpDocument(pnpOutput.text, PNP_DEVICES_SOURCE.file).devices;
      } catch (error) {
        if (!(error instanceof PnpDocumentError)) throw error;
        missing.push(error.message);
      }
    } else missing.push(pnpOutput.reason);
    let registry: ReturnType<typeof parseBluetoothRegistry> | undefined;
    if (registryOutput.ok) {
      try {
        registry = parseBluetoothRegistry(registryOutput.text, BLUETOOTH_REGISTRY_SOURCE.file);
      } catch (error) {
        if (!(error instanceof BluetoothRegistryError)) throw error;
        missing.push(error.message);
      }
    } else missing.push(registryOutput.reason);
    const collectors = this.collectorsUsed(reader, "registry");
    if (!devices && !registry) {
      return {
        observations: [],
        unavailable: [{ source: this.name, reason: missing.join("; ") }],
        ...collectors,
      };
    }
    const { observations } = bluetoothObservationsFromWindows(devices, registry?.registry);
    const collector = registryCollectorNote(reader);
    const notes = [...missing, ...(registry?.warnings ?? []), ...(collector ? [collector] : [])];
    if (notes.length > 0) {
      for (const observation of observations)
        observation.warnings = [...(observation.warnings ?? []), ...notes];
    }
    return { observations, unavailable: [], ...collectors };
  }
}

export function createWindowsBluetoothProbe(options: ProbeOptions, seams: WindowsProbeSeams = {}): Probe {
  return new WindowsBluetoothProbe(options, seams);
}
