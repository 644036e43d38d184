// Device notifications for the Windows probes: one notifier for the process (cm-notify.ts: CfgMgr32
// through koffi), shared by the USB and Bluetooth probes as they share one live reader (read.ts).
// A notification that a node or an interface came or went makes the next listing fresh (the cached
// one is forgotten), then each watching probe emits `change`, which the daemon turns into a
// debounced rescan, as for Linux's inotify events. The Bluetooth registry (a PowerShell run) is
// read again only for a Bluetooth node. Without notifications (koffi cannot load) the probes say so
// through their `error` event and the daemon's safety poll finds changes, within LIVE_REFRESH_MS.

import type { SourceReader } from "../capture/sources.ts";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { Snapshot } from "../types.ts";
import { collectorUse } from "./cfgmgr32.ts";
import { cmNotifier, type DeviceNotifier } from "./cm-notify.ts";
import { concernsBluetooth, describeNotification } from "./cm-notify-parse.ts";
import { invalidateShared, LIVE_REFRESH_MS, windowsLiveReader } from "./read.ts";
import { BLUETOOTH_REGISTRY_FILE, PNP_DEVICES_FILE } from "./sources.ts";

interface Subscriber {
  change(reason: string): void;
  error(error: Error): void;
}

/** Notifications fanned out to the probes watching, for one reader's cache. */
export interface DeviceWatch {
  /** Starts the notifier with the first subscriber; the returned function unsubscribes (and stops it with the last). */
  subscribe(subscriber: Subscriber): () => Promise<void>;
  /** Whether notifications are being delivered now (started, not failed, not stopped). */
  active(): boolean;
}

/**
 * How long the Bluetooth registry (a PowerShell run) is reused while notifications are delivered:
 * pairing and unpairing create and remove BTHENUM/BTHLE nodes, which make it fresh at once, so the
 * reuse only bounds what a missed notification could hide. Without notifications: LIVE_REFRESH_MS.
 */
export const NOTIFIED_REGISTRY_REFRESH_MS = 15 * 60_000;

export function deviceWatch(reader: SourceReader, notifier: DeviceNotifier): DeviceWatch {
  const subscribers = new Set<Subscriber>();
  let started: Promise<void> | undefined;
  let startError: Error | undefined;
  let delivering = false;
  const start = () =>
    notifier
      .start((notification) => {
        if (!notification.rescan) return;
        invalidateShared(
          reader,
          concernsBluetooth(notification) ? [PNP_DEVICES_FILE, BLUETOOTH_REGISTRY_FILE] : [PNP_DEVICES_FILE],
        );
        const reason = describeNotification(notification);
        for (const subscriber of subscribers) subscriber.change(reason);
      })
      .then(() => {
        delivering = subscribers.size > 0;
      })
      .catch((error: unknown) => {
        startError = new Error(
          `no device notifications (${error instanceof Error ? error.message : String(error)}): changes are found by the poll, within ${LIVE_REFRESH_MS / 1000} s`,
        );
        for (const subscriber of subscribers) subscriber.error(startError);
      });
  return {
    active: () => delivering,
    subscribe(subscriber) {
      subscribers.add(subscriber);
      if (startError) queueMicrotask(() => subscriber.error(startError as Error));
      started ??= start();
      return async () => {
        if (!subscribers.delete(subscriber) || subscribers.size > 0) return;
        const running = started;
        started = undefined;
        startError = undefined;
        delivering = false;
        await running;
        await notifier.stop();
      };
    },
  };
}

let sharedWatch: DeviceWatch | undefined;

/** The process's watch over the shared live reader (CfgMgr32 notifications). */
export function windowsDeviceWatch(): DeviceWatch {
  sharedWatch ??= deviceWatch(windowsLiveReader(), cmNotifier());
  return sharedWatch;
}

/** Seams for tests: the device notifications a live probe listens to. */
export interface WindowsProbeSeams {
  watch?: DeviceWatch;
}

/**
 * What the Windows probes share: they hear CfgMgr32's notifications (the process's, unless the
 * probe reads a capture folder, which never changes) and re-emit them as `change`.
 */
export abstract class NotifiedWindowsProbe extends Probe {
  protected readonly options: ProbeOptions;
  readonly #seams: WindowsProbeSeams;
  #unsubscribe: (() => Promise<void>) | undefined;
  #source: DeviceWatch | undefined;

  constructor(options: ProbeOptions, seams: WindowsProbeSeams = {}) {
    super();
    this.options = options;
    this.#seams = seams;
  }

  /** Which collector read `which` through `reader`, and whether notifications arrive: for `eca status`. */
  protected collectorsUsed(reader: SourceReader, which: "pnp" | "registry"): Pick<Snapshot, "collectors"> {
    const use = collectorUse(reader, which);
    return use ? { collectors: [{ source: this.name, ...use, notifications: this.notified() }] } : {};
  }

  /** Whether this probe hears about changes now (so what it reads may be reused longer). */
  protected notified(): boolean {
    return this.#unsubscribe !== undefined && this.#source?.active() === true;
  }

  override watch(): void {
    if (this.#unsubscribe) return;
    this.#source = this.#seams.watch ?? (this.options.sources ? undefined : windowsDeviceWatch());
    if (!this.#source) return;
    this.#unsubscribe = this.#source.subscribe({
      change: (reason) => this.emit("change", reason),
      // An EventEmitter throws an `error` nobody listens to: the daemon listens, a one-off scan does not watch.
      error: (error) => {
        if (this.listenerCount("error") > 0) this.emit("error", error);
      },
    });
  }

  override async stop(): Promise<void> {
    const current = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await current?.();
  }
}
