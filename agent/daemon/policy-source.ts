// The daemon's policy: reloaded when the file changes; a broken file keeps the last good policy
// (also kept on disk, so a restart with a broken file still enforces what was last valid).

import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { builtInPolicy, loadPolicy } from "../../policy/load.ts";
import type { LoadedPolicy } from "../../policy/types.ts";

export interface PolicySource {
  /** Reloads if the file changed since the last look; cheap when it did not (one stat). */
  current(): Promise<LoadedPolicy>;
  /** Why the file in force is not the configured one, if it is not. */
  problem(): string | undefined;
}

export async function openPolicySource(
  file: string | undefined,
  stateDir: string,
  logger: Logger,
): Promise<PolicySource> {
  const lastGoodPath = join(stateDir, "last-good-policy.json");
  let loaded: LoadedPolicy = builtInPolicy();
  let problem: string | undefined;
  let seenVersion = "";

  async function fileVersion(path: string): Promise<string> {
    const info = await stat(path).catch(() => undefined);
    return info ? `${info.mtimeMs}:${info.size}` : "missing";
  }

  async function remember(policy: LoadedPolicy): Promise<void> {
    await mkdir(stateDir, { recursive: true });
    await writeFile(`${lastGoodPath}.tmp`, JSON.stringify(policy));
    await rename(`${lastGoodPath}.tmp`, lastGoodPath);
  }

  async function lastGood(): Promise<LoadedPolicy | undefined> {
    try {
      return JSON.parse(await readFile(lastGoodPath, "utf8")) as LoadedPolicy;
    } catch {
      return undefined;
    }
  }

  async function reload(path: string): Promise<void> {
    try {
      const fresh = await loadPolicy(path);
      if (fresh.digest !== loaded.digest)
        logger.info(
          { policy: fresh.policy.id, version: fresh.policy.version, source: path },
          "policy loaded",
        );
      loaded = fresh;
      problem = undefined;
      await remember(fresh).catch((error: unknown) =>
        logger.warn({ err: error }, "could not keep a copy of the policy"),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (loaded.source === "built-in") loaded = (await lastGood()) ?? loaded;
      problem = `${message}\n  keeping ${loaded.source === "built-in" ? "the built-in policy" : `the last good policy ${loaded.policy.id} ${loaded.policy.version}`}`;
      logger.error(
        { file: path, problem: message, inForce: loaded.source },
        "policy file is invalid; keeping the last good policy",
      );
    }
  }

  return {
    async current() {
      if (!file) return loaded;
      const version = await fileVersion(file);
      if (version !== seenVersion) {
        seenVersion = version;
        await reload(file);
      }
      return loaded;
    },
    problem: () => problem,
  };
}
