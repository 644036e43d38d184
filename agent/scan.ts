// One scan: probes → observations → classification → verdicts → report. Probes are the only I/O;
// everything after `collect` is pure, so the daemon and `eca scan` share it.

import { evaluate } from "../policy/evaluate.ts";
import type { LoadedPolicy } from "../policy/types.ts";
import { classifyAll } from "../probes/classify/classify.ts";
import { createProbe } from "../probes/create.ts";
import { mergeBluetoothObservations } from "../probes/merge-bluetooth.ts";
import { mergeUsbObservations } from "../probes/merge-usb.ts";
import type { Probe, ProbeOptions } from "../probes/probe.ts";
import type { BluetoothObservation, Observation, Snapshot, UsbObservation } from "../probes/types.ts";
import { isPowerObservation } from "../probes/types.ts";
import { localHostname as hostname } from "./events/host-name.ts";
import { buildReport, type ScanReport, unobservedBuses } from "./report.ts";
import { AGENT_VERSION } from "./version.ts";

export async function openProbes(backends: string[], options: ProbeOptions): Promise<Probe[]> {
  return Promise.all(backends.map((name) => createProbe(name, options)));
}

/** Asks every probe at once; a probe that fails is reported unavailable, never fatal. */
export async function collect(probes: Probe[]): Promise<Snapshot> {
  const results = await Promise.all(
    probes.map((probe) =>
      probe.snapshot().catch(
        (error: unknown): Snapshot => ({
          observations: [],
          unavailable: [
            { source: probe.name, reason: error instanceof Error ? error.message : String(error) },
          ],
        }),
      ),
    ),
  );
  const observations = results.flatMap((r) => r.observations);
  // Two sources may see one device (libusb and systeminformation; BlueZ over D-Bus and its store).
  const bluetooth = observations.filter((o): o is BluetoothObservation => o.bus === "bluetooth");
  const usb = observations.filter((o): o is UsbObservation => o.bus === "usb" && !isPowerObservation(o));
  const power: Observation[] = observations.filter(isPowerObservation);
  const collectors = results.flatMap((r) => r.collectors ?? []);
  return {
    observations: [...mergeUsbObservations(usb), ...power, ...mergeBluetoothObservations(bluetooth)],
    unavailable: results.flatMap((r) => r.unavailable),
    ...(collectors.length > 0 ? { collectors } : {}),
  };
}

/**
 * Pure: a snapshot and a policy in, the report out. `backends`, the names the snapshot was
 * collected with, tell which buses were meant to be observed; without them none count as unobserved.
 */
export function judgeSnapshot(
  snapshot: Snapshot,
  policy: LoadedPolicy,
  /** A Date, or a time value: a one-shot scan passes Date.now() and makes no Date (policy/iso-time.ts). */
  now: Date | number,
  host: string = hostname(),
  backends: readonly string[] = [],
): ScanReport {
  const evaluation = evaluate(classifyAll(snapshot.observations), policy.policy, now, policy.context);
  return buildReport(
    evaluation,
    policy,
    snapshot.unavailable,
    { hostname: host, version: AGENT_VERSION, now },
    unobservedBuses(backends, snapshot.unavailable),
  );
}

/**
 * Scans once. `host` names the laptop the devices are on when it is not this one (a capture's
 * manifest): its name is then all approvals scoped to hosts are judged by, never this machine's.
 */
export async function scanOnce(
  backends: string[],
  options: ProbeOptions,
  policy: LoadedPolicy,
  host?: string,
): Promise<ScanReport> {
  const probes = await openProbes(backends, options);
  try {
    // The laptop's identity, for approvals scoped to hosts (the daemon's policy source adds its own);
    // not read when no approval is scoped, as it takes commands to read on macOS and Windows.
    // host-facts.ts (and the host identity modules it brings) is evaluated only then (~0.15 ms).
    const scoped = policy.policy.approvals.some((approval) => approval.hosts !== undefined);
    const applied =
      policy.context || !scoped
        ? policy
        : {
            ...policy,
            context: {
              host:
                host !== undefined
                  ? { hostname: host }
                  : await (await import("./daemon/host-facts.ts")).readHostFacts(),
            },
          };
    return judgeSnapshot(await collect(probes), applied, Date.now(), host ?? hostname(), backends);
  } finally {
    await Promise.all(probes.map((p) => p.stop()));
  }
}
