// `eca unblock DEVICE`: IT support releases a device eca blocked, on the spot. It writes a release
// (who, when, until when) to the state directory first, so the daemon cannot block the device again
// in between, then re-authorizes what eca blocked. The daemon reports the release to the central
// side as an Update of the device's finding (unmapped.eca.enforcement.released_by) and does not
// block the device again until it is unplugged or the release ends (--hours, 8 by default).

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { loadConfig } from "../config/config.ts";
import type { Release } from "../enforce/types.ts";
import { sanitizeForTerminal } from "../text/sanitize.ts";
import { EXIT_COMPLIANT, EXIT_ERROR } from "./exit-codes.ts";

interface UnblockFlags {
  config?: string;
  hours?: string;
  root?: string;
  stateDir?: string;
}

export const DEFAULT_RELEASE_HOURS = 8;
export const MAX_RELEASE_HOURS = 24;

/** The kernel's "no login uid" value (audit: (uid_t)-1). */
const NO_LOGIN_UID = 4294967295;

/** Who is releasing: the sudo caller, else the login uid's user, else the uid itself. */
export function whoIsReleasing(
  env: NodeJS.ProcessEnv = process.env,
  readText: (path: string) => string | undefined = readOptional,
): { by: string; loginUid?: number } {
  const raw = Number(readText("/proc/self/loginuid")?.trim());
  const loginUid = Number.isInteger(raw) && raw !== NO_LOGIN_UID ? raw : undefined;
  const loginName = loginUid === undefined ? undefined : userName(loginUid, readText("/etc/passwd"));
  const by =
    env.SUDO_USER ||
    loginName ||
    (loginUid !== undefined ? `uid ${loginUid}` : `uid ${process.getuid?.() ?? "unknown"}`);
  return { by, ...(loginUid !== undefined ? { loginUid } : {}) };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function userName(uid: number, passwd: string | undefined): string | undefined {
  for (const line of (passwd ?? "").split("\n")) {
    const [name, , id] = line.split(":");
    if (name && Number(id) === uid) return name;
  }
  return undefined;
}

function fail(message: string): void {
  process.stderr.write(`eca unblock: ${sanitizeForTerminal(message)}\n`);
  process.exitCode = EXIT_ERROR;
}

export function registerUnblockCommand(program: Command): void {
  program
    .command("unblock <device>")
    .description(
      "release a device eca blocked (root): re-authorize it now, record who did it, and do not block it again until it is unplugged or --hours pass",
    )
    .option(
      "--hours <n>",
      `how long the release lasts at most (1 to ${MAX_RELEASE_HOURS})`,
      String(DEFAULT_RELEASE_HOURS),
    )
    .option("--config <file>", "agent configuration, to find the state directory")
    .option("--state-dir <dir>", "state directory (overrides the configuration)")
    .option("--root <dir>", "a recorded tree to act on instead of the live machine's /sys")
    .action(async (device: string, flags: UnblockFlags) => {
      const hours = Number(flags.hours);
      if (!Number.isInteger(hours) || hours < 1 || hours > MAX_RELEASE_HOURS) {
        fail(`--hours ${flags.hours}: expected a whole number of hours from 1 to ${MAX_RELEASE_HOURS}`);
        return;
      }
      if (process.getuid && process.getuid() !== 0) {
        fail(`must run as root, since it re-authorizes a device: sudo eca unblock ${device}`);
        return;
      }
      const config = await loadConfig(flags.config, {
        ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
        ...(flags.root ? { root: flags.root } : {}),
      });
      // Imported here, like every command's own machinery: otherwise every command, `eca scan` too,
      // would evaluate them when the program starts (bench/results/startup.md).
      const [{ createActuator, defaultActuator }, { loadMemory, removeRelease, saveRelease }] =
        await Promise.all([import("../enforce/create.ts"), import("../enforce/memory.ts")]);
      const memory = loadMemory(config.stateDir);
      const blocked = memory.blocked.find(
        (b) => b.deviceId === device || b.portPath === device || b.findingId === device,
      );
      if (!blocked) {
        const list = memory.blocked.map((b) => `${b.deviceId} (${b.name}, port ${b.portPath})`).join("; ");
        fail(
          `eca did not block ${device}, so there is nothing to release. ${list ? `Blocked by eca now: ${list}.` : "eca has blocked nothing."} Name a device by its id or port, as eca status lists them.`,
        );
        return;
      }
      const name = defaultActuator();
      if (!name) {
        fail(`eca cannot enforce on ${process.platform}, so it has nothing to release`);
        return;
      }
      const now = new Date();
      const release: Release = {
        deviceId: blocked.deviceId,
        portPath: blocked.portPath,
        name: blocked.name,
        findingId: blocked.findingId,
        rule: blocked.rule,
        ...whoIsReleasing(),
        uid: process.getuid?.() ?? 0,
        at: now.toISOString(),
        until: new Date(now.getTime() + hours * 3_600_000).toISOString(),
        targets: blocked.targets,
      };
      // The release first: the daemon must not block the device again between the write and the release.
      saveRelease(config.stateDir, release);
      const actuator = await createActuator(name, { root: config.root });
      const [applied] = await actuator.apply([
        {
          do: "unblock",
          deviceId: blocked.deviceId,
          portPath: blocked.portPath,
          name: blocked.name,
          because: `released by ${release.by} with eca unblock`,
          blocked,
        },
      ]);
      if (!applied?.ok) {
        removeRelease(config.stateDir, release);
        const errors = applied?.steps.filter((s) => s.error).map((s) => s.error) ?? [];
        fail(`could not re-authorize ${blocked.name}: ${errors.join("; ") || "nothing was done"}`);
        return;
      }
      process.stdout.write(
        `${sanitizeForTerminal(
          `released ${blocked.name} (${blocked.deviceId}, port ${blocked.portPath}): re-authorized ${blocked.targets.join(", ")}. ` +
            `eca will not block it again until it is unplugged, or until ${release.until} (${hours} h). ` +
            `Recorded as released by ${release.by}; the agent reports it with the finding.`,
        )}\n`,
      );
      process.exitCode = EXIT_COMPLIANT;
    });
}
