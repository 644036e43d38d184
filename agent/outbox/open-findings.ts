// The open-findings set as stored beside the events, so a change and its event commit together.

import type { DatabaseSync } from "node:sqlite";
import type { Finding } from "../../policy/types.ts";
import type { OpenFinding } from "../findings/lifecycle.ts";
import { statement } from "./statements.ts";

export function loadOpenFindings(db: DatabaseSync): Map<string, OpenFinding> {
  const rows = db.prepare("SELECT id, finding, opened_at FROM open_findings").all() as {
    id: string;
    finding: string;
    opened_at: string;
  }[];
  const open = new Map<string, OpenFinding>();
  for (const row of rows) {
    open.set(row.id, { finding: JSON.parse(row.finding) as Finding, openedAt: row.opened_at });
  }
  return open;
}

export function storeOpenFindings(db: DatabaseSync, opened: OpenFinding[], resolvedIds: string[]): void {
  const upsert = statement(
    db,
    `INSERT INTO open_findings (id, finding, opened_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET finding = excluded.finding, opened_at = excluded.opened_at`,
  );
  for (const open of opened) upsert.run(open.finding.id, JSON.stringify(open.finding), open.openedAt);
  const remove = statement(db, "DELETE FROM open_findings WHERE id = ?");
  for (const id of resolvedIds) remove.run(id);
}
