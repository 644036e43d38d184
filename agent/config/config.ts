// Agent configuration: a file (YAML or JSON, validated against config.schema.json with the same
// clear errors as policies), then command-line flags on top, then platform defaults.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkAgainstSchema, DocumentError, type JsonSchema, parseDocument } from "../../policy/document.ts";
import { defaultBackends } from "../../probes/create.ts";
import type { ProbeOptions } from "../../probes/probe.ts";
import type { EndpointConfig } from "../delivery/http-sink.ts";
import type { EventsConfig } from "../events/settings.ts";
import schemaJson from "./config.schema.json" with { type: "json" };

export interface AgentConfig {
  endpoint?: EndpointConfig;
  stateDir: string;
  pollIntervalSeconds: number;
  heartbeatMinutes: number;
  policyFile?: string;
  root: string;
  socketPath: string;
  statusGroup?: string;
  backends: string[];
  replayFile?: string;
  outboxMaxMegabytes: number;
  /** What events say about who runs eca and the laptop (agent/events/settings.ts). */
  events?: EventsConfig;
  /** Where the configuration came from: a path, or "defaults". */
  source: string;
}

export const CONFIG_SCHEMA = schemaJson as JsonSchema;

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
      socketPath: "/var/run/eca.sock",
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
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && code === "ENOENT") return undefined;
    throw new DocumentError(file, [
      {
        path: "",
        message: `cannot be read (${code ?? String(error)})`,
        hint: "check the path given to --config",
      },
    ]);
  }
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
    pollIntervalSeconds: 5,
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
  if (config.replayFile) config.backends = ["replay"];
  if (endpointUrl) config.endpoint = { format: "ocsf", ...fromFile.endpoint, url: endpointUrl };
  return config;
}

/** What the probes need from the configuration. */
export function probeOptions(config: AgentConfig): ProbeOptions {
  return { root: config.root, ...(config.replayFile ? { replayFile: config.replayFile } : {}) };
}
