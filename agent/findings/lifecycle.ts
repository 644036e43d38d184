// A finding's life: it opens the first time a scan reports it, stays one finding for as long as
// scans keep reporting it, and resolves in the first scan that no longer does. The open set is
// persisted (through the outbox's state database) together with the events of each change.

import { type Instant, isoTimestamp } from "../../policy/iso-time.ts";
import type { Finding } from "../../policy/types.ts";
import type { Bus } from "../../probes/types.ts";

export interface OpenFinding {
  /** The finding as first reported: a close event describes the same device the open event did. */
  finding: Finding;
  /** ISO time of the scan that opened it. */
  openedAt: string;
}

export interface FindingsDiff {
  opened: Finding[];
  resolved: OpenFinding[];
  stillOpen: OpenFinding[];
  /** The open set after this scan. */
  next: Map<string, OpenFinding>;
}

export interface DiffOptions {
  /**
   * Buses whose probes could not answer this scan: their open findings are kept rather than
   * resolved, since the scan cannot tell whether the device is still there.
   */
  unobservedBuses?: Bus[];
}

export function diffFindings(
  open: Map<string, OpenFinding>,
  current: Finding[],
  now: Instant,
  options: DiffOptions = {},
): FindingsDiff {
  const unobserved = new Set(options.unobservedBuses ?? []);
  const next = new Map<string, OpenFinding>();
  const opened: Finding[] = [];
  const stillOpen: OpenFinding[] = [];
  const resolved: OpenFinding[] = [];

  for (const finding of current) {
    if (next.has(finding.id)) continue;
    const existing = open.get(finding.id);
    if (existing) {
      next.set(finding.id, existing);
      stillOpen.push(existing);
    } else {
      next.set(finding.id, { finding, openedAt: isoTimestamp(now) });
      opened.push(finding);
    }
  }
  for (const [id, existing] of open) {
    if (next.has(id)) continue;
    if ((unobserved as Set<string>).has(existing.finding.device.bus)) {
      next.set(id, existing);
      stillOpen.push(existing);
    } else {
      resolved.push(existing);
    }
  }
  return { opened, resolved, stillOpen, next };
}

/** Where the open set lives; the outbox implements it so that state and events commit together. */
export interface OpenFindingsStore<E> {
  loadOpenFindings(): Map<string, OpenFinding>;
  commitFindingChanges(changes: { opened: OpenFinding[]; resolvedIds: string[]; events: E[] }): void;
}

export interface FindingTracker {
  /** Diffs a scan's findings against the open set and commits the changes with their events. */
  update(current: Finding[], now: Instant, options?: DiffOptions): FindingsDiff;
  /** The findings open now. */
  open(): OpenFinding[];
}

export interface FindingEventBuilders<E> {
  opened(open: OpenFinding, now: Instant): E;
  resolved(open: OpenFinding, now: Instant): E;
}

export function createFindingTracker<E>(
  store: OpenFindingsStore<E>,
  buildEvent: FindingEventBuilders<E>,
): FindingTracker {
  let open = store.loadOpenFindings();
  return {
    update(current, now, options) {
      const diff = diffFindings(open, current, now, options);
      if (diff.opened.length > 0 || diff.resolved.length > 0) {
        const openedEntries = diff.opened.map((finding) => diff.next.get(finding.id) as OpenFinding);
        const events = [
          ...openedEntries.map((entry) => buildEvent.opened(entry, now)),
          ...diff.resolved.map((entry) => buildEvent.resolved(entry, now)),
        ];
        // Commit first: if this throws, the in-memory set stays as it was and the next scan retries.
        store.commitFindingChanges({
          opened: openedEntries,
          resolvedIds: diff.resolved.map((entry) => entry.finding.id),
          events,
        });
      }
      open = diff.next;
      return diff;
    },
    open() {
      return [...open.values()];
    },
  };
}
