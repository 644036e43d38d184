import type { Command } from "commander";
import { DocumentError } from "../../policy/document.ts";
import { checkAgainstSchema } from "../../policy/schema-check.ts";
import { CONFIG_SCHEMA, type ConfigOverrides, loadConfig } from "../config/config.ts";
import { EXIT_ERROR } from "./exit-codes.ts";

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
  capture?: string;
}

function whole(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`${flag} ${value}: expected a whole number of 1 or more`);
  return number;
}

/** Which flag sets which configuration key, to name the flag in errors. */
const FLAG_OF: Record<string, string> = {
  stateDir: "--state-dir",
  pollIntervalSeconds: "--poll-interval",
  heartbeatMinutes: "--heartbeat-minutes",
  policyFile: "--policy",
  root: "--root",
  socketPath: "--socket",
  backends: "--backend",
  replayFile: "--replay",
  endpoint: "--endpoint",
};

/** Flags get the configuration file's schema: the same limits, the same clear errors. */
export function checkFlags(overrides: ConfigOverrides): void {
  const { endpointUrl, ...rest } = overrides;
  const document = Object.fromEntries(
    Object.entries({
      ...rest,
      ...(endpointUrl !== undefined ? { endpoint: { url: endpointUrl } } : {}),
    }).filter(([, value]) => value !== undefined),
  );
  const problems = checkAgainstSchema(document, CONFIG_SCHEMA).map((problem) => {
    const [key = "", ...inner] = problem.path.split(".");
    const flag = FLAG_OF[key.replace(/\[\d+\]$/, "")] ?? key;
    return { ...problem, path: [flag, ...inner.filter((part) => part !== "url")].join(".") };
  });
  if (problems.length > 0) throw new DocumentError("eca run flags", problems);
}

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run as the background service: watch devices, keep findings on disk, deliver them")
    .option("--config <file>", "agent configuration (YAML or JSON); the platform's file when left out")
    .option("--endpoint <url>", "where to deliver events (overrides endpoint.url)")
    .option("--state-dir <dir>", "where the outbox and state live")
    .option("--poll-interval <seconds>", "seconds between safety-net scans (default 30)")
    .option("--heartbeat-minutes <minutes>", "minutes between inventory heartbeats")
    .option("--policy <file>", "policy file")
    .option("--root <dir>", "filesystem root for /sys and /var/lib/bluetooth")
    .option("--socket <path>", "status socket path")
    .option("--backend <name...>", "probe backends to use")
    .option("--replay <file>", "judge recorded observations (JSON) instead of real devices")
    .option("--capture <dir>", "judge a folder written by `eca capture`, as the platform it was recorded on")
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
        captureDir: flags.capture,
      };
      checkFlags(overrides);
      const config = await loadConfig(flags.config, overrides);
      // The logger is loaded only by the daemon, not by every command.
      const { createLogger } = await import("../log.ts");
      const logger = createLogger(process.env.ECA_LOG_LEVEL ?? "info", config.logging);
      const { startDaemon } = await import("../daemon/daemon.ts");
      let daemon: Awaited<ReturnType<typeof startDaemon>>;
      try {
        daemon = await startDaemon(config, logger);
      } catch (error) {
        // startDaemon stopped what it started, so the process exits once this is reported; the
        // unref'd timer only makes sure of it should a library keep a handle open.
        logger.fatal({ err: error }, "eca could not start");
        setTimeout(() => process.exit(EXIT_ERROR), 3000).unref();
        throw error;
      }
      // Linux: once start-up is over, its pages go back to the kernel (daemon/startup-pages.ts).
      const { scheduleStartupPageRelease } = await import("../daemon/startup-pages.ts");
      const cancelRelease = scheduleStartupPageRelease(logger);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, "stopping");
          resolve();
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
      cancelRelease();
      await daemon.stop();
    });
}
