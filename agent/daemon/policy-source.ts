// The daemon's policy: reloaded when the file changes; a broken file keeps the last good policy
// (also kept on disk, so a restart with a broken file still enforces what was last valid).
//
// A reload holds up the scan that noticed the change for as long as the parse takes, and the
// parse is bounded by the document's size (policy/document.ts): YAML at most 64 KiB (measured,
// Node 26: ~120 ms, +29 MB peak RSS), JSON at most 1 MiB (~50 ms, +11 MB). A bigger file is
// refused after reading at most 1 MiB + 1 byte, and the last good policy stays in force.

import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { MAX_DOCUMENT_BYTES, readDocumentFile } from "../../policy/document.ts";
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
      // Our own copy, but still bounded: a policy is at most 1 MiB, its JSON copy a few times that.
      const text = await readDocumentFile(lastGoodPath, "", 4 * MAX_DOCUMENT_BYTES);
      return JSON.parse(text) as LoadedPolicy;
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
