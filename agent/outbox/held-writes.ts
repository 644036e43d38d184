// Writes the disk refused (full, read-only, gone), kept in memory in order until it takes them.
// Bounded like the outbox: over the bound the oldest held heartbeats go first; finding changes
// are kept, since the number of devices bounds them.

import type { OpenFinding } from "../findings/lifecycle.ts";
import { type SerializedEvent, sum } from "./queue.ts";

/** A change not yet on disk: events, and the open-set change they belong to. */
export interface PendingWrite {
  events: SerializedEvent[];
  opened: OpenFinding[];
  resolvedIds: string[];
}

export interface HeldWrites {
  readonly size: number;
  /** Events held, in all writes. */
  events(): number;
  hold(write: PendingWrite): void;
  /** The oldest held write, still held until `done()`. */
  oldest(): PendingWrite | undefined;
  /** The oldest write is on disk now. */
  done(): void;
}

export function createHeldWrites(maxBytes: number): HeldWrites {
  const writes: PendingWrite[] = [];
  let bytes = 0;
  return {
    get size() {
      return writes.length;
    },
    events: () => writes.reduce((n, write) => n + write.events.length, 0),
    hold(write) {
      writes.push(write);
      bytes += sum(write.events);
      for (const held of writes) {
        if (bytes <= maxBytes) break;
        const heartbeats = held.events.filter((e) => e.event.kind === "heartbeat");
        held.events = held.events.filter((e) => e.event.kind !== "heartbeat");
        bytes -= sum(heartbeats);
      }
    },
    oldest: () => writes[0],
    done() {
      const write = writes.shift();
      if (write) bytes -= sum(write.events);
    },
  };
}
