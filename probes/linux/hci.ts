// Optional live source: HCI events from the kernel's raw HCI socket (needs CAP_NET_RAW), through the
// optional native module @stoprocent/bluetooth-hci-socket. Sees pairings and car connection requests
// as they happen, between scans. Without the module, the permission or an adapter it says why, once.

import { Probe, type ProbeOptions } from "../probe.ts";
import type { Snapshot } from "../types.ts";
import { HciEventCode, parseHciEvent } from "./hci-events.ts";
import { HciTracker } from "./hci-tracker.ts";

/** The slice of the native module's socket that we use. */
interface HciSocket {
  bindRaw(devId?: number): number;
  setFilter(filter: Buffer): void;
  isDevUp(): boolean;
  start(): void;
  stop(): void;
  on(event: "data", listener: (data: Buffer) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

const h4EventType = 0x04;
const watchedEvents = [
  HciEventCode.connectionComplete,
  HciEventCode.connectionRequest,
  HciEventCode.disconnectionComplete,
  HciEventCode.remoteNameRequestComplete,
  HciEventCode.linkKeyNotification,
  HciEventCode.simplePairingComplete,
  HciEventCode.leMeta,
];

/** struct hci_filter: type mask (u32), event mask (2 x u32), opcode (u16), little endian. */
export function hciEventFilter(events: readonly number[] = watchedEvents): Buffer {
  const filter = Buffer.alloc(14);
  filter.writeUInt32LE(1 << h4EventType, 0);
  let low = 0;
  let high = 0;
  for (const code of events) {
    if (code < 32) low |= 1 << code;
    else high |= 1 << (code - 32);
  }
  filter.writeUInt32LE(low >>> 0, 4);
  filter.writeUInt32LE(high >>> 0, 8);
  return filter;
}

class HciProbe extends Probe {
  readonly name = "hci" as const;
  private readonly tracker = new HciTracker();
  private socket: HciSocket | undefined;
  private unavailableReason: string | undefined;
  private started: Promise<void> | undefined;

  constructor(_options: ProbeOptions) {
    super();
  }

  async snapshot(): Promise<Snapshot> {
    await this.start();
    const unavailable = this.unavailableReason ? [{ source: this.name, reason: this.unavailableReason }] : [];
    return { observations: this.tracker.observations("hci0"), unavailable };
  }

  override watch(): void {
    void this.start();
  }

  /** Opens the socket once; a failure is remembered and reported by every snapshot, not retried. */
  private start(): Promise<void> {
    this.started ??= this.open().catch((error: unknown) => {
      this.unavailableReason = describe(error);
    });
    return this.started;
  }

  private async open(): Promise<void> {
    let module: { default?: new () => HciSocket } & Record<string, unknown>;
    try {
      module = (await import("@stoprocent/bluetooth-hci-socket" as string)) as typeof module;
    } catch (error) {
      throw new Error(
        `optional module @stoprocent/bluetooth-hci-socket is not installed (${(error as Error).message})`,
      );
    }
    const Socket = (module.default ?? module) as unknown as new () => HciSocket;
    const socket = new Socket();
    // The module reports bind failures as "error" events rather than exceptions.
    let bindError: Error | undefined;
    socket.on("error", (error) => {
      if (!this.socket) {
        bindError ??= error;
        return;
      }
      if (this.listenerCount("error") > 0) this.emit("error", new Error(`hci: ${error.message}`));
    });
    socket.bindRaw(0);
    if (bindError) throw bindError;
    if (!socket.isDevUp()) throw new Error("no Bluetooth adapter hci0, or it is down");
    socket.on("data", (data) => this.receive(data));
    socket.setFilter(hciEventFilter());
    socket.start();
    this.socket = socket;
  }

  /** Handles one packet from the socket: [H4 type, event code, length, parameters...]. */
  receive(data: Uint8Array): void {
    if (data[0] !== h4EventType) return;
    const reason = this.tracker.apply(parseHciEvent(data.subarray(1)));
    if (reason) this.emit("change", reason);
  }

  override async stop(): Promise<void> {
    this.socket?.stop();
    this.socket = undefined;
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/EPERM|EACCES|Operation not permitted/i.test(message)) {
    return `no permission to open the raw HCI socket (needs CAP_NET_RAW): ${message}`;
  }
  if (/ENODEV|No such device|Address family not supported/i.test(message)) {
    return `no Bluetooth adapter or no Bluetooth support in the kernel: ${message}`;
  }
  return message;
}

export function createHciProbe(options: ProbeOptions): Probe {
  return new HciProbe(options);
}
