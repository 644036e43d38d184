// Chooses the sink for the configured endpoint: syslog over TLS for relp+tls:// and
// syslog+tls:// URLs (or format "syslog"), HTTPS (OCSF JSON or Splunk HEC) for everything else.

import type { Logger } from "../log.ts";
import type { Sink } from "./deliverer.ts";
import { createHttpSink, type EndpointConfig } from "./http-sink.ts";
import { createSyslogSink } from "./syslog-sink.ts";

export interface CreateSinkOptions {
  logger: Logger;
  agentVersion: string;
  hostname: string;
  proxyEnv?: NodeJS.ProcessEnv | null;
}

export function createSink(endpoint: EndpointConfig, options: CreateSinkOptions): Sink & { close(): void } {
  if (endpoint.format === "syslog" || /^(syslog|relp)\+tls:/.test(endpoint.url)) {
    return createSyslogSink(endpoint, { logger: options.logger, hostname: options.hostname });
  }
  return createHttpSink(endpoint, options);
}
