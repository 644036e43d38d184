// What `eca run` needs from enforcement, in one place so the daemon calls it in a few lines:
// the enforcer for this platform (lazily loaded), the Update events for findings whose
// enforcement changed while they stayed open, and the status section for `eca status`.

import { mkdirSync, watch } from "node:fs";
import { join } from "node:path";
import { enforcedRules, enforcementSettings } from "../../policy/enforcement.ts";
import type { Instant } from "../../policy/iso-time.ts";
import type { Policy, RuleId } from "../../policy/types.ts";
import type { AgentConfig } from "../config/config.ts";
import type { EventContext } from "../events/ocsf.ts";
import type { OpenFinding } from "../findings/lifecycle.ts";
import type { Logger } from "../log.ts";
import type { NewEvent } from "../outbox/types.ts";
import { createActuator, defaultActuator } from "./create.ts";
import { createEnforcer, type EnforcementPass, type Enforcer } from "./enforcer.ts";
import { RELEASES_DIRECTORY } from "./memory.ts";
import { buildEnforcementUpdate } from "./ocsf-enforcement.ts";
import type { EnforcementOutcome } from "./types.ts";

/** The command IT support runs to release a device (docs/ENFORCEMENT.md). */
export function unblockCommand(deviceId: string): string {
  return `sudo eca unblock '${deviceId.replaceAll("'", "'\\''")}'`;
}

/** `eca status`'s enforcement section (DaemonStatus.enforcement). */
export interface EnforcementStatus {
  mode: "audit" | "enforce";
  enforcing: RuleId[];
  /** Who is in charge of USB authorization: eca, or USBGuard (then eca only reports). */
  authority: string;
  authorizedDefault?: Record<string, number>;
  blocked: {
    deviceId: string;
    name: string;
    portPath: string;
    rule: RuleId;
    since: string;
    targets: string[];
    release: string;
  }[];
  releases: { deviceId: string; name: string; by: string; at: string; until: string }[];
}

export async function openDaemonEnforcer(config: AgentConfig, logger: Logger): Promise<Enforcer | undefined> {
  // Recorded devices are not this laptop's: blocking them would write to whatever real device
  // happens to sit at the same port path (or into the capture folder). They are only judged.
  if (config.replayFile || config.captureDir) {
    logger.info("judging recorded devices: nothing is enforced");
    return undefined;
  }
  const name = defaultActuator();
  if (!name) {
    logger.warn(
      { platform: process.platform },
      "no enforcement on this platform: findings are reported only",
    );
    return undefined;
  }
  const actuator = await createActuator(name, { root: config.root });
  return createEnforcer({
    stateDir: config.stateDir,
    actuator,
    onSaveError: (error) => logger.error({ err: error }, "enforcement state not saved: kept in memory"),
  });
}

/**
 * Calls `onRelease` when `eca unblock` writes a release, so the daemon reports it (and stops
 * holding the device) at once rather than at the next poll. Returns the function that stops it.
 */
export function watchReleases(stateDir: string, onRelease: () => void): () => void {
  const directory = join(stateDir, RELEASES_DIRECTORY);
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const watcher = watch(directory, { persistent: false }, () => onRelease());
    watcher.on("error", () => watcher.close());
    return () => watcher.close();
  } catch {
    return () => undefined;
  }
}

/** Runs a pass, never failing the scan: an enforcement error is logged and the scan goes on. */
export async function enforceLogged(
  enforcer: Enforcer | undefined,
  logger: Logger,
  ...args: Parameters<Enforcer["enforce"]>
): Promise<EnforcementPass | undefined> {
  if (!enforcer) return undefined;
  try {
    const pass = await enforcer.enforce(...args);
    for (const outcome of pass.changed) {
      const log = outcome.result === "could-not-block" ? logger.warn : logger.info;
      log.call(
        logger,
        { finding: outcome.findingId, result: outcome.result, detail: outcome.detail },
        "enforcement",
      );
    }
    return pass;
  } catch (error) {
    logger.error({ err: error }, "enforcement pass failed: findings are reported, nothing was blocked");
    return undefined;
  }
}

/** Update events for findings that were open before this scan, are still open, and whose enforcement changed. */
export function enforcementUpdates(
  changed: EnforcementOutcome[],
  openBefore: ReadonlySet<string>,
  stillOpen: OpenFinding[],
  context: EventContext,
  now: Instant,
): NewEvent[] {
  const open = new Map(stillOpen.map((o) => [o.finding.id, o]));
  return changed
    .filter((o) => openBefore.has(o.findingId) && open.has(o.findingId))
    .map((o) => buildEnforcementUpdate(open.get(o.findingId) as OpenFinding, o, context, now));
}

export function enforcementStatus(
  enforcer: Enforcer | undefined,
  policy: Policy,
): EnforcementStatus | undefined {
  if (!enforcer) return undefined;
  const settings = enforcementSettings(policy);
  const state = enforcer.state();
  const authority = state.authority;
  return {
    mode: settings.mode,
    enforcing: enforcedRules(settings),
    authority:
      !authority || authority.inCharge === "eca"
        ? "eca"
        : authority.inCharge === "usbguard"
          ? `USBGuard (${authority.reason}): eca only reports`
          : authority.reason,
    ...(state.authorizedDefault ? { authorizedDefault: state.authorizedDefault } : {}),
    blocked: state.blocked.map((b) => ({
      deviceId: b.deviceId,
      name: b.name,
      portPath: b.portPath,
      rule: b.rule,
      since: b.at,
      targets: b.targets,
      release: unblockCommand(b.deviceId),
    })),
    releases: state.releases.map((r) => ({
      deviceId: r.deviceId,
      name: r.name,
      by: r.by,
      at: r.at,
      until: r.until,
    })),
  };
}
