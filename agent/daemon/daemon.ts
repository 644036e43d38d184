// `eca run`: watch, judge, remember, deliver. Scans are serialised and debounced; OS events
// trigger them within a debounce window however fast they come, polling is the safety net and
// never waits behind events (and judges nothing again when it finds nothing changed). Every finding change is committed to the outbox (with the open set)
// before anything else happens with it; delivery runs on its own and never blocks scanning. A
// start that fails stops what it had started, so the process exits rather than linger.

import type { Server } from "node:net";
import { enforcedRules, enforcementSettings } from "../../policy/enforcement.ts";
import { isWarning } from "../../policy/evaluate.ts";
import { isoDay, isoTimestamp } from "../../policy/iso-time.ts";
import type { LoadedPolicy, Policy } from "../../policy/types.ts";
import type { Probe } from "../../probes/probe.ts";
import type { Snapshot } from "../../probes/types.ts";
import { type AgentConfig, probeOptions } from "../config/config.ts";
import { createSink } from "../delivery/create-sink.ts";
import { type Deliverer, startDeliverer } from "../delivery/deliverer.ts";
import {
  enforceLogged,
  enforcementStatus,
  enforcementUpdates,
  openDaemonEnforcer,
  watchReleases,
} from "../enforce/daemon-hook.ts";
import { withEnforcement } from "../enforce/ocsf-enforcement.ts";
import type { EnforcementOutcome } from "../enforce/types.ts";
import { collectHostIdentity } from "../events/host.ts";
import {
  buildFindingEvent,
  buildHeartbeat,
  buildPeripheralActivity,
  type EventContext,
  inventoryDigest,
  peripheralChanges,
  type StatusChannelHealth,
} from "../events/ocsf.ts";
import { resolveEventSettings } from "../events/settings.ts";
import { createFindingTracker, type FindingTracker } from "../findings/lifecycle.ts";
import type { Logger } from "../log.ts";
import { type Outbox, openOutbox } from "../outbox/outbox.ts";
import type { ScanReport } from "../report.ts";
import { collect, judgeSnapshot, openProbes } from "../scan.ts";
import { AGENT_VERSION } from "../version.ts";
import { hostFactsFrom } from "./host-facts.ts";
import { openPolicySource, type PolicySource, policySourceOptions } from "./policy-source.ts";
import { checkStateFiles, secureAgentPaths } from "./secure-paths.ts";
import { authenticatesStatus, serveStatus, statusChannelHealth } from "./status-socket.ts";
import type { DaemonStatus } from "./status-types.ts";

/**
 * Coalesces a burst of attach events (a hub with four devices) into one scan. The window opens at
 * the first event and is not pushed back by later ones, so a device that re-enumerates faster than
 * this (a flaky cable) cannot hold scanning off: a scan starts at most one window after any event.
 */
export const DEBOUNCE_MS = 150;

/** How often an idle deliverer looks for events it was not nudged about (see start()). */
export const DELIVERER_IDLE_POLL_MS = 60_000;

/** setInterval and setTimeout fire at once for delays over 2^31-1 ms (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer delay from a configured period, refused when a timer cannot keep it. */
export function timerDelay(amount: number, unitMs: number, name: string): number {
  const ms = amount * unitMs;
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_TIMER_MS)
    throw new RangeError(`${name} ${amount}: a timer cannot wait ${ms} ms (1 to ${MAX_TIMER_MS})`);
  return ms;
}

/** Seams for tests: the probes, and the debounce window. */
export interface DaemonSeams {
  openProbes?: typeof openProbes;
  debounceMs?: number;
  /** Run on when the status socket cannot be served (the default on Windows only). */
  statusOptional?: boolean;
}

export interface RunningDaemon {
  /** Resolves after the scan under way (if any) and one more have completed: for tests. */
  scanNow(trigger: string): Promise<ScanReport>;
  status(): DaemonStatus;
  stop(): Promise<void>;
}

export async function startDaemon(
  config: AgentConfig,
  logger: Logger,
  seams: DaemonSeams = {},
): Promise<RunningDaemon> {
  // Whatever start-up starts is stopped again if a later step fails: a start that fails leaves
  // nothing running (no timers, sockets or probes), so the process exits and is restarted.
  const started: (() => Promise<void> | void)[] = [];
  try {
    return await start(config, logger, seams, started);
  } catch (error) {
    for (const stop of started.reverse()) {
      try {
        await stop();
      } catch (cleanup) {
        logger.warn({ err: cleanup }, "could not stop part of a failed start");
      }
    }
    throw error;
  }
}

async function start(
  config: AgentConfig,
  logger: Logger,
  seams: DaemonSeams,
  started: (() => Promise<void> | void)[],
): Promise<RunningDaemon> {
  // Times are numbers (Date.now()): the daemon makes no Date (policy/iso-time.ts, Instant).
  const startedAt = Date.now();
  const debounceMs = seams.debounceMs ?? DEBOUNCE_MS;
  const pollMs = timerDelay(config.pollIntervalSeconds, 1000, "pollIntervalSeconds");
  const heartbeatMs = timerDelay(config.heartbeatMinutes, 60_000, "heartbeatMinutes");
  // A fleet key that cannot be read stops the start before anything is opened.
  const events = resolveEventSettings(config.events);
  // Creates the state and socket directories, refusing ones another user owns or can write. On a
  // full disk an existing state directory passes: the outbox keeps what it cannot write in memory.
  await secureAgentPaths(config);
  // First, so that a second daemon on this state directory stops here (the outbox takes the lock).
  const outbox: Outbox = openOutbox({
    stateDir: config.stateDir,
    logger,
    maxBytes: config.outboxMaxMegabytes * 1024 * 1024,
    exclusive: true,
  });
  started.push(() => outbox.close());
  checkStateFiles(config.stateDir);
  const host = await collectHostIdentity({ config: events.host });
  // Approvals scoped to hosts are judged by the identity just read: the firmware is asked once.
  const policySource: PolicySource = await openPolicySource(config.policyFile, config.stateDir, logger, {
    ...policySourceOptions(config),
    host: hostFactsFrom(host),
  });
  started.push(() => policySource.close());

  /** The events' context for the policy in force: the previous one when the policy did not change. */
  function eventContext(loaded: LoadedPolicy, previous?: EventContext): EventContext {
    const { policy, source, digest } = loaded;
    // The digest covers the policy's whole content, id and version included.
    if (previous && previous.policy.digest === digest && previous.policy.source === source) return previous;
    return {
      agentVersion: AGENT_VERSION,
      vendorName: events.vendorName,
      host,
      policy: { id: policy.id, version: policy.version, digest, source },
      standards: events.standards,
      logName: events.logName,
      ...(events.tenantUid ? { tenantUid: events.tenantUid } : {}),
      ...(events.pseudonymise ? { pseudonymise: events.pseudonymise } : {}),
    };
  }
  let context = eventContext(await policySource.current());
  // Enforcement (agent/enforce/): after judging, before findings are committed, so each event says
  // what was done about its finding.
  const enforcer = await openDaemonEnforcer(config, logger);
  let outcomes = new Map<string, EnforcementOutcome>();
  const tracker: FindingTracker = createFindingTracker(outbox, {
    opened: (open, now) =>
      withEnforcement(buildFindingEvent("opened", open, context, now), outcomes.get(open.finding.id)),
    resolved: (open, now) =>
      withEnforcement(buildFindingEvent("resolved", open, context, now), outcomes.get(open.finding.id)),
  });

  let deliverer: Deliverer | undefined;
  if (config.endpoint) {
    const sink = createSink(config.endpoint, {
      logger,
      agentVersion: AGENT_VERSION,
      hostname: host.hostname,
    });
    // Every enqueue here is followed by a nudge, so the deliverer's idle look for events it was not
    // told about is a backstop: once a minute, not every 5 s (an idle agent should stay asleep).
    deliverer = startDeliverer({ outbox, sink, logger, idlePollMs: DELIVERER_IDLE_POLL_MS });
    const running = deliverer;
    started.push(() => running.stop());
  } else {
    logger.warn("no endpoint configured: findings are kept in the outbox until one is");
  }

  const probes: Probe[] = await (seams.openProbes ?? openProbes)(config.backends, probeOptions(config));
  started.push(() => Promise.all(probes.map((p) => p.stop())).then(() => undefined));
  let lastReport: ScanReport | undefined;
  let lastPolicy: Policy | undefined;
  let lastScan: DaemonStatus["lastScan"];
  let lastInventory = "";
  /** What the last judged scan saw: policy digest, date and snapshot. */
  let lastFingerprint = "";
  let scanning: Promise<ScanReport> | undefined;
  let pending: { trigger: string; promise: Promise<ScanReport> } | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let stopped = false;
  let storageProblem: string | null = null;
  /** The status socket or pipe as last seen, for heartbeats: unset until it is set up. */
  let statusChannel: StatusChannelHealth | undefined;
  started.push(async () => {
    stopped = true;
    clearTimeout(debounce);
    await scanning?.catch(() => undefined);
  });

  /**
   * Posture from the open findings, not the last scan alone: when a bus's sources could not answer,
   * its findings stay open and the laptop is not compliant. Heartbeats and `eca status` agree.
   */
  function isCompliant(report: ScanReport | undefined = lastReport): boolean {
    // Warnings (an approval lapsing soon) leave the laptop compliant; a bus no source could
    // observe is "could not check", never compliant.
    return tracker.open().every((o) => isWarning(o.finding.rule)) && (report?.unobserved.length ?? 0) === 0;
  }

  function enqueueHeartbeat(report: ScanReport, reason: "interval" | "change" | "startup"): void {
    const stats = outbox.stats();
    outbox.enqueue([
      buildHeartbeat(
        {
          report: { ...report, compliant: isCompliant(report) },
          openFindings: tracker.open().length,
          outbox: { depth: stats.depth, deadLetters: stats.deadLetters, dropped: stats.dropped },
          reason,
          ...(statusChannel ? { statusChannel } : {}),
        },
        context,
        Date.now(),
      ),
    ]);
  }

  async function runScan(trigger: string): Promise<ScanReport> {
    // process.hrtime, not performance.now(): the `performance` global loads perf_hooks (~1 MB RSS).
    const began = process.hrtime.bigint();
    const now = Date.now();
    const policy = await policySource.current();
    lastPolicy = policy.policy;
    context = eventContext(policy, context);
    const snapshot = await collect(probes);
    // A poll that finds what the last scan found, under the same policy on the same day (verdicts
    // depend on the date: approvals expire), is not judged again: the same input gives the same
    // verdicts, findings and inventory. The probes themselves keep such a poll cheap (the USB probe
    // re-reads two files per known device, BlueZ answers from its last reply while no signal came).
    // Not while a rule is enforced: a release by `eca unblock` lapses with time, not with the input.
    // The policy's context counts too: a refused policy (policy-untrusted) changes it, not the digest.
    const fingerprint = `${policy.digest}\0${JSON.stringify(policy.context ?? null)}\0${isoDay(now)}\0${JSON.stringify(snapshot)}`;
    const enforcing = enforcer !== undefined && enforcedRules(enforcementSettings(policy.policy)).length > 0;
    if (trigger === "poll" && lastReport && fingerprint === lastFingerprint && !enforcing) {
      lastScan = scanTiming(now, began, trigger, snapshot);
      noteStorage(outbox.check());
      deliverer?.nudge();
      return lastReport;
    }
    lastFingerprint = fingerprint;
    const judged = judgeSnapshot(snapshot, policy, now, host.hostname, config.backends);
    const pass = await enforceLogged(enforcer, logger, judged, snapshot, policy.policy, now);
    const report = pass?.report ?? judged;
    outcomes = pass?.outcomes ?? new Map();
    const openBefore = new Set(tracker.open().map((o) => o.finding.id));
    const diff = tracker.update(report.findings, now, {
      unobservedBuses: report.unobserved,
    });
    if (pass) outbox.enqueue(enforcementUpdates(pass.changed, openBefore, diff.stillOpen, context, now));
    for (const f of diff.opened)
      logger.warn({ finding: f.id, rule: f.rule, device: f.device.name }, "finding opened");
    for (const f of diff.resolved)
      logger.info({ finding: f.finding.id, rule: f.finding.rule }, "finding resolved");
    if (events.peripheralActivity && lastReport) {
      const { connected, disconnected } = peripheralChanges(lastReport.devices, report.devices);
      const activity = [
        ...connected.map((d) => buildPeripheralActivity("connected", d, context, now)),
        ...disconnected.map((d) => buildPeripheralActivity("disconnected", d, context, now)),
      ];
      if (activity.length > 0) outbox.enqueue(activity);
    }
    const inventory = inventoryDigest({ devices: report.devices, compliant: isCompliant(report) });
    if (!lastReport) enqueueHeartbeat(report, "startup");
    else if (inventory !== lastInventory) enqueueHeartbeat(report, "change");
    lastInventory = inventory;
    lastReport = report;
    lastScan = scanTiming(now, began, trigger, snapshot);
    noteStorage(outbox.check());
    deliverer?.nudge();
    return report;
  }

  function scanTiming(
    now: number,
    began: bigint,
    trigger: string,
    snapshot: Snapshot,
  ): DaemonStatus["lastScan"] {
    return {
      at: isoTimestamp(now),
      durationMs: Math.round(Number(process.hrtime.bigint() - began) / 1e6),
      trigger,
      unavailable: snapshot.unavailable,
      ...(snapshot.collectors ? { collectors: snapshot.collectors } : {}),
    };
  }

  /** Says in the log when the state database stops taking writes and when it takes them again. */
  function noteStorage(now: string | null): void {
    if (now === storageProblem) return;
    if (now)
      logger.error({ problem: now }, "state database unusable: scanning goes on, changes kept in memory");
    else logger.warn("state database usable again");
    storageProblem = now;
  }

  /** At most one scan runs; requests during it collapse into one follow-up scan. */
  function scanNow(trigger: string): Promise<ScanReport> {
    if (!scanning) {
      scanning = runScan(trigger).finally(() => {
        scanning = undefined;
      });
      return scanning;
    }
    if (!pending) {
      const after = scanning.catch(() => undefined);
      const promise = after.then(() => {
        pending = undefined;
        return scanNow(trigger);
      });
      pending = { trigger, promise };
    }
    return pending.promise;
  }

  function scanLogged(trigger: string): void {
    if (stopped) return;
    scanNow(trigger).catch((error: unknown) => logger.error({ err: error, trigger }, "scan failed"));
  }

  /** Events within one window share one scan; later events never push the window back. */
  function requestScan(trigger: string): void {
    if (stopped || debounce) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      scanLogged(trigger);
    }, debounceMs);
  }

  for (const probe of probes) {
    probe.on("change", (reason) => requestScan(`${probe.name}: ${reason}`));
    probe.on("error", (error) => logger.warn({ source: probe.name, err: error }, "probe error"));
    probe.watch();
  }
  const stopWatchingReleases = enforcer
    ? watchReleases(config.stateDir, () => requestScan("eca unblock"))
    : () => {};
  started.push(stopWatchingReleases);

  await scanNow("startup");
  // The safety poll is its own scan, not a debounced request: events cannot postpone it.
  const pollTimer = setInterval(() => scanLogged("poll"), pollMs);
  const heartbeatTimer = setInterval(() => {
    if (!lastReport) return;
    try {
      enqueueHeartbeat(lastReport, "interval");
      deliverer?.nudge();
    } catch (error) {
      logger.error({ err: error }, "heartbeat not queued");
    }
  }, heartbeatMs);
  started.push(() => {
    clearInterval(pollTimer);
    clearInterval(heartbeatTimer);
  });

  function status(): DaemonStatus {
    const stats = outbox.stats();
    const delivery = deliverer?.state();
    const report = lastReport as ScanReport;
    const problem = policySource.problem();
    const lastDelivery = delivery?.lastDeliveryAt ?? stats.lastDeliveryAt;
    const lastError = delivery?.lastError ?? stats.lastError;
    return {
      running: true,
      version: AGENT_VERSION,
      pid: process.pid,
      startedAt: isoTimestamp(startedAt),
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      compliant: isCompliant(),
      unobserved: report.unobserved,
      policy: { ...report.policy, ...(problem ? { problem } : {}) },
      ...(lastScan ? { lastScan } : {}),
      devices: report.devices,
      findings: tracker.open().map((o) => ({
        ...o.finding,
        openedAt: o.openedAt,
        ...(outcomes.has(o.finding.id) ? { enforcement: outcomes.get(o.finding.id) } : {}),
      })),
      ...(lastPolicy && enforcer ? { enforcement: enforcementStatus(enforcer, lastPolicy) } : {}),
      delivery: {
        ...(config.endpoint ? { endpoint: config.endpoint.url } : {}),
        outboxDepth: stats.depth,
        ...(lastDelivery ? { lastSuccessAt: isoTimestamp(lastDelivery) } : {}),
        ...(lastError ? { lastError } : {}),
        pausedForAuth: delivery?.authPaused ?? stats.authPaused,
        deadLetters: stats.deadLetters,
        droppedEvents: stats.dropped.superseded + stats.dropped.heartbeats,
        ...(stats.storageProblem
          ? { storageProblem: stats.storageProblem, pendingWrites: stats.pendingWrites }
          : {}),
        ...(stats.lastRebuild
          ? {
              stateRebuilt: {
                at: isoTimestamp(stats.lastRebuild.at),
                reason: stats.lastRebuild.reason,
              },
            }
          : {}),
      },
    };
  }

  // Without its socket the agent looks stopped to `eca status`: failing the start lets the service
  // manager restart it and say why, rather than leave it running unseen. Not on Windows: a named
  // pipe's name can be taken by any local user before the service starts (packaging/README.md), and
  // failing there would let that user keep the agent from ever running. It runs on, unseen by
  // `eca status`, and says so in the log.
  // A status channel that stops being served (a local user took the pipe's name, its key could not
  // be secured) is told to the SOC at once, in a heartbeat, and in every heartbeat after.
  const authenticate = authenticatesStatus(process.platform, config.statusAuth);
  const channelSeen = (health: StatusChannelHealth) => {
    statusChannel = health;
    if (lastReport && !stopped) enqueueHeartbeat(lastReport, "change");
  };
  let server: Server | undefined;
  try {
    server = await serveStatus(config.socketPath, config.statusGroup, status, logger, {
      stateDir: config.stateDir,
      authenticate,
      onChannelChange: (channel) => channelSeen(statusChannelHealth(channel)),
    });
    statusChannel ??= statusChannelHealth({ authenticated: authenticate });
  } catch (error) {
    const message = `status socket ${config.socketPath} cannot be served: ${error instanceof Error ? error.message : String(error)}`;
    if (!(seams.statusOptional ?? process.platform === "win32")) throw new Error(message, { cause: error });
    logger.error({ err: error, socketPath: config.socketPath }, `${message}; running without it`);
    channelSeen({ served: false, authenticated: authenticate, problem: message });
  }

  logger.info(
    {
      version: AGENT_VERSION,
      backends: config.backends,
      stateDir: config.stateDir,
      endpoint: config.endpoint?.url ?? null,
    },
    "eca running",
  );

  return {
    scanNow,
    status,
    async stop() {
      stopped = true;
      clearTimeout(debounce);
      clearInterval(pollTimer);
      clearInterval(heartbeatTimer);
      await scanning?.catch(() => undefined);
      await Promise.all(probes.map((p) => p.stop()));
      stopWatchingReleases();
      await deliverer?.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      outbox.close();
      logger.info("eca stopped");
    },
  };
}
