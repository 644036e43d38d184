import type { Command } from "commander";
import type { LoadedPolicy } from "../../policy/types.ts";
import { type AgentConfig, loadConfig, probeOptions } from "../config/config.ts";
import type { DaemonStatus } from "../daemon/status-types.ts";
import { renderEnforcementStatus } from "../enforce/render-status.ts";
import { unobservedBuses } from "../report.ts";
import { redactUrl, redactUrlsIn } from "../text/redact.ts";
import { jsonForTerminal, sanitizeForTerminal } from "../text/sanitize.ts";
import { EXIT_ERROR, renderUnobserved, scanExitCode } from "./exit-codes.ts";
import { renderDevices, renderFindings, renderReport } from "./render.ts";

interface StatusFlags {
  json?: boolean;
  config?: string;
  socket?: string;
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 120) return `${iso} (${seconds} s ago)`;
  if (seconds < 7200) return `${iso} (${Math.round(seconds / 60)} min ago)`;
  return `${iso} (${Math.round(seconds / 3600)} h ago)`;
}

/** What the status pipe went through: its name taken by another process, and when. */
function statusChannelLines(channel: DaemonStatus["statusChannel"]): string[] {
  if (!channel?.taken) return [];
  const { since, until } = channel.taken;
  return [
    `status pipe:    ! its name was taken by another process from ${since}${until ? ` until ${until}` : " (still)"}: status was unavailable meanwhile`,
  ];
}

/** Which collector read each Windows source: PowerShell means slower listings and no notifications. */
function collectorLines(collectors: NonNullable<DaemonStatus["lastScan"]>["collectors"]): string[] {
  return (collectors ?? []).map((use) => {
    const notifications = use.notifications
      ? ", device notifications on"
      : ", no device notifications: the poll finds changes";
    return use.fallbackReason
      ? `collector:      ! ${use.source}: ${use.collector}, because ${use.fallbackReason}${notifications}`
      : `collector:      ${use.source}: ${use.collector}${notifications}`;
  });
}

/** Every line passes through sanitizeForTerminal, and credentials are hidden even if a daemon sent them. */
export function renderStatus(status: DaemonStatus, now: number = Date.now()): string {
  const d = status.delivery;
  const lines = [
    `eca ${status.version} is running (pid ${status.pid}, up ${Math.round(status.uptimeSeconds / 60)} min)`,
    `policy:         ${status.policy.id} ${status.policy.version} (${status.policy.source})`,
    ...(status.policy.problem ? [`  ! ${status.policy.problem}`] : []),
    `last scan:      ${ago(status.lastScan?.at, now)}${status.lastScan ? `, after ${status.lastScan.trigger}` : ""}`,
    `posture:        ${status.compliant ? "compliant" : `NOT compliant, ${status.findings.length} open finding(s)`}`,
    `endpoint:       ${d.endpoint ? redactUrl(d.endpoint) : "none configured: events wait in the outbox"}`,
    `outbox:         ${d.outboxDepth} event(s) waiting${d.droppedEvents ? `, ${d.droppedEvents} dropped to stay within the size bound` : ""}`,
    `last delivery:  ${ago(d.lastSuccessAt, now)}`,
    `last error:     ${d.lastError ? redactUrlsIn(d.lastError) : "none"}${d.pausedForAuth ? " (delivery paused: the endpoint refused our credentials)" : ""}`,
    `dead letters:   ${d.deadLetters}`,
    ...(d.storageProblem
      ? [
          `storage:        ! ${d.storageProblem}; ${d.pendingWrites ?? 0} change(s) held in memory until the disk has room`,
        ]
      : []),
    ...(d.stateRebuilt ? [`state rebuilt:  ${ago(d.stateRebuilt.at, now)}: ${d.stateRebuilt.reason}`] : []),
    ...statusChannelLines(status.statusChannel),
    ...collectorLines(status.lastScan?.collectors),
  ];
  const unavailable = status.lastScan?.unavailable ?? [];
  for (const u of unavailable)
    lines.push(`${u.absent ? "not installed:" : "not checked:  "}  ${u.source}: ${u.reason}`);
  lines.push(...renderEnforcementStatus(status.enforcement, status.findings).split("\n").filter(Boolean));
  const partial = unavailable.some((u) => !u.absent);
  return `${lines.map(sanitizeForTerminal).join("\n")}\n\n${renderDevices(status.devices)}\n\n${renderFindings(status.findings, partial)}\n`;
}

/**
 * The daemon's answer with the buses its last scan could not observe: as the daemon says, or
 * (a daemon that does not say yet) worked out from its last scan and the configured backends.
 * A bus that could not be observed is never compliant: exit code 3 when there are no findings.
 */
export function withUnobserved(status: DaemonStatus, backends: readonly string[]): DaemonStatus {
  const unobserved = status.unobserved ?? unobservedBuses(backends, status.lastScan?.unavailable ?? []);
  return { ...status, unobserved, compliant: status.compliant && unobserved.length === 0 };
}

/**
 * The policy the agent itself would apply: with trusted keys configured, through the same source
 * as the daemon (signature, rollback and host scope checked; the URL is not fetched from here),
 * so a live scan never judges by a policy the agent would refuse.
 */
async function policyForLiveScan(config: AgentConfig): Promise<{ policy: LoadedPolicy; problem?: string }> {
  if (!config.policy?.trustedKeys?.length) {
    const { loadPolicy } = await import("../../policy/load.ts");
    return { policy: await loadPolicy(config.policyFile) };
  }
  const { openPolicySource, policySourceOptions } = await import("../daemon/policy-source.ts");
  const { silentLogger } = await import("../log.ts");
  const { url: _url, ...options } = policySourceOptions(config);
  const source = await openPolicySource(config.policyFile, config.stateDir, silentLogger, options);
  try {
    const policy = await source.current();
    const problem = source.problem();
    return { policy, ...(problem ? { problem } : {}) };
  } finally {
    source.close();
  }
}

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("ask the running agent what it sees; falls back to a live scan when it is not running")
    .option("--json", "print one JSON document")
    .option("--config <file>", "agent configuration, to find the status socket and state")
    .option("--socket <path>", "status socket path (overrides the configuration)")
    .action(async (flags: StatusFlags) => {
      const config = await loadConfig(flags.config, flags.socket ? { socketPath: flags.socket } : {});
      // Imported here: the status socket's module (and node:net with it) would otherwise be evaluated
      // by every command when the program starts (bench/results/startup.md).
      const { authenticatesStatus, requestStatus, shareableStatus } = await import(
        "../daemon/status-socket.ts"
      );
      // On Windows (and with statusAuth) only an answer proved by the status key is believed.
      const answer = await requestStatus(config.socketPath, undefined, {
        ...(config.statusGroup ? { statusGroup: config.statusGroup } : {}),
        ...(authenticatesStatus(process.platform, config.statusAuth)
          ? { auth: { stateDir: config.stateDir } }
          : {}),
      });
      if (answer.running) {
        const status = withUnobserved(answer.status, config.backends);
        process.stdout.write(
          flags.json
            ? `${jsonForTerminal(shareableStatus(status), 2)}\n`
            : renderStatus(status) + renderUnobserved({ unobserved: status.unobserved ?? [] }),
        );
        process.exitCode = scanExitCode(status);
        return;
      }
      if (answer.running === null) {
        // The agent may well be running: a live scan here would pass for its view, and say it is down.
        if (flags.json)
          process.stdout.write(`${jsonForTerminal({ running: null, reason: answer.reason }, 2)}\n`);
        process.stderr.write(`eca status: ${answer.reason}\n`);
        process.exitCode = EXIT_ERROR;
        return;
      }
      // Not running: say so plainly, then show what a live scan sees right now.
      const { scanOnce } = await import("../scan.ts");
      const { policy, problem } = await policyForLiveScan(config);
      const report = await scanOnce(config.backends, probeOptions(config), policy);
      if (flags.json) {
        const answerJson = {
          running: false,
          reason: answer.reason,
          ...(problem ? { policyProblem: problem } : {}),
        };
        process.stdout.write(`${jsonForTerminal({ ...answerJson, scan: report }, 2)}\n`);
      } else {
        const warning = problem ? `policy:  ! ${sanitizeForTerminal(problem)}\n` : "";
        process.stdout.write(
          `eca is NOT running (${sanitizeForTerminal(answer.reason)}).\n${warning}Live scan instead:\n\n${renderReport(report)}${renderUnobserved(report)}`,
        );
      }
      process.exitCode = scanExitCode(report);
    });
}
