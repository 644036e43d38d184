// `eca run`: watch, judge, remember, deliver. Scans are serialised and debounced; OS events
// trigger them within a second, polling is the safety net. Every finding change is committed to
// the outbox (with the open set) before anything else happens with it; delivery runs on its own
// and never blocks scanning.

import { mkdir } from "node:fs/promises";
import type { Server } from "node:net";
import type { Logger } from "pino";
import type { LoadedPolicy } from "../../policy/types.ts";
import { backendBuses } from "../../probes/create.ts";
import type { Probe } from "../../probes/probe.ts";
import type { Bus } from "../../probes/types.ts";
import { type AgentConfig, probeOptions } from "../config/config.ts";
import { createSink } from "../delivery/create-sink.ts";
import { type Deliverer, startDeliverer } from "../delivery/deliverer.ts";
import { collectHostIdentity } from "../events/host.ts";
import {
  buildFindingEvent,
  buildHeartbeat,
  buildPeripheralActivity,
  type EventContext,
  inventoryDigest,
  peripheralChanges,
} from "../events/ocsf.ts";
import { resolveEventSettings } from "../events/settings.ts";
import { createFindingTracker, type FindingTracker } from "../findings/lifecycle.ts";
import { type Outbox, openOutbox } from "../outbox/outbox.ts";
import type { ScanReport } from "../report.ts";
import { collect, judgeSnapshot, openProbes } from "../scan.ts";
import { AGENT_VERSION } from "../version.ts";
import { openPolicySource, type PolicySource } from "./policy-source.ts";
import { serveStatus } from "./status-socket.ts";
import type { DaemonStatus } from "./status-types.ts";

/** Coalesces a burst of attach events (a hub with four devices) into one scan. */
const DEBOUNCE_MS = 150;

export interface RunningDaemon {
  /** Resolves after the scan under way (if any) and one more have completed: for tests. */
  scanNow(trigger: string): Promise<ScanReport>;
  status(): DaemonStatus;
  stop(): Promise<void>;
}

function unobservedBuses(backends: string[], unavailable: ScanReport["unavailable"]): Bus[] {
  const down = new Set<string>(unavailable.map((u) => u.source));
  const buses = new Set(backends.flatMap(backendBuses));
  return [...buses].filter((bus) =>
    backends.filter((b) => backendBuses(b).includes(bus)).every((b) => down.has(b)),
  );
}

export async function startDaemon(config: AgentConfig, logger: Logger): Promise<RunningDaemon> {
  const startedAt = new Date();
  // First: a fleet key that cannot be read stops the start before anything is opened.
  const events = resolveEventSettings(config.events);
  await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  const policySource: PolicySource = await openPolicySource(config.policyFile, config.stateDir, logger);
  const outbox: Outbox = openOutbox({
    stateDir: config.stateDir,
    logger,
    maxBytes: config.outboxMaxMegabytes * 1024 * 1024,
  });
  const host = await collectHostIdentity({ config: events.host });

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
  const tracker: FindingTracker = createFindingTracker(outbox, {
    opened: (open, now) => buildFindingEvent("opened", open, context, now),
    resolved: (open, now) => buildFindingEvent("resolved", open, context, now),
  });

  let deliverer: Deliverer | undefined;
  if (config.endpoint) {
    const sink = createSink(config.endpoint, {
      logger,
      agentVersion: AGENT_VERSION,
      hostname: host.hostname,
    });
    deliverer = startDeliverer({ outbox, sink, logger });
  } else {
    logger.warn("no endpoint configured: findings are kept in the outbox until one is");
  }

  const probes: Probe[] = await openProbes(config.backends, probeOptions(config));
  let lastReport: ScanReport | undefined;
  let lastScan: DaemonStatus["lastScan"];
  let lastInventory = "";
  let scanning: Promise<ScanReport> | undefined;
  let pending: { trigger: string; promise: Promise<ScanReport> } | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let stopped = false;

  /**
   * Posture from the open findings, not the last scan alone: when a bus's sources could not answer,
   * its findings stay open and the laptop is not compliant. Heartbeats and `eca status` agree.
   */
  function isCompliant(): boolean {
    return tracker.open().length === 0;
  }

  function enqueueHeartbeat(report: ScanReport, reason: "interval" | "change" | "startup"): void {
    const stats = outbox.stats();
    outbox.enqueue([
      buildHeartbeat(
        {
          report: { ...report, compliant: isCompliant() },
          openFindings: tracker.open().length,
          outbox: { depth: stats.depth, deadLetters: stats.deadLetters, dropped: stats.dropped },
          reason,
        },
        context,
        new Date(),
      ),
    ]);
  }

  async function runScan(trigger: string): Promise<ScanReport> {
    // process.hrtime, not performance.now(): the `performance` global loads perf_hooks (~1 MB RSS).
    const began = process.hrtime.bigint();
    const now = new Date();
    const policy = await policySource.current();
    context = eventContext(policy, context);
    const snapshot = await collect(probes);
    const report = judgeSnapshot(snapshot, policy, now, host.hostname);
    const diff = tracker.update(report.findings, now, {
      unobservedBuses: unobservedBuses(config.backends, snapshot.unavailable),
    });
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
    const inventory = inventoryDigest({ devices: report.devices, compliant: isCompliant() });
    if (!lastReport) enqueueHeartbeat(report, "startup");
    else if (inventory !== lastInventory) enqueueHeartbeat(report, "change");
    lastInventory = inventory;
    lastReport = report;
    lastScan = {
      at: now.toISOString(),
      durationMs: Math.round(Number(process.hrtime.bigint() - began) / 1e6),
      trigger,
      unavailable: snapshot.unavailable,
    };
    deliverer?.nudge();
    return report;
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

  function requestScan(trigger: string): void {
    if (stopped) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      scanNow(trigger).catch((error: unknown) => logger.error({ err: error, trigger }, "scan failed"));
    }, DEBOUNCE_MS);
  }

  for (const probe of probes) {
    probe.on("change", (reason) => requestScan(`${probe.name}: ${reason}`));
    probe.on("error", (error) => logger.warn({ source: probe.name, err: error }, "probe error"));
    probe.watch();
  }

  await scanNow("startup");
  const pollTimer = setInterval(() => requestScan("poll"), config.pollIntervalSeconds * 1000);
  const heartbeatTimer = setInterval(() => {
    if (lastReport) {
      enqueueHeartbeat(lastReport, "interval");
      deliverer?.nudge();
    }
  }, config.heartbeatMinutes * 60_000);

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
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      compliant: isCompliant(),
      policy: { ...report.policy, ...(problem ? { problem } : {}) },
      ...(lastScan ? { lastScan } : {}),
      devices: report.devices,
      findings: tracker.open().map((o) => ({ ...o.finding, openedAt: o.openedAt })),
      delivery: {
        ...(config.endpoint ? { endpoint: config.endpoint.url } : {}),
        outboxDepth: stats.depth,
        ...(lastDelivery ? { lastSuccessAt: new Date(lastDelivery).toISOString() } : {}),
        ...(lastError ? { lastError } : {}),
        pausedForAuth: delivery?.authPaused ?? stats.authPaused,
        deadLetters: stats.deadLetters,
        droppedEvents: stats.dropped.superseded + stats.dropped.heartbeats,
      },
    };
  }

  let server: Server | undefined;
  try {
    server = await serveStatus(config.socketPath, config.statusGroup, status, logger);
  } catch (error) {
    // The agent still enforces and reports without its status socket.
    logger.error(
      { err: error, socketPath: config.socketPath },
      "status socket unavailable: eca status will scan live",
    );
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
      await deliverer?.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      outbox.close();
      logger.info("eca stopped");
    },
  };
}
