// What a daemon left in its state database (state.db, agent/outbox): the findings it holds open and
// the finding events it queued for the central side, read without changing anything.

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export type StoredFindingEvent = {
  activity_id: number;
  finding_info: { uid: string };
  metadata: { uid: string };
};

/** Open finding ids, sorted, and the queued finding events in the order they were queued. */
export function storedFindings<Event = StoredFindingEvent>(
  stateDir: string,
): { open: string[]; events: Event[] } {
  const db = new DatabaseSync(join(stateDir, "state.db"), { readOnly: true });
  try {
    const open = (db.prepare("SELECT id FROM open_findings ORDER BY id").all() as { id: string }[]).map(
      (row) => row.id,
    );
    const events = (
      db.prepare("SELECT payload FROM events WHERE kind = 'finding' ORDER BY seq").all() as {
        payload: string;
      }[]
    ).map((row) => JSON.parse(row.payload) as Event);
    return { open, events };
  } finally {
    db.close();
  }
}

/** The queued events of one kind (finding, heartbeat, ...), in the order they were queued. */
export function storedEvents<Event>(stateDir: string, kind: string): Event[] {
  const db = new DatabaseSync(join(stateDir, "state.db"), { readOnly: true });
  try {
    return (
      db.prepare("SELECT payload FROM events WHERE kind = ? ORDER BY seq").all(kind) as { payload: string }[]
    ).map((row) => JSON.parse(row.payload) as Event);
  } finally {
    db.close();
  }
}
