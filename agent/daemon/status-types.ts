import type { DeviceVerdict, Finding } from "../../policy/types.ts";
import type { Bus, Snapshot } from "../../probes/types.ts";
import type { EnforcementStatus } from "../enforce/daemon-hook.ts";
import type { EnforcementOutcome } from "../enforce/types.ts";

/** What the daemon answers on its status socket; `eca status --json` prints it as is. */
export interface DaemonStatus {
  running: true;
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  compliant: boolean;
  /**
   * Buses the last scan could not observe at all (agent/scan.ts unobservedBuses): `eca status`
   * exits 3, "could not check", when there are no findings. Absent from older daemons.
   */
  unobserved?: Bus[];
  policy: { id: string; version: string; source: string; digest: string; problem?: string };
  lastScan?: {
    at: string;
    durationMs: number;
    trigger: string;
    unavailable: Snapshot["unavailable"];
    /** Which collector read each live source where there is a choice (Windows). */
    collectors?: Snapshot["collectors"];
  };
  devices: DeviceVerdict[];
  /** Each open finding, with what enforcement did about it (agent/enforce/). */
  findings: (Finding & { openedAt: string; enforcement?: EnforcementOutcome })[];
  /** Enforcement: the mode, who is in charge, the devices eca blocked and how to release them. */
  enforcement?: EnforcementStatus;
  /** How this answer was given (status-socket.ts): added by the socket, absent from older daemons. */
  statusChannel?: StatusChannel;
  delivery: {
    endpoint?: string;
    outboxDepth: number;
    lastSuccessAt?: string;
    lastError?: string;
    pausedForAuth: boolean;
    deadLetters: number;
    droppedEvents: number;
    /** Why the state database cannot be written now (a full disk, say); changes wait in memory. */
    storageProblem?: string;
    /** Events waiting in memory for the disk. */
    pendingWrites?: number;
    /** When the state database was last rebuilt (found corrupt, removed or replaced), and why. */
    stateRebuilt?: { at: string; reason: string };
  };
}

/** The status socket or pipe itself, as the daemon saw it. */
export interface StatusChannel {
  /** Through the authenticated exchange (status-auth.ts): always on Windows, else statusAuth. */
  authenticated: boolean;
  /** The last time another process held the pipe's name, so status could not be served, and until when. */
  taken?: { since: string; until?: string };
  /** Why the authenticated exchange cannot answer now (its key could not be secured), while it lasts. */
  keyProblem?: string;
}
