import { createHmac } from "node:crypto";
import pino, { type Logger } from "pino";
import { readHostIdentity } from "./events/host.ts";
import { redactUrl, redactUrlsIn } from "./text/redact.ts";
import { sanitizeForTerminal } from "./text/sanitize.ts";

export type { Logger };

/**
 * How device names appear in the log (configuration key logging.deviceNames). Logs reach journald,
 * which the adm group reads and fleets forward to central stores kept for months, and a Bluetooth
 * name is often a person's name ("Jane Smith's iPhone"). The log does not need it: the finding id
 * already tells lines about one device apart (a hash of rule and device id), `eca status` shows the
 * name to IT support at the laptop, and the collector gets the whole device in each event. So the
 * default is "off".
 *   off     the field is left out (default)
 *   hashed  "h:" and 12 hex digits of HMAC-SHA256(name) keyed with this machine's id: a pseudonym,
 *           not a secret (whoever knows the machine id can confirm a guessed name)
 *   plain   the name as the device reports it (control characters removed)
 */
export type DeviceNameMode = "plain" | "hashed" | "off";
export const DEFAULT_DEVICE_NAMES: DeviceNameMode = "off";

export interface LogOptions {
  deviceNames?: DeviceNameMode;
}

/** Fields that carry what a device calls itself: shown per logging.deviceNames. */
const DEVICE_FIELDS = new Set(["device", "deviceName", "product", "manufacturer", "serial"]);
/** Fields that carry a URL: credentials hidden. */
const URL_FIELDS = new Set(["endpoint", "url"]);
const MAX_DEPTH = 4;

function hostKey(): string {
  const host = readHostIdentity();
  return host.uid ?? host.hostname;
}

/** The name as the log may carry it, or undefined to leave the field out. */
export function deviceNameForLog(name: string, mode: DeviceNameMode, key: string): string | undefined {
  if (mode === "off") return undefined;
  if (mode === "plain") return sanitizeForTerminal(name);
  return `h:${createHmac("sha256", key).update(name).digest("hex").slice(0, 12)}`;
}

/**
 * What a log line may say: device fields per the mode, URLs without credentials, every other
 * string without control or bidi characters (JSON escapes C0 controls but not C1 or U+202E, and
 * journalctl shows them raw). Errors are left to the err serializer.
 */
export function safeLogFields(
  object: Record<string, unknown>,
  mode: DeviceNameMode,
  key: () => string,
): Record<string, unknown> {
  function clean(value: unknown, field: string, depth: number): unknown {
    if (typeof value === "string") {
      if (DEVICE_FIELDS.has(field)) return deviceNameForLog(value, mode, key());
      if (URL_FIELDS.has(field)) return sanitizeForTerminal(redactUrl(value));
      return sanitizeForTerminal(redactUrlsIn(value));
    }
    if (value === null || typeof value !== "object" || value instanceof Error || depth >= MAX_DEPTH) {
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => clean(v, field, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const cleaned = clean(v, k, depth + 1);
      if (cleaned !== undefined) out[k] = cleaned;
    }
    return out;
  }
  return clean(object, "", 0) as Record<string, unknown>;
}

function safeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  if (typeof serialized !== "object" || serialized === null) return serialized;
  const out = { ...(serialized as Record<string, unknown>) };
  if (typeof out.message === "string") out.message = sanitizeForTerminal(redactUrlsIn(out.message));
  if (typeof out.stack === "string") out.stack = redactUrlsIn(out.stack);
  return out;
}

/**
 * Logs go to stderr only, so `--json` output on stdout stays one clean document.
 * Synchronous writes: a CLI that exits right after logging must not lose the line.
 */
export function createLogger(
  level: string = process.env.ECA_LOG_LEVEL ?? "warn",
  options: LogOptions = {},
): Logger {
  const mode = options.deviceNames ?? DEFAULT_DEVICE_NAMES;
  let key: string | undefined;
  return pino(
    {
      name: "eca",
      level,
      base: { pid: process.pid },
      formatters: { log: (object) => safeLogFields(object, mode, () => (key ??= hostKey())) },
      serializers: { err: safeError },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
