// The daemon's policy: from a file (which an MDM such as Intune or Jamf manages) and/or an HTTPS URL
// polled every `policy.pollMinutes` with If-None-Match. Whatever arrives is checked before it is
// used (policy/trust.ts): with `policy.trustedKeys` set it must be signed by one of them, carry an
// issuedAt, not be expired, and not be older than the newest policy this laptop ever accepted (kept
// in the state directory, so replaying an old signed file after a restart is refused too). A policy
// that fails keeps the last good policy in force (also kept on disk, so a restart with a broken file
// still enforces what was last valid), `problem()` says why, and the scan reports it as the finding
// policy-untrusted. An unreachable URL changes nothing.
//
// A reload holds up the scan that noticed the change for as long as the parse takes, and the
// parse is bounded by the document's size (policy/document.ts): YAML at most 64 KiB (measured,
// Node 26: ~120 ms, +29 MB peak RSS), JSON at most 1 MiB (~50 ms, +11 MB). A bigger file is
// refused after reading at most 2 MiB + 1 byte (a signed bundle is the policy in base64), and the
// last good policy stays in force. Checking the signature adds little to the parse: Ed25519 over
// 64 KiB takes 0.2 ms, over 1 MiB 3.9 ms (measured, Node 26, 200 verifications each).

import { join } from "node:path";
import {
  DocumentError,
  MAX_DOCUMENT_BYTES,
  readDocumentBytes,
  readDocumentFile,
} from "../../policy/document.ts";
import { type Instant, timeValue } from "../../policy/iso-time.ts";
import { builtInPolicy, policyTime, readPolicyBytes } from "../../policy/load.ts";
import {
  looksLikeBundle,
  MAX_SIGNATURE_BYTES,
  type PolicySignature,
  parseBundle,
  parsePublicKey,
  parseSignature,
  type TrustedKey,
} from "../../policy/signature.ts";
import { acceptPolicy, type HighWater, type PolicyCandidate, raiseHighWater } from "../../policy/trust.ts";
import type { EvaluationContext, HostFacts, LoadedPolicy } from "../../policy/types.ts";
import { writeFileAtomic } from "../atomic-write.ts";
import type { AgentConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { mkdir, stat } from "./async-fs.ts";
import {
  createPolicyFetcher,
  MAX_DOWNLOAD_BYTES,
  type PolicyFetcher,
  type PolicyFetchTls,
} from "./policy-fetch.ts";

export interface PolicySource {
  /** Reloads the file if it changed since the last look (one stat when it did not). */
  current(): Promise<LoadedPolicy>;
  /** Why the policy in force is not the one configured, if it is not. */
  problem(): string | undefined;
  /** Downloads the policy URL now (the timer does it every pollMinutes); never rejects. */
  poll(): Promise<void>;
  close(): void;
}

export interface PolicySourceOptions {
  url?: string;
  /** Public keys written ed25519:<base64>; with any, only policies signed by one of them are used. */
  trustedKeys?: readonly string[];
  pollMinutes?: number;
  expiringDays?: number;
  tls?: PolicyFetchTls;
  proxyEnv?: NodeJS.ProcessEnv | null;
  /** This laptop, for approvals scoped to hosts; read with readHostFacts() when left out. */
  host?: HostFacts;
  now?: () => Instant;
  /** Injectable for tests; default createPolicyFetcher(url, tls). */
  fetcher?: (url: string) => PolicyFetcher;
}

/** The options the daemon gives the source, from its configuration. */
export function policySourceOptions(config: AgentConfig): PolicySourceOptions {
  const p = config.policy ?? {};
  const endpoint = config.endpoint;
  return {
    ...(p.url ? { url: p.url } : {}),
    ...(p.trustedKeys ? { trustedKeys: p.trustedKeys } : {}),
    ...(p.pollMinutes ? { pollMinutes: p.pollMinutes } : {}),
    ...(p.expiringDays !== undefined ? { expiringDays: p.expiringDays } : {}),
    ...(endpoint
      ? {
          tls: {
            ...(endpoint.caFile ? { caFile: endpoint.caFile } : {}),
            ...(endpoint.certFile ? { certFile: endpoint.certFile } : {}),
            ...(endpoint.keyFile ? { keyFile: endpoint.keyFile } : {}),
            ...(endpoint.tokenFile ? { tokenFile: endpoint.tokenFile, tokenOrigin: endpoint.url } : {}),
          },
        }
      : {}),
  };
}

export const DEFAULT_POLL_MINUTES = 15;

/** Parses the configured keys; a bad one stops the start with the place and the fix. */
export function parseTrustedKeys(keys: readonly string[], where = "policy.trustedKeys"): TrustedKey[] {
  return keys.map((text, index) => {
    const parsed = parsePublicKey(text, `${where}[${index}]`);
    if ("key" in parsed) return parsed;
    throw new DocumentError("the agent configuration", [parsed]);
  });
}

async function readJson<T>(path: string, maxBytes: number): Promise<T | undefined> {
  try {
    return JSON.parse(await readDocumentFile(path, "", maxBytes)) as T;
  } catch {
    return undefined;
  }
}

/** Splits what a file or URL gave into the policy's bytes and its signature. */
function candidateFrom(body: Buffer, signatureText: string | undefined, source: string): PolicyCandidate {
  const text = body.toString("utf8");
  if (looksLikeBundle(text)) {
    const { bytes, signature } = parseBundle(text, source);
    return { bytes, signature, source };
  }
  let signature: PolicySignature | undefined;
  if (signatureText !== undefined) signature = parseSignature(signatureText, `${source}.sig`);
  return { bytes: body, ...(signature ? { signature } : {}), source };
}

export async function openPolicySource(
  file: string | undefined,
  stateDir: string,
  logger: Logger,
  options: PolicySourceOptions = {},
): Promise<PolicySource> {
  const lastGoodPath = join(stateDir, "last-good-policy.json");
  const highWaterPath = join(stateDir, "policy-high-water.json");
  const downloadPath = join(stateDir, "policy-download");
  const downloadMetaPath = join(stateDir, "policy-download.json");
  const trusted = parseTrustedKeys(options.trustedKeys ?? []);
  const now = options.now ?? Date.now;
  const url = options.url;
  const fetcherFor =
    options.fetcher ??
    ((target: string) =>
      createPolicyFetcher(target, options.tls, { proxyEnv: options.proxyEnv ?? process.env }));
  const fetcher = url ? fetcherFor(url) : undefined;
  const signatureFetcher = url ? fetcherFor(`${url}.sig`) : undefined;
  let host = options.host;
  if (!host) {
    const { readHostFacts } = await import("./host-facts.ts");
    host = await readHostFacts();
  }

  let loaded: LoadedPolicy = builtInPolicy();
  /** Why a source's latest policy was refused, by source ("file", "url"). */
  const problems = new Map<"file" | "url", string>();
  let highWater = await readJson<HighWater>(highWaterPath, 64 * 1024);
  let seenVersion = "";
  let etag: string | undefined;
  let polling: Promise<void> | undefined;

  async function remember(policy: LoadedPolicy): Promise<void> {
    await mkdir(stateDir, { recursive: true });
    const { context: _context, ...kept } = policy;
    writeFileAtomic(lastGoodPath, JSON.stringify(kept));
    if (highWater) writeFileAtomic(highWaterPath, JSON.stringify(highWater));
  }

  async function lastGood(): Promise<LoadedPolicy | undefined> {
    // Our own copy, but still bounded: a policy is at most 1 MiB, its JSON copy a few times that.
    return readJson<LoadedPolicy>(lastGoodPath, 4 * MAX_DOCUMENT_BYTES);
  }

  function inForce(): string {
    return loaded.source === "built-in"
      ? "the built-in policy"
      : `the last good policy ${loaded.policy.id} ${loaded.policy.version}`;
  }

  async function adopt(fresh: LoadedPolicy, key: "file" | "url"): Promise<void> {
    if (fresh.digest !== loaded.digest)
      logger.info(
        {
          policy: fresh.policy.id,
          version: fresh.policy.version,
          source: fresh.source,
          ...(fresh.signedBy ? { signedBy: fresh.signedBy } : {}),
        },
        "policy loaded",
      );
    loaded = fresh;
    problems.delete(key);
    // Only a signed policy moves the mark: an unsigned file written before keys were configured
    // must not be able to claim a far-future issuedAt and lock out every real policy.
    if (fresh.signedBy) highWater = raiseHighWater(highWater, fresh);
    await remember(fresh).catch((error: unknown) =>
      logger.warn({ err: error }, "could not keep a copy of the policy"),
    );
  }

  async function refuse(
    key: "file" | "url",
    candidateSource: string,
    reason: string,
    older: boolean,
  ): Promise<void> {
    if (loaded.source === "built-in") loaded = (await lastGood()) ?? loaded;
    // Two sources (an MDM file and a URL) may be a step apart: a signed policy older than the one the
    // other source delivered is no attack. From the source that delivered the policy in force, it is.
    if (older && loaded.source !== "built-in" && loaded.source !== candidateSource) {
      problems.delete(key);
      logger.info(
        { source: candidateSource, inForce: loaded.source },
        "policy older than the one in force; ignored",
      );
      return;
    }
    problems.set(key, `${reason}\n  keeping ${inForce()}`);
    logger.error(
      { source: candidateSource, problem: reason, inForce: loaded.source },
      "policy refused; keeping the last good policy",
    );
  }

  /** Checks a candidate and adopts it or records why not; true when adopted. */
  async function consider(
    key: "file" | "url",
    make: () => PolicyCandidate,
    source: string,
  ): Promise<boolean> {
    let result: Awaited<ReturnType<typeof acceptPolicy>>;
    try {
      result = await acceptPolicy(make(), trusted, highWater, now());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await refuse(key, source, message, false);
      return false;
    }
    if (result.accepted) {
      await adopt(result.loaded, key);
      return true;
    }
    await refuse(key, source, result.reason, result.older === true);
    return false;
  }

  async function fileVersion(path: string): Promise<string> {
    const version = async (p: string) => {
      const info = await stat(p).catch(() => undefined);
      return info ? `${info.mtimeMs}:${info.size}` : "missing";
    };
    return `${await version(path)}|${await version(`${path}.sig`)}`;
  }

  async function reloadFile(path: string): Promise<void> {
    let body: Buffer;
    let signatureText: string | undefined;
    try {
      body = await readPolicyBytes(
        path,
        "check the path given as policy.file (or policyFile), or leave it out for the built-in policy",
      );
      signatureText = await readDocumentFile(`${path}.sig`, "", MAX_SIGNATURE_BYTES).catch(() => undefined);
    } catch (error) {
      await refuse("file", path, error instanceof Error ? error.message : String(error), false);
      return;
    }
    await consider("file", () => candidateFrom(body, signatureText, path), path);
  }

  async function pollOnce(): Promise<void> {
    if (!url || !fetcher || !signatureFetcher) return;
    const answer = await fetcher.fetch(etag);
    if (answer.status === "unchanged") return;
    if (answer.status === "failed") {
      logger.warn({ url, problem: answer.reason }, "policy download failed; the policy in force stays");
      return;
    }
    let signatureText: string | undefined;
    if (trusted.length > 0 && !looksLikeBundle(answer.body.toString("utf8"))) {
      const signature = await signatureFetcher.fetch();
      if (signature.status === "failed") {
        logger.warn({ url: `${url}.sig`, problem: signature.reason }, "policy signature download failed");
        if (!signature.reason.includes("404")) return;
      }
      if (signature.status === "new") signatureText = signature.body.toString("utf8");
    }
    etag = answer.etag;
    const adopted = await consider("url", () => candidateFrom(answer.body, signatureText, url), url);
    if (adopted) {
      // Kept as it came, so a restart re-verifies it and asks with its ETag.
      await mkdir(stateDir, { recursive: true });
      // Kept for a restart with the server down; a write that fails costs only that.
      try {
        writeFileAtomic(downloadPath, answer.body);
        writeFileAtomic(
          downloadMetaPath,
          JSON.stringify({
            url,
            ...(answer.etag ? { etag: answer.etag } : {}),
            ...(signatureText ? { signature: signatureText } : {}),
          }),
        );
      } catch {}
    }
  }

  /** One download at a time; a poll asked for during one runs after it, so it sees the server as it is now. */
  function poll(): Promise<void> {
    const next = (polling ?? Promise.resolve())
      .then(pollOnce)
      .catch((error: unknown) => logger.error({ err: error }, "policy poll failed"));
    polling = next;
    void next.finally(() => {
      if (polling === next) polling = undefined;
    });
    return next;
  }

  function expiry(): string | undefined {
    const expiresAt = loaded.policy.expiresAt;
    if (!expiresAt || policyTime(expiresAt) > timeValue(now())) return undefined;
    return `the policy in force, ${loaded.policy.id} ${loaded.policy.version}, expired at ${expiresAt} and no newer policy has arrived; it stays in force`;
  }

  function problem(): string | undefined {
    const all = [...problems.values(), expiry()].filter((p): p is string => p !== undefined);
    return all.length > 0 ? all.join("\n") : undefined;
  }

  if (file || url) loaded = (await lastGood()) ?? loaded;
  if (url) {
    // After a restart, the kept download is checked again, and its ETag saves the next download.
    const meta = await readJson<{ url: string; etag?: string; signature?: string }>(
      downloadMetaPath,
      64 * 1024,
    );
    if (meta?.url === url) {
      const body = await readDocumentBytes(downloadPath, "", MAX_DOWNLOAD_BYTES).catch(() => undefined);
      if (body !== undefined && (await consider("url", () => candidateFrom(body, meta.signature, url), url)))
        etag = meta.etag;
    }
  }
  let timer: NodeJS.Timeout | undefined;
  if (url) {
    // On first installation nothing is known yet: wait for the first download; later, never.
    if (loaded.source === "built-in") await poll();
    else void poll();
    timer = setInterval(() => void poll(), (options.pollMinutes ?? DEFAULT_POLL_MINUTES) * 60_000);
    timer.unref();
  }

  const context = (): EvaluationContext => {
    const policyProblem = problem();
    return {
      ...(host ? { host } : {}),
      ...(options.expiringDays !== undefined ? { expiringDays: options.expiringDays } : {}),
      ...(policyProblem ? { policyProblem } : {}),
    };
  };

  return {
    async current() {
      if (file) {
        const version = await fileVersion(file);
        if (version !== seenVersion) {
          seenVersion = version;
          await reloadFile(file);
        }
      }
      return { ...loaded, context: context() };
    },
    problem,
    poll,
    close() {
      clearInterval(timer);
    },
  };
}
