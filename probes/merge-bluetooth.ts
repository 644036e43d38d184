// One observation per Bluetooth address, however many sources saw it.

import type { BluetoothObservation, SourceName } from "./types.ts";

/**
 * Which source's facts win where two disagree: what BlueZ says now, then its store, then HCI; on a
 * Mac, its own system_profiler and preferences before systeminformation's name-and-address view.
 */
const precedence: SourceName[] = ["bluez-dbus", "bluez-store", "hci", "macos-bluetooth"];

function rank(source: SourceName): number {
  const index = precedence.indexOf(source);
  return index < 0 ? precedence.length : index;
}

/**
 * Dedupes by address. The highest-precedence source gives the base; the others fill gaps.
 * paired, bonded and connected are true if any source says so (a link key in the store means bonded
 * even when BlueZ's D-Bus API predates the Bonded property). UUIDs and warnings are unioned.
 */
export function mergeBluetoothObservations(list: BluetoothObservation[]): BluetoothObservation[] {
  const byAddress = Map.groupBy(list, (observation) => observation.address.toUpperCase());
  const merged: BluetoothObservation[] = [];
  for (const [address, group] of byAddress) {
    const ordered = [...group].sort((a, b) => rank(a.source) - rank(b.source));
    const [first, ...rest] = ordered;
    if (!first) continue;
    const result: BluetoothObservation = { ...first, id: `bt:${address}`, address, uuids: [...first.uuids] };
    const uuids = new Set(result.uuids.map((uuid) => uuid.toLowerCase()));
    const warnings = new Set(first.warnings ?? []);
    for (const other of rest) {
      result.addressType ??= other.addressType;
      result.adapter ??= other.adapter;
      result.name ??= other.name;
      result.alias ??= other.alias;
      result.classOfDevice ??= other.classOfDevice;
      result.appearance ??= other.appearance;
      result.modalias ??= other.modalias;
      result.minorType ??= other.minorType;
      result.trusted ??= other.trusted;
      result.paired ||= other.paired;
      result.bonded ||= other.bonded;
      result.connected ||= other.connected;
      for (const uuid of other.uuids) uuids.add(uuid.toLowerCase());
      for (const warning of other.warnings ?? []) warnings.add(warning);
    }
    result.uuids = [...uuids];
    if (warnings.size > 0) result.warnings = [...warnings];
    else delete result.warnings;
    merged.push(result);
  }
  return merged;
}
