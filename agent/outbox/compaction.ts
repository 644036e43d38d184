// Compaction: making room under the outbox's byte bound. First only the newest event of each
// finding is kept, then the oldest heartbeats go. Finding events are never dropped beyond that:
// after compaction there is at most one per finding, which the number of devices bounds.

import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "../log.ts";
import { sum } from "./queue.ts";
import { addToCounter } from "./stats.ts";

export interface RoomRequest {
  /** Bytes about to be added. */
  needed: number;
  /** Bytes queued now. */
  queuedBytes: number;
  maxBytes: number;
  logger: Logger;
}

/** Makes room for `needed` more bytes; returns the bytes freed (0 when there was room already). */
export function makeRoom(db: DatabaseSync, request: RoomRequest): number {
  const { needed, maxBytes, logger } = request;
  let queued = request.queuedBytes;
  if (queued + needed <= maxBytes) return 0;
  const superseded = db
    .prepare(
      `DELETE FROM events WHERE finding_id IS NOT NULL AND seq NOT IN
         (SELECT MAX(seq) FROM events WHERE finding_id IS NOT NULL GROUP BY finding_id)
       RETURNING bytes`,
    )
    .all() as { bytes: number }[];
  let freed = sum(superseded);
  addToCounter(db, "dropped_superseded", superseded.length);
  queued -= freed;

  let heartbeatsDropped = 0;
  const oldestHeartbeats = db.prepare(
    "SELECT seq, bytes FROM events WHERE kind = 'heartbeat' ORDER BY seq LIMIT 256",
  );
  const remove = db.prepare("DELETE FROM events WHERE seq = ?");
  while (queued + needed > maxBytes) {
    const rows = oldestHeartbeats.all() as { seq: number; bytes: number }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      if (queued + needed <= maxBytes) break;
      remove.run(row.seq);
      queued -= row.bytes;
      freed += row.bytes;
      heartbeatsDropped++;
    }
  }
  addToCounter(db, "dropped_heartbeats", heartbeatsDropped);
  logger.warn(
    {
      supersededDropped: superseded.length,
      heartbeatsDropped,
      freedBytes: freed,
      queuedBytes: queued,
      maxBytes,
    },
    queued + needed > maxBytes
      ? "outbox over its bound after compaction: keeping finding events anyway"
      : "outbox full: compacted",
  );
  return freed;
}
