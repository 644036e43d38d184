// Agent configuration: a file (YAML or JSON, validated against config.schema.json with the same
// clear errors as policies), then command-line flags on top, then platform defaults.

import { join } from "node:path";
import {
  checkAgainstSchema,
  DocumentError,
  type DocumentProblem,
  type JsonSchema,
  parseDocument,
  readDocumentFile,
} from "../../policy/document.ts";
import { captureProbeSetup } from "../../probes/capture/replay-setup.ts";
import { captureSourceReader } from "../../probes/capture/sources.ts";
import { backendNames, defaultBackends, rootBackends } from "../../probes/create.ts";
import type { ProbeOptions } from "../../probes/probe.ts";
import type { EndpointConfig } from "../delivery/http-sink.ts";
import type { EventsConfig } from "../events/settings.ts";
import type { LogOptions } from "../log.ts";
import schemaJson from "./config.schema.json" with { type: "json" };

export interface AgentConfig {
  endpoint?: EndpointConfig;
  stateDir: string;
  pollIntervalSeconds: number;
  heartbeatMinutes: number;
  policyFile?: string;
  /** Where the policy comes from and whom to trust for it; `file` is folded into policyFile. */
  policy?: PolicyConfig;
  root: string;
  socketPath: string;
  statusGroup?: string;
  backends: string[];
  replayFile?: string;
  /** A folder written by `eca capture`: judged as its platform, no live source read (flag only). */
  captureDir?: string;
  outboxMaxMegabytes: number;
  logging?: LogOptions;
  /** What events say about who runs eca and the laptop (agent/events/settings.ts). */
  events?: EventsConfig;
  /** Where the configuration came from: a path, or "defaults". */
  source: string;
}

export const CONFIG_SCHEMA = schemaJson as JsonSchema;

/** The `policy` block (docs/POLICY-SIGNING.md); agent/daemon/policy-source.ts reads it. */
export interface PolicyConfig {
  file?: string;
  url?: string;
  trustedKeys?: string[];
  pollMinutes?: number;
  expiringDays?: number;
}

/** Where an installed agent keeps its configuration, state and status socket. */
export function platformDefaults(platform: NodeJS.Platform = process.platform) {
  if (platform === "win32") {
    const programData = process.env.ProgramData ?? "C:\\ProgramData";
    return {
      configFile: join(programData, "eca", "config.yaml"),
      stateDir: join(programData, "eca", "state"),
      socketPath: "\\\\.\\pipe\\eca-status",
      statusGroup: undefined,
    };
  }
  if (platform === "darwin") {
    return {
      configFile: "/Library/Application Support/eca/config.yaml",
      stateDir: "/Library/Application Support/eca/state",
      // A directory of its own: /var/run itself is group-writable (root:daemon 0775).
      socketPath: "/var/run/eca/eca.sock",
      statusGroup: "admin",
    };
  }
  return {
    configFile: "/etc/eca/config.yaml",
    stateDir: "/var/lib/eca",
    socketPath: "/run/eca/eca.sock",
    statusGroup: "adm",
  };
}

export type ConfigOverrides = Partial<Omit<AgentConfig, "source" | "endpoint">> & { endpointUrl?: string };

async function readConfigDocument(
  file: string,
  required: boolean,
): Promise<Record<string, unknown> | undefined> {
  if (!required) {
    // The platform's file is optional: only its absence is quiet, any other problem is reported.
    const { access } = await import("node:fs/promises");
    const exists = await access(file).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code !== "ENOENT",
    );
    if (!exists) return undefined;
  }
  const text = await readDocumentFile(file, "check the path given to --config");
  const document = (await parseDocument(text, file)) ?? {};
  const problems = checkAgainstSchema(document, CONFIG_SCHEMA);
  if (problems.length > 0) throw new DocumentError(file, problems);
  return document as Record<string, unknown>;
}

/**
 * Loads the configuration. With no --config, the platform's file is read if it exists, so
 * `eca status` works on an installed agent without flags.
 */
export async function loadConfig(
  file: string | undefined,
  overrides: ConfigOverrides = {},
): Promise<AgentConfig> {
  const defaults = platformDefaults();
  const path = file ?? defaults.configFile;
  const document = await readConfigDocument(path, file !== undefined);
  const fromFile = (document ?? {}) as Partial<AgentConfig> & { endpoint?: Partial<EndpointConfig> };
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as ConfigOverrides;
  const endpointUrl = defined.endpointUrl ?? fromFile.endpoint?.url;
  const config: AgentConfig = {
    stateDir: defaults.stateDir,
    // A safety net: device events (inotify on /dev/bus/usb, BlueZ signals) trigger scans at once,
    // and an idle agent should wake as rarely as it can (bench/results/daemon.md).
    pollIntervalSeconds: 30,
    heartbeatMinutes: 15,
    root: "/",
    socketPath: defaults.socketPath,
    backends: defaultBackends(),
    outboxMaxMegabytes: 64,
    ...(defaults.statusGroup ? { statusGroup: defaults.statusGroup } : {}),
    ...(fromFile as Partial<AgentConfig>),
    ...defined,
    source: document === undefined ? "defaults" : path,
  };
  delete (config as ConfigOverrides).endpointUrl;
  // policy.file is where the policy block names the file; --policy on the command line wins.
  if (config.policy?.file && defined.policyFile === undefined) config.policyFile = config.policy.file;
  if (config.replayFile) config.backends = ["replay"];
  // A capture folder is judged as the platform it came from, by the backends that replay it.
  else if (config.captureDir)
    config.backends = captureProbeSetup(config.captureDir, defined.backends ?? fromFile.backends).backends;
  // A recorded tree is never mixed with the live machine: only the backends reading files under it,
  // unless backends are named.
  else if (config.root !== "/" && fromFile.backends === undefined && defined.backends === undefined)
    config.backends = rootBackends();
  if (endpointUrl) config.endpoint = { format: "ocsf", ...fromFile.endpoint, url: endpointUrl };
  // The merged result gets the schema too, so flags cannot carry what the file may not.
  const { source: _source, ...merged } = config;
  const problems = checkAgainstSchema(merged, CONFIG_SCHEMA);
  if (problems.length > 0) throw new DocumentError(`${config.source} with command-line settings`, problems);
  return config;
}

/** What the probes need from the configuration. */
export function probeOptions(config: AgentConfig): ProbeOptions {
  if (config.captureDir) return { root: config.captureDir, sources: captureSourceReader(config.captureDir) };
  return { root: config.root, ...(config.replayFile ? { replayFile: config.replayFile } : {}) };
}

// ---------------------------------------------------------------------------------------------
// `eca config check`: beyond the schema, follow what the configuration names, so a file that
// passes here starts and delivers (or says plainly what is left to fill in).

/** Token, certificate and key files are small; anything bigger is not one. */
const MAX_CREDENTIAL_BYTES = 1024 * 1024;

/** Hosts of the example configuration, left in place: a value still to fill in. */
const PLACEHOLDER_HOST = /(^|\.)example(\.|$)/i;

/** As the HTTP sink allows: plain http only to this machine (a test collector). */
function isLoopbackHost(hostname: string): boolean {
  return ["localhost", "127.0.0.1", "[::1]", "::1"].includes(hostname);
}

type FileKind = "token" | "ca" | "cert" | "key";

const FILE_WORDS: Record<FileKind, { what: string; fill: string }> = {
  token: {
    what: "the bearer token file",
    fill: "write the collector's bearer token into it (one line), or remove tokenFile if the collector needs none",
  },
  ca: {
    what: "the CA certificate (PEM)",
    fill: "give the PEM file of the CA that signed the collector's certificate, or remove caFile to trust the system's CAs",
  },
  cert: {
    what: "the client certificate (PEM)",
    fill: "give this laptop's PEM client certificate for mutual TLS, or remove certFile and keyFile",
  },
  key: {
    what: "the client key (PEM)",
    fill: "give the PEM private key of the client certificate, or remove certFile and keyFile",
  },
};

async function checkCredentialFile(
  path: string,
  place: string,
  kind: FileKind,
): Promise<{ problem: DocumentProblem } | { text: string }> {
  const words = FILE_WORDS[kind];
  try {
    const text = await readDocumentFile(path, words.fill, MAX_CREDENTIAL_BYTES);
    if (text.trim() === "")
      return { problem: { path: place, message: `names ${path}, which is empty`, hint: words.fill } };
    return { text };
  } catch (error) {
    const reason =
      error instanceof DocumentError ? (error.problems[0]?.message ?? "cannot be read") : String(error);
    const missing = reason.includes("ENOENT");
    return {
      problem: {
        path: place,
        message: missing
          ? `names ${path}, which does not exist (${words.what})`
          : `names ${path}, which ${reason}`,
        hint: missing
          ? words.fill
          : `check the file's permissions: the agent (root) must read it; ${words.fill}`,
      },
    };
  }
}

/** Problems with what a valid configuration names; empty when it would work as written. */
export async function checkConfigReferences(config: AgentConfig): Promise<DocumentProblem[]> {
  const problems: DocumentProblem[] = [];
  const endpoint = config.endpoint;
  if (endpoint) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint.url);
    } catch {
      problems.push({
        path: "endpoint.url",
        message: `is ${JSON.stringify(endpoint.url)}, which is not a URL`,
        hint: "give the full URL of the collector, e.g. https://collector.example.gov.uk/eca/events",
      });
    }
    if (url && url.hostname === "") {
      problems.push({
        path: "endpoint.url",
        message: "has no host",
        hint: "write the collector's host name after https://",
      });
    } else if (
      url &&
      url.protocol !== "https:" &&
      !(url.protocol === "http:" && isLoopbackHost(url.hostname))
    ) {
      problems.push({
        path: "endpoint.url",
        message: `is ${url.protocol.replace(":", "")}, not https: events would travel unencrypted`,
        hint: "use https://; plain http is allowed only to this machine (127.0.0.1, ::1, localhost) for testing",
      });
    } else if (url && PLACEHOLDER_HOST.test(url.hostname)) {
      problems.push({
        path: "endpoint.url",
        message: `still names the example collector ${url.hostname}`,
        hint: "put your collector's URL here",
      });
    }
    const { X509Certificate, createPrivateKey } = await import("node:crypto");
    const pem = async (
      file: string | undefined,
      place: string,
      kind: FileKind,
    ): Promise<string | undefined> => {
      if (file === undefined) return undefined;
      const result = await checkCredentialFile(file, place, kind);
      if ("problem" in result) {
        problems.push(result.problem);
        return undefined;
      }
      return result.text;
    };
    await pem(endpoint.tokenFile, "endpoint.tokenFile", "token");
    const certificate = (text: string, file: string, place: string, kind: FileKind) => {
      if (!text.includes("-----BEGIN CERTIFICATE-----")) {
        problems.push({
          path: place,
          message: `names ${file}, which holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
          hint: `${FILE_WORDS[kind].fill}; convert DER with: openssl x509 -inform der -in FILE -out FILE.pem`,
        });
        return undefined;
      }
      try {
        const parsed = new X509Certificate(text);
        if (Date.parse(parsed.validTo) < Date.now())
          problems.push({
            path: place,
            message: `names ${file}, a certificate that expired on ${parsed.validTo}`,
            hint: "renew the certificate",
          });
        return parsed;
      } catch (error) {
        problems.push({
          path: place,
          message: `names ${file}, whose certificate cannot be parsed (${(error as Error).message})`,
          hint: FILE_WORDS[kind].fill,
        });
        return undefined;
      }
    };
    const caText = await pem(endpoint.caFile, "endpoint.caFile", "ca");
    if (caText !== undefined && endpoint.caFile)
      certificate(caText, endpoint.caFile, "endpoint.caFile", "ca");
    if ((endpoint.certFile === undefined) !== (endpoint.keyFile === undefined)) {
      const missing = endpoint.certFile === undefined ? "endpoint.certFile" : "endpoint.keyFile";
      problems.push({
        path: missing,
        message: "is missing: mutual TLS needs both certFile and keyFile",
        hint: "give both the client certificate and its key, or neither",
      });
    }
    const certText = await pem(endpoint.certFile, "endpoint.certFile", "cert");
    const cert =
      certText !== undefined && endpoint.certFile
        ? certificate(certText, endpoint.certFile, "endpoint.certFile", "cert")
        : undefined;
    const keyText = await pem(endpoint.keyFile, "endpoint.keyFile", "key");
    if (keyText !== undefined && endpoint.keyFile) {
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyText)) {
        problems.push({
          path: "endpoint.keyFile",
          message: `names ${endpoint.keyFile}, which holds no PEM private key (-----BEGIN PRIVATE KEY-----)`,
          hint: FILE_WORDS.key.fill,
        });
      } else {
        try {
          const key = createPrivateKey(keyText);
          if (cert && !cert.checkPrivateKey(key))
            problems.push({
              path: "endpoint.keyFile",
              message: `names ${endpoint.keyFile}, a key that does not belong to the certificate in ${endpoint.certFile}`,
              hint: "give the key the client certificate was issued for",
            });
        } catch (error) {
          problems.push({
            path: "endpoint.keyFile",
            message: `names ${endpoint.keyFile}, whose key cannot be read (${(error as Error).message.split("\n")[0]})`,
            hint: "give an unencrypted PEM private key: the agent starts unattended and cannot ask for a passphrase",
          });
        }
      }
    }
  }
  const known = backendNames();
  if (config.backends.length === 0)
    problems.push({
      path: "backends",
      message: "is empty: nothing would be checked",
      hint: `name at least one of ${known.join(", ")}, or leave backends out for the platform's defaults`,
    });
  config.backends.forEach((name, index) => {
    if (!known.includes(name))
      problems.push({
        path: `backends[${index}]`,
        message: `is ${JSON.stringify(name)}, which is not a probe backend`,
        hint: `choose from ${known.join(", ")}`,
      });
  });
  if (config.policyFile) {
    const { loadPolicy } = await import("../../policy/load.ts");
    try {
      await loadPolicy(config.policyFile);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      for (const p of error.problems)
        problems.push({
          path: "policyFile",
          message: `names ${config.policyFile}, which is not a valid policy: ${p.path ? `${p.path}: ` : ""}${p.message}`,
          ...(p.hint ? { hint: p.hint } : {}),
        });
    }
  }
  // The policy block: a URL that can be fetched securely, and a file that the trusted keys accept.
  const policyBlock = config.policy;
  if (policyBlock?.url) {
    const url = URL.canParse(policyBlock.url) ? new URL(policyBlock.url) : undefined;
    if (!url || (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))))
      problems.push({
        path: "policy.url",
        message: `is ${JSON.stringify(policyBlock.url)}, not an https URL`,
        hint: "use https://; plain http is allowed only to this machine for testing",
      });
    else if (PLACEHOLDER_HOST.test(url.hostname))
      problems.push({
        path: "policy.url",
        message: `still names the example server ${url.hostname}`,
        hint: "put your policy server's URL here",
      });
  }
  if (
    policyBlock?.trustedKeys?.length &&
    config.policyFile &&
    !problems.some((p) => p.path === "policyFile")
  ) {
    const { openPolicySource } = await import("../daemon/policy-source.ts");
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const scratch = await mkdtemp(join(tmpdir(), "eca-config-check-"));
    try {
      const { default: pino } = await import("pino");
      const source = await openPolicySource(config.policyFile, scratch, pino({ level: "silent" }), {
        trustedKeys: policyBlock.trustedKeys,
        host: { hostname: "config-check" },
      });
      await source.current();
      const refused = source.problem();
      if (refused)
        problems.push({
          path: "policy.file",
          message: `names ${config.policyFile}, which the trusted keys do not accept: ${refused.split("\n")[0]}`,
          hint: "sign it with eca policy sign FILE --key KEY using a key listed in policy.trustedKeys",
        });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return problems;
}
