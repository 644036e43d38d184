// Bluetooth devices BlueZ has stored, including those paired in the past and not around now:
// <root>/var/lib/bluetooth/<adapter address>/<device address>/info.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { BluetoothObservation, Snapshot } from "../types.ts";
import { parseBluezInfo } from "./bluez-info.ts";

const addressPattern = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;

class BluezStoreProbe extends Probe {
  readonly name = "bluez-store" as const;
  private readonly storeDirectory: string;

  constructor(options: ProbeOptions) {
    super();
    this.storeDirectory = join(options.root, "var", "lib", "bluetooth");
  }

  async snapshot(): Promise<Snapshot> {
    let adapters: string[];
    try {
      adapters = (await readdir(this.storeDirectory, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && addressPattern.test(entry.name))
        .map((entry) => entry.name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === "ENOENT"
          ? `${this.storeDirectory} does not exist (BlueZ not installed or never used)`
          : code === "EACCES"
            ? `${this.storeDirectory} is not readable (needs root)`
            : `${this.storeDirectory}: ${(error as Error).message}`;
      return { observations: [], unavailable: [{ source: this.name, reason }] };
    }
    const observations: BluetoothObservation[] = [];
    const problems: string[] = [];
    for (const adapter of adapters) {
      let devices: string[];
      try {
        devices = (await readdir(join(this.storeDirectory, adapter), { withFileTypes: true }))
          .filter((entry) => entry.isDirectory() && addressPattern.test(entry.name))
          .map((entry) => entry.name);
      } catch (error) {
        problems.push(`${adapter}: ${(error as Error).message}`);
        continue;
      }
      for (const device of devices) {
        const path = join(this.storeDirectory, adapter, device, "info");
        let text: string;
        try {
          text = await readFile(path, "utf8");
        } catch (error) {
          // A device directory without a readable info file still tells that the device was known.
          text = "";
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== "ENOENT") problems.push(`${path}: ${(error as Error).message}`);
          else continue;
        }
        observations.push(observationFromInfo(adapter, device, text, path));
      }
    }
    const unavailable =
      problems.length > 0
        ? [{ source: this.name, reason: `some of the store could not be read: ${problems.join("; ")}` }]
        : [];
    return { observations, unavailable };
  }
}

/** One stored device as an observation; `path` only labels warnings. */
export function observationFromInfo(
  adapter: string,
  device: string,
  text: string,
  path = "info",
): BluetoothObservation {
  const info = parseBluezInfo(text);
  const address = device.toUpperCase();
  const observation: BluetoothObservation = {
    bus: "bluetooth",
    source: "bluez-store",
    id: `bt:${address}`,
    address,
    adapter: adapter.toUpperCase(),
    uuids: info.uuids,
    // BlueZ keeps info files for paired devices; a key means it was bonded, whatever else is garbled.
    paired: info.bonded,
    bonded: info.bonded,
    connected: false, // the store cannot tell; D-Bus and HCI can
  };
  if (info.addressType) observation.addressType = info.addressType;
  if (info.name) observation.name = info.name;
  if (info.alias) observation.alias = info.alias;
  if (info.classOfDevice !== undefined) observation.classOfDevice = info.classOfDevice;
  if (info.appearance !== undefined) observation.appearance = info.appearance;
  if (info.modalias) observation.modalias = info.modalias;
  if (info.trusted !== undefined) observation.trusted = info.trusted;
  if (info.warnings.length > 0) observation.warnings = info.warnings.map((warning) => `${path}: ${warning}`);
  return observation;
}

export function createBluezStoreProbe(options: ProbeOptions): Probe {
  return new BluezStoreProbe(options);
}
