// Agent configuration: a file (YAML or JSON, validated against config.schema.json with the same
// clear errors as policies), then command-line flags on top, then platform defaults.

import { join } from "node:path";
import { DocumentError, parseDocument, readDocumentFile } from "../../policy/document.ts";
import { checkAgainstSchema, type JsonSchema } from "../../policy/schema-check.ts";
import { captureProbeSetup } from "../../probes/capture/replay-setup.ts";
import { captureSourceReader } from "../../probes/capture/sources.ts";
import { defaultBackends, rootBackends } from "../../probes/create.ts";
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
  /** Linux and macOS: status through the key-authenticated exchange, as on Windows (status-auth.ts). */
  statusAuth?: boolean;
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
