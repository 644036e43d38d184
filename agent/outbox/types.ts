// The outbox's public shapes: what is queued, what is read back, what the statistics say.

import type { OpenFinding } from "../findings/lifecycle.ts";

export type EventKind = "finding" | "heartbeat";

/** An event to enqueue: `uid` is the OCSF `metadata.uid`, fixed when the event was built. */
export interface NewEvent {
  uid: string;
  kind: EventKind;
  findingId?: string;
  /** The event itself, serialised once here and sent byte for byte on every attempt. */
  payload: object;
}

export interface OutboxEvent {
  seq: number;
  uid: string;
  kind: EventKind;
  findingId: string | null;
  /** JSON text of the OCSF event. */
  payload: string;
  createdAt: number;
  attempts: number;
}

export interface DroppedCounts {
  /** Older events of a finding dropped because a newer event of the same finding was queued. */
  superseded: number;
  /** Heartbeats dropped, oldest first, to keep the outbox under its bound. */
  heartbeats: number;
}

export interface OutboxStats {
  depth: number;
  /** Sum of queued payload sizes: what the bound applies to. */
  bytes: number;
  /** Null when read by another process, which does not know the daemon's setting. */
  maxBytes: number | null;
  oldestCreatedAt: number | null;
  deadLetters: number;
  dropped: DroppedCounts;
  lastDeliveryAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  authPaused: boolean;
  /** False when the state directory could not be used and events only live in memory. */
  durable: boolean;
  path: string;
  /** Events held in memory because the disk refused them; written once it takes writes again. */
  pendingWrites: number;
  /** Why the state database cannot be written now (a full disk, a removed directory), if so. */
  storageProblem: string | null;
  /** The last time the database was rebuilt (corrupt, removed or replaced), and why. */
  lastRebuild: { at: number; reason: string } | null;
}

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
}

export interface FindingChanges {
  opened: OpenFinding[];
  resolvedIds: string[];
  events: NewEvent[];
}

export interface Outbox {
  enqueue(events: NewEvent[]): void;
  /** The oldest events, in order; always at least one when any is queued, whatever its size. */
  nextBatch(limits: BatchLimits): OutboxEvent[];
  ack(seqs: number[]): void;
  recordAttempt(seqs: number[]): void;
  deadLetter(seqs: number[], reason: string, status?: number): void;
  recordError(message: string): void;
  setAuthPaused(paused: boolean): void;
  loadOpenFindings(): Map<string, OpenFinding>;
  /** Open-set changes and their events in one transaction. */
  commitFindingChanges(changes: FindingChanges): void;
  stats(): OutboxStats;
  /**
   * Notices a database file removed or replaced (and rebuilds it with the queued events and the
   * open set), and writes changes held in memory once the disk takes them. Every operation does
   * this first (at most once a second while the disk refuses); the daemon also calls it after each
   * scan, which always tries. Never throws. Returns the storage problem that remains, if any.
   */
  check(): string | null;
  close(): void;
}
