import { EventEmitter } from "node:events";
import type { SourceReader } from "./capture/sources.ts";
import type { Snapshot, SourceName } from "./types.ts";

/** Events a probe may emit while watching. */
export interface ProbeEventMap {
  /** Something was attached, removed or changed: the daemon rescans (debounced). */
  change: [reason: string];
  /** A source failed while watching; the probe keeps going where it can. */
  error: [error: Error];
}

export interface ProbeOptions {
  /** Filesystem root for sources that read files (sysfs, BlueZ store): "/" on a real laptop. */
  root: string;
  /** Recorded observations, for the replay probe. */
  replayFile?: string;
  /** D-Bus system bus address; defaults to DBUS_SYSTEM_BUS_ADDRESS or the standard socket. */
  systemBusAddress?: string;
  /**
   * Where command-based probes (macOS, Windows) get their raw input: the live machine when absent,
   * or a capture folder (probes/capture/sources.ts). File-based Linux probes use `root` instead.
   */
  sources?: SourceReader;
}

/**
 * One reader of one source on one OS. `snapshot()` must never throw for a missing or garbled
 * source: it reports the source as unavailable and returns what it could read.
 */
export abstract class Probe extends EventEmitter<ProbeEventMap> {
  abstract readonly name: SourceName;
  abstract snapshot(): Promise<Snapshot>;
  /** Start emitting `change` events where the OS offers them. Polling is the daemon's job. */
  watch(): void {}
  /** Release sockets, watchers and handles. */
  async stop(): Promise<void> {}
}
