import { createHmac } from "node:crypto";
import { writeSync } from "node:fs";
import { readHostIdentity } from "./events/host.ts";
import { redactUrl, redactUrlsIn } from "./text/redact.ts";
import { sanitizeForTerminal } from "./text/sanitize.ts";

/**
 * The daemon's logger: one JSON object a line on stderr, in the format pino writes (so the lines
 * read and parse as they did when pino wrote them): `level` as pino's number (trace 10, debug 20,
 * info 30, warn 40, error 50, fatal 60), `time` in epoch milliseconds, `pid`, `name`, the fields,
 * an `err` as pino's error serializer gives it ({type, message, stack, and its own fields}), and
 * `msg` last. It replaces pino itself, which cost the daemon 4–6 MB of RSS (its modules, its
 * worker-thread transport code, sonic-boom) for what is here one synchronous write a line
 * (BENCHMARKS.md, Footprint). Tests use it too: `createLogger(level, { write })` to keep the
 * lines, `silentLogger` for none.
 */
export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
}

export interface LogFn {
  (message: string): void;
  (fields: object, message?: string): void;
}

/** pino's level numbers. */
export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LogLevel = keyof typeof LOG_LEVELS | "silent";

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

/** What pino's standard error serializer (pino-std-serializers) makes of an error, cleaned. */
function safeError(error: unknown, seen = new Set<unknown>()): unknown {
  if (!(error instanceof Error) || seen.has(error)) return error;
  seen.add(error);
  const out: Record<string, unknown> = {
    type: error.constructor?.name ?? error.name,
    message: sanitizeForTerminal(redactUrlsIn(messageWithCauses(error))),
    stack: redactUrlsIn(stackWithCauses(error)),
  };
  if (Array.isArray((error as { errors?: unknown }).errors)) {
    out.aggregateErrors = (error as AggregateError).errors.map((inner) => safeError(inner, seen));
  }
  for (const key in error) {
    if (out[key] !== undefined) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value instanceof Error) {
      if (key !== "cause") out[key] = safeError(value, seen);
    } else out[key] = value;
  }
  return out;
}

function messageWithCauses(error: Error, seen = new Set<Error>()): string {
  seen.add(error);
  const cause = error.cause;
  if (!(cause instanceof Error) || seen.has(cause)) return error.message;
  return `${error.message}: ${messageWithCauses(cause, seen)}`;
}

function stackWithCauses(error: Error, seen = new Set<Error>()): string {
  seen.add(error);
  const stack = error.stack ?? "";
  const cause = error.cause;
  if (!(cause instanceof Error) || seen.has(cause)) return stack;
  return `${stack}\ncaused by: ${stackWithCauses(cause, seen)}`;
}

/** JSON for one value; a cycle or a bigint, which JSON.stringify refuses, is written as pino does. */
function json(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    const ancestors: unknown[] = [];
    return JSON.stringify(value, function (this: unknown, _key, inner: unknown) {
      if (typeof inner === "bigint") return Number(inner);
      if (typeof inner !== "object" || inner === null) return inner;
      while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
      if (ancestors.includes(inner)) return "[Circular]";
      ancestors.push(inner);
      return inner;
    });
  }
}

/** Writes a whole line to fd 2, waiting out a full pipe (EAGAIN) a little; a line that cannot be written is dropped. */
function writeLine(fd: number, line: string): void {
  let bytes = Buffer.from(line);
  for (let attempt = 0; attempt < 50 && bytes.length > 0; attempt++) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

export interface LoggerOptions extends LogOptions {
  /** Where lines go; default fd 2 (stderr). */
  write?: (line: string) => void;
  /** The clock for `time`; default Date.now. */
  now?: () => number;
}

/**
 * Logs go to stderr only, so `--json` output on stdout stays one clean document.
 * Synchronous writes: a CLI that exits right after logging must not lose the line.
 */
export function createLogger(
  level: string = process.env.ECA_LOG_LEVEL ?? "warn",
  options: LoggerOptions = {},
): Logger {
  const threshold =
    level === "silent" ? Number.POSITIVE_INFINITY : LOG_LEVELS[level as keyof typeof LOG_LEVELS];
  if (threshold === undefined) {
    throw new Error(
      `unknown log level "${level}" (ECA_LOG_LEVEL): use one of ${[...Object.keys(LOG_LEVELS), "silent"].join(", ")}`,
    );
  }
  const mode = options.deviceNames ?? DEFAULT_DEVICE_NAMES;
  const write = options.write ?? ((line: string) => writeLine(2, line));
  const now = options.now ?? Date.now;
  let key: string | undefined;
  const bindings = `,"pid":${process.pid},"name":"eca"`;

  function method(number: number): LogFn {
    if (number < threshold) return () => {};
    const prefix = `{"level":${number},"time":`;
    return (first: object | string, message?: string) => {
      let fields: object = typeof first === "string" ? {} : first;
      let msg = typeof first === "string" ? first : message;
      if (fields instanceof Error) {
        msg ??= fields.message;
        fields = { err: fields };
      }
      let line = `${prefix}${now()}${bindings}`;
      const cleaned = safeLogFields(fields as Record<string, unknown>, mode, () => (key ??= hostKey()));
      for (const [name, value] of Object.entries(cleaned)) {
        const text = json(name === "err" ? safeError(value) : value);
        if (text !== undefined) line += `,${JSON.stringify(name)}:${text}`;
      }
      if (msg !== undefined) line += `,"msg":${JSON.stringify(msg)}`;
      write(`${line}}\n`);
    };
  }

  return {
    fatal: method(LOG_LEVELS.fatal),
    error: method(LOG_LEVELS.error),
    warn: method(LOG_LEVELS.warn),
    info: method(LOG_LEVELS.info),
    debug: method(LOG_LEVELS.debug),
    trace: method(LOG_LEVELS.trace),
  };
}

/** A logger that writes nothing (tests, and callers that were given none). */
export const silentLogger: Logger = createLogger("silent");
