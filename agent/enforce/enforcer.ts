// One enforcement pass after each scan is judged: read the authorization view, plan, act, and
// remember. Only this file touches the state directory's enforcement files from the daemon.
//   report + snapshot + policy → actuator.inspect → plan (pure) → actuator.apply → memory
// It returns the report with the findings of devices eca holds blocked (a deauthorized device
// shows less of itself), the outcome per finding for the events, and what changed since the last
// pass, so each change is reported once.

import { enforcementSettings } from "../../policy/enforcement.ts";
import { type Instant, isoTimestamp } from "../../policy/iso-time.ts";
import type { Finding, Policy } from "../../policy/types.ts";
import { isPowerObservation, type Snapshot, type UsbObservation } from "../../probes/types.ts";
import type { ScanReport } from "../report.ts";
import { loadMemory, loadReleases, releaseKey, removeRelease, saveMemory } from "./memory.ts";
import { activeReleases, plan } from "./plan.ts";
import type {
  Action,
  Actuator,
  AppliedAction,
  Authority,
  BlockedDevice,
  EnforcementMemory,
  EnforcementOutcome,
  Release,
} from "./types.ts";

export interface EnforcementPass {
  report: ScanReport;
  /** Per finding id: what was done about it. */
  outcomes: Map<string, EnforcementOutcome>;
  /** Outcomes whose result differs from the last one reported for the finding. */
  changed: EnforcementOutcome[];
  /** Releases by `eca unblock` not reported before. */
  newReleases: Release[];
  applied: AppliedAction[];
}

export interface EnforcementState {
  authority?: Authority;
  authorizedDefault?: Record<string, number>;
  blocked: BlockedDevice[];
  releases: Release[];
}

export interface Enforcer {
  enforce(report: ScanReport, snapshot: Snapshot, policy: Policy, now: Instant): Promise<EnforcementPass>;
  state(): EnforcementState;
}

export interface EnforcerOptions {
  stateDir: string;
  actuator: Actuator;
  /** Told when the state files cannot be written; enforcement goes on from memory. */
  onSaveError?: (error: unknown) => void;
}

function describeBlock(action: Extract<Action, { do: "block" }>): string {
  return action.level === "interface"
    ? `deauthorized storage interface${action.targets.length > 1 ? "s" : ""} ${action.targets.join(", ")}: usb-storage and uas are unbound and kept off, no disk appears`
    : `deauthorized device ${action.targets.join(", ")}: no data connection, unconfigured power only`;
}

export function createEnforcer(options: EnforcerOptions): Enforcer {
  const { stateDir, actuator } = options;
  let memory: EnforcementMemory = loadMemory(stateDir);
  let releases: Release[] = [];
  let lastView: Awaited<ReturnType<Actuator["inspect"]>> | undefined;

  function save(): void {
    try {
      saveMemory(stateDir, memory);
    } catch (error) {
      options.onSaveError?.(error);
    }
  }

  return {
    state() {
      return {
        ...(lastView ? { authority: lastView.authority, authorizedDefault: lastView.authorizedDefault } : {}),
        blocked: memory.blocked,
        releases,
      };
    },
    async enforce(report, snapshot, policy, now) {
      const settings = enforcementSettings(policy);
      releases = loadReleases(stateDir);
      const observations = snapshot.observations.filter(
        (o): o is UsbObservation => o.bus === "usb" && !isPowerObservation(o),
      );
      const usbObserved = !report.unobserved.includes("usb");
      const idle = settings.mode === "audit" && memory.blocked.length === 0 && releases.length === 0;
      // Audit only and nothing held: no sysfs reads beyond the scan's own.
      const view = idle
        ? { authority: { inCharge: "eca" } as const, authorizedDefault: {}, devices: [] }
        : await actuator.inspect(observations);
      if (!idle) lastView = view;
      const planned = plan({
        devices: report.devices,
        observations,
        settings,
        view,
        memory,
        releases,
        now,
        usbObserved,
      });
      const applied = await actuator.apply(planned.actions.filter((a) => a.do !== "skip"));
      const outcomes = new Map<string, EnforcementOutcome>();
      // Copies: the memory saved last stays as it was, to tell whether anything changed.
      const blocked = memory.blocked.filter((b) => !planned.forget.includes(b)).map((b) => ({ ...b }));
      for (const result of applied) {
        const { action } = result;
        const errors = result.steps.filter((s) => s.error).map((s) => s.error);
        if (action.do === "block") {
          const targets = result.steps.filter((s) => !s.error).map((s) => s.target);
          const earlier = blocked.find(
            (b) => b.deviceId === action.deviceId && b.portPath === action.portPath,
          );
          if (earlier && targets.length > 0) {
            earlier.targets = [...new Set([...earlier.targets, ...targets])].sort();
          } else if (targets.length > 0) {
            const finding = report.findings.find((f) => f.id === action.findingId);
            blocked.push({
              deviceId: action.deviceId,
              portPath: action.portPath,
              name: action.name,
              rule: action.rule,
              findingId: action.findingId,
              level: action.level,
              targets,
              at: isoTimestamp(now),
              ...(finding ? { finding } : {}),
            });
          }
          outcomes.set(action.findingId, {
            findingId: action.findingId,
            deviceId: action.deviceId,
            result: result.ok ? (result.result ?? "blocked") : "could-not-block",
            detail: result.ok
              ? `${action.reblock ? "blocked again (it came back outside eca, re-authorized or mounted again; release a device with eca unblock): " : ""}${result.detail ?? describeBlock(action)}`
              : `could not block: ${errors.join("; ")}`,
            targets: action.targets,
          });
        } else if (action.do === "unblock") {
          const release = action.because.startsWith("released by");
          const index = blocked.findIndex(
            (b) => b.deviceId === action.blocked.deviceId && b.portPath === action.blocked.portPath,
          );
          if (result.ok && index >= 0) blocked.splice(index, 1);
          outcomes.set(action.blocked.findingId, {
            findingId: action.blocked.findingId,
            deviceId: action.deviceId,
            result: result.ok ? (release ? "released" : "unblocked") : "blocked",
            detail: result.ok
              ? `${result.detail ?? `re-authorized ${action.blocked.targets.join(", ")}`}: ${action.because}`
              : `could not re-authorize: ${errors.join("; ")}`,
            targets: action.blocked.targets,
          });
        }
      }
      for (const action of planned.actions) {
        if (action.do !== "skip" || outcomes.has(action.findingId)) continue;
        const result =
          action.kind === "audit"
            ? "audit"
            : action.kind === "released"
              ? "released"
              : action.kind === "still-blocked"
                ? memory.results[action.findingId] === "ejected"
                  ? "ejected"
                  : "blocked"
                : "could-not-block";
        outcomes.set(action.findingId, {
          findingId: action.findingId,
          deviceId: action.deviceId,
          result,
          detail: result === "could-not-block" ? `could not block: ${action.because}` : action.because,
        });
      }
      for (const release of releases) {
        const outcome = [...outcomes.values()].find((o) => o.deviceId === release.deviceId);
        if (outcome && (outcome.result === "released" || outcome.result === "audit")) outcome.by = release.by;
      }

      // Releases end when they expire or the device is unplugged.
      const present = new Set(observations.map((o) => `${o.id}@${o.portPath}`));
      const active = new Set(activeReleases(releases, now));
      const ended = releases.filter(
        (r) => !active.has(r) || (usbObserved && !present.has(`${r.deviceId}@${r.portPath}`)),
      );
      for (const release of ended) removeRelease(stateDir, release);
      const newReleases = releases.filter((r) => !memory.reportedReleases.includes(releaseKey(r)));

      const changed: EnforcementOutcome[] = [];
      const results: EnforcementMemory["results"] = {};
      for (const outcome of outcomes.values()) {
        const previous = memory.results[outcome.findingId];
        if (previous !== outcome.result && !(previous === undefined && outcome.result === "audit")) {
          changed.push(outcome);
        }
        results[outcome.findingId] = outcome.result;
      }
      const next: EnforcementMemory = {
        blocked,
        reportedReleases: [...memory.reportedReleases, ...newReleases.map(releaseKey)].slice(-200),
        results,
      };
      if (JSON.stringify(next) !== JSON.stringify(memory)) {
        memory = next;
        save();
      }
      releases = releases.filter((r) => !ended.includes(r));
      return { report: holdBlockedFindings(report, blocked), outcomes, changed, newReleases, applied };
    },
  };
}

/**
 * A device eca deauthorized loses its interfaces from sysfs, so the next scan may classify it more
 * vaguely (a phone known by its MTP interface becomes "cannot tell"). Its finding stays open, from
 * what eca saw when it blocked the device, until the device is unplugged, approved or released.
 */
export function holdBlockedFindings(report: ScanReport, blocked: BlockedDevice[]): ScanReport {
  const held: Finding[] = [];
  const devices = report.devices.map((device) => {
    const entry = blocked.find((b) => b.deviceId === device.id && b.portPath === device.portPath);
    if (!entry?.finding || report.findings.some((f) => f.id === entry.findingId)) return device;
    if (device.verdict === "approved" || device.verdict === "exempt") return device;
    held.push(entry.finding);
    return {
      ...device,
      verdict: "violation" as const,
      findings: [entry.rule],
      reason: `Blocked by eca under ${entry.rule} since ${entry.at}; while blocked it shows less of itself.`,
    };
  });
  if (held.length === 0) return report;
  return { ...report, devices, findings: [...report.findings, ...held], compliant: false };
}
