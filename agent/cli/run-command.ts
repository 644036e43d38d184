import type { Command } from "commander";
import { type ConfigOverrides, loadConfig } from "../config/config.ts";

interface RunFlags {
  config?: string;
  endpoint?: string;
  stateDir?: string;
  pollInterval?: string;
  heartbeatMinutes?: string;
  policy?: string;
  root?: string;
  socket?: string;
  backend?: string[];
  replay?: string;
}

function whole(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`${flag} ${value}: expected a whole number of 1 or more`);
  return number;
}

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run as the background service: watch devices, keep findings on disk, deliver them")
    .option("--config <file>", "agent configuration (YAML or JSON); the platform's file when left out")
    .option("--endpoint <url>", "where to deliver events (overrides endpoint.url)")
    .option("--state-dir <dir>", "where the outbox and state live")
    .option("--poll-interval <seconds>", "seconds between safety-net scans")
    .option("--heartbeat-minutes <minutes>", "minutes between inventory heartbeats")
    .option("--policy <file>", "policy file")
    .option("--root <dir>", "filesystem root for /sys and /var/lib/bluetooth")
    .option("--socket <path>", "status socket path")
    .option("--backend <name...>", "probe backends to use")
    .option("--replay <file>", "judge recorded observations (JSON) instead of real devices")
    .action(async (flags: RunFlags) => {
      const overrides: ConfigOverrides = {
        endpointUrl: flags.endpoint,
        stateDir: flags.stateDir,
        pollIntervalSeconds: whole(flags.pollInterval, "--poll-interval"),
        heartbeatMinutes: whole(flags.heartbeatMinutes, "--heartbeat-minutes"),
        policyFile: flags.policy,
        root: flags.root,
        socketPath: flags.socket,
        backends: flags.backend,
        replayFile: flags.replay,
      };
      const config = await loadConfig(flags.config, overrides);
      // pino (and its worker_threads transport code) is loaded only by the daemon, not by every command.
      const { createLogger } = await import("../log.ts");
      const logger = createLogger(process.env.ECA_LOG_LEVEL ?? "info", config.logging);
      const { startDaemon } = await import("../daemon/daemon.ts");
      const daemon = await startDaemon(config, logger);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, "stopping");
          resolve();
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
      await daemon.stop();
    });
}
