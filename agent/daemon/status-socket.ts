// The daemon's local status socket: a Unix socket (a named pipe on Windows) that answers with one
// JSON document and closes. On Linux and macOS it answers every connection, read-only by design
// (nothing sent to it is read): it lives in a directory of the agent's own (secure-paths.ts), its
// mode is set by the umask at bind time and its group with lchown, so nothing here follows a link
// someone swapped in. On Windows (and with statusAuth, for tests) the socket's permissions cannot
// be relied on, and the document is given only through the authenticated exchange of
// status-auth.ts, keyed by the status key (status-key.ts); a pipe whose name another process took
// first is retried until it is free.

import { randomBytes } from "node:crypto";
import { createConnection, Server, type Socket } from "node:net";
import { isoTimestamp } from "../../policy/iso-time.ts";
import type { StatusChannelHealth } from "../events/ocsf.ts";
import type { Logger } from "../log.ts";
import { redactUrl, redactUrlsIn } from "../text/redact.ts";
import { chmod, lchown, lstat, readFile } from "./async-fs.ts";
import { InsecurePathError, secureSocketDir } from "./secure-paths.ts";
import { MAX_STATUS_BYTES, requestAuthenticated, type ServerKey, serveAuthenticated } from "./status-auth.ts";
import {
  ELEVATED_PROMPT_REASON,
  type KeyRead,
  provisionStatusKey,
  readStatusKey,
  type StatusKeyDeps,
} from "./status-key.ts";
import type { DaemonStatus, StatusChannel } from "./status-types.ts";

/** A client that has not finished the exchange by then is dropped: status is one small document. */
const CONNECTION_TIMEOUT_MS = 5000;
/** Far above any real status (a few KB per device); what answers beyond it is not eca. */
const MAX_ANSWER_BYTES = MAX_STATUS_BYTES;
/** Connections served at once; more are closed at once (a local user opening them without end). */
const MAX_CONNECTIONS = 32;
/** How often a pipe whose name was taken, or a key that could not be secured, is tried again. */
export const STATUS_RETRY_MS = 30_000;

/** Numeric gid of a group from /etc/group, or undefined where there is none. */
async function groupId(name: string): Promise<number | undefined> {
  try {
    const line = (await readFile("/etc/group", "utf8")).split("\n").find((l) => l.startsWith(`${name}:`));
    const gid = Number(line?.split(":")[2]);
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A server whose close() also ends the connections still open: net.Server.close alone waits for
 * them, so one client holding a connection open delayed the daemon's SIGTERM shutdown for ever.
 * Each connection has `timeoutMs` in all (not per byte: a client trickling bytes is cut off too).
 */
export class StatusServer extends Server {
  readonly #connections = new Set<Socket>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(handle: (connection: Socket) => void, timeoutMs = CONNECTION_TIMEOUT_MS) {
    super();
    this.on("connection", (connection: Socket) => {
      if (this.#connections.size >= MAX_CONNECTIONS) {
        connection.destroy();
        return;
      }
      this.#connections.add(connection);
      const deadline = setTimeout(() => connection.destroy(), timeoutMs);
      connection.once("close", () => {
        clearTimeout(deadline);
        this.#connections.delete(connection);
      });
      connection.on("error", () => {});
      handle(connection);
    });
  }

  /** A timer of this server's (a retry), one per name, cleared by close(). */
  schedule(name: string, callback: () => void, ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timers.get(name));
    this.#timers.set(name, setTimeout(callback, ms));
  }

  get closed(): boolean {
    return this.#closed;
  }

  override close(callback?: (error?: Error) => void): this {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    if (this.listening) super.close(callback);
    else if (callback) queueMicrotask(() => callback());
    for (const connection of this.#connections) connection.destroy();
    return this;
  }
}

/** What the socket tells its clients: the status with every credential hidden. */
export function shareableStatus(status: DaemonStatus): DaemonStatus {
  const { endpoint, lastError } = status.delivery;
  return {
    ...status,
    delivery: {
      ...status.delivery,
      ...(endpoint ? { endpoint: redactUrl(endpoint) } : {}),
      ...(lastError ? { lastError: redactUrlsIn(lastError) } : {}),
    },
  };
}

/**
 * Binds, with the umask set so a Unix socket is created with `mode`, never looser even for an
 * instant. `modeSet` is false where the umask cannot be set (a worker thread): the caller sets the
 * mode then. A failed bind resolves with its error, and the same server may listen again later.
 */
function tryListen(
  server: Server,
  socketPath: string,
  mode: number | undefined,
): Promise<{ error?: NodeJS.ErrnoException; modeSet: boolean }> {
  return new Promise((resolve) => {
    let previous: number | undefined;
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      resolve({ error, modeSet: false });
    };
    const onListening = () => {
      server.off("error", onError);
      resolve({ modeSet: previous !== undefined });
    };
    server.once("error", onError);
    server.once("listening", onListening);
    if (mode !== undefined) {
      try {
        previous = process.umask(0o777 & ~mode);
      } catch {
        // Worker threads cannot set the umask.
      }
    }
    try {
      server.listen(socketPath); // binds synchronously
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
}

export interface StatusServeOptions extends StatusKeyDeps {
  /** Where the status key is kept (the state directory): needed by the authenticated exchange. */
  stateDir?: string;
  /** The authenticated exchange (status-auth.ts): always on Windows; elsewhere with statusAuth. */
  authenticate?: boolean;
  /**
   * Instead of failing, try again this often when the name is taken or the key cannot be secured:
   * Windows by default (STATUS_RETRY_MS), where any user can take a pipe's name first.
   */
  retryMs?: number;
  /** Time a client has for the whole exchange. */
  timeoutMs?: number;
  /**
   * Called with a copy of the channel when it stops or starts being served (its name taken or
   * freed, its key unsecured or secured): the daemon tells the SOC at once, in a heartbeat.
   */
  onChannelChange?: (channel: StatusChannel) => void;
}

/** Whether status goes through the authenticated exchange: always on Windows, else by statusAuth. */
export function authenticatesStatus(platform: NodeJS.Platform, statusAuth: boolean | undefined): boolean {
  return platform === "win32" || statusAuth === true;
}

/** What a heartbeat says of the channel: served or not, and why not. */
export function statusChannelHealth(channel: StatusChannel): StatusChannelHealth {
  const taken = channel.taken && !channel.taken.until;
  return {
    served: !taken && channel.keyProblem === undefined,
    authenticated: channel.authenticated,
    ...(channel.taken ? { takenSince: channel.taken.since } : {}),
    ...(channel.taken?.until ? { takenUntil: channel.taken.until } : {}),
    ...(taken
      ? { problem: "the pipe's name is taken by another process: eca status may be answered by it" }
      : channel.keyProblem !== undefined
        ? { problem: `no status key others cannot read: ${channel.keyProblem}` }
        : {}),
  };
}

const TAKEN_CODES = new Set(["EADDRINUSE", "EACCES", "EPERM"]);

/**
 * Listens on `socketPath`; while it cannot (on Windows libuv reports a pipe name another process
 * created first as EADDRINUSE, from CreateNamedPipeW's ERROR_ACCESS_DENIED with
 * FILE_FLAG_FIRST_PIPE_INSTANCE), says so once and tries again every `retryMs` until it can or the
 * server is closed. Resolves at once: status comes back by itself when the squatter is gone.
 */
export function listenWhenFree(
  server: StatusServer,
  socketPath: string,
  retryMs: number,
  logger: Logger,
  channel: StatusChannel,
  onChange: () => void = () => {},
): Promise<void> {
  const attempt = async (): Promise<void> => {
    if (server.closed) return;
    const { error } = await tryListen(server, socketPath, undefined);
    if (!error) {
      if (channel.taken && !channel.taken.until) {
        channel.taken.until = isoTimestamp(Date.now());
        logger.warn({ socketPath, takenSince: channel.taken.since }, "status pipe free again: listening");
        onChange();
      }
      return;
    }
    const taken = TAKEN_CODES.has(error.code ?? "");
    if (!channel.taken || channel.taken.until) {
      channel.taken = { since: isoTimestamp(Date.now()) };
      logger.error(
        { socketPath, code: error.code, retryMs },
        taken
          ? "status pipe name taken by another process (something that is not this service may answer eca status); retrying until it is free"
          : `status pipe cannot be served (${error.message}); retrying`,
      );
      onChange();
    }
    server.schedule("listen", () => void attempt(), retryMs);
  };
  return attempt();
}

export async function serveStatus(
  socketPath: string,
  statusGroup: string | undefined,
  currentStatus: () => DaemonStatus,
  logger: Logger,
  options: StatusServeOptions = {},
): Promise<StatusServer> {
  const platform = options.platform ?? process.platform;
  const posix = platform !== "win32";
  const authenticate = options.authenticate ?? !posix;
  const retryMs = options.retryMs ?? (posix ? undefined : STATUS_RETRY_MS);
  const channel: StatusChannel = { authenticated: authenticate };
  const channelChanged = () => options.onChannelChange?.(structuredClone(channel));
  const document = () =>
    `${JSON.stringify(shareableStatus({ ...currentStatus(), statusChannel: structuredClone(channel) }))}\n`;

  let serverKey: ServerKey = {};
  const server = new StatusServer(
    authenticate
      ? (connection) => void serveAuthenticated(connection, () => serverKey, document)
      : (connection) => connection.end(document()),
    options.timeoutMs,
  );
  /** A fresh key; while it cannot be secured, clients are told why and it is tried again. */
  const provision = async (): Promise<void> => {
    if (!options.stateDir) throw new Error("the authenticated status exchange needs the state directory");
    const result = await provisionStatusKey(options.stateDir, options);
    if ("key" in result) {
      serverKey = { key: result.key };
      if (channel.keyProblem !== undefined) {
        logger.warn({ keyFile: result.path }, "status key secured: status served again");
        delete channel.keyProblem;
        channelChanged();
      }
      return;
    }
    serverKey = { problem: `status not served: ${result.problem}` };
    // Logged (and told) when it starts or changes, not at every retry.
    if (channel.keyProblem !== result.problem) {
      logger.error(
        { keyFile: result.path, problem: result.problem },
        "status not served: no status key others cannot read",
      );
      channel.keyProblem = result.problem;
      channelChanged();
    }
    if (retryMs !== undefined) server.schedule("key", () => void provision().catch(() => undefined), retryMs);
  };
  if (authenticate) await provision();

  if (!posix) {
    if (retryMs === undefined) {
      const { error } = await tryListen(server, socketPath, undefined);
      if (error) throw error;
    } else await listenWhenFree(server, socketPath, retryMs, logger, channel, channelChanged);
    logger.info({ socketPath, authenticated: authenticate }, "status pipe set up");
    return server;
  }

  const uid = process.geteuid?.() ?? -1;
  // Root and the admin group may read the status; nobody else.
  const gid = statusGroup && uid === 0 ? await groupId(statusGroup) : undefined;
  const mode = gid === undefined ? 0o600 : 0o660;
  await secureSocketDir(socketPath);
  const { error, modeSet } = await tryListen(server, socketPath, mode);
  if (error) {
    server.close();
    throw error;
  }
  try {
    if (gid !== undefined) await lchown(socketPath, uid, gid);
    // Safe by path: the directory is the agent's alone (secureSocketDir), so nobody can swap a
    // link in; lstat below checks what the path is all the same.
    if (!modeSet) await chmod(socketPath, mode);
    const stats = await lstat(socketPath);
    if (!stats.isSocket() || stats.uid !== uid || (stats.mode & 0o777 & ~mode) !== 0) {
      throw new InsecurePathError(
        socketPath,
        `the status socket came out as mode 0${(stats.mode & 0o777).toString(8)} owned by uid ${stats.uid}`,
        "check that nothing else manages this directory, then start the agent again",
      );
    }
  } catch (error) {
    server.close();
    throw error;
  }
  if (statusGroup && uid === 0 && gid === undefined) {
    logger.warn({ statusGroup }, "status group not found: only root can run eca status");
  }
  logger.info({ socketPath, authenticated: authenticate }, "status socket listening");
  return server;
}

export type StatusAnswer =
  | { running: true; status: DaemonStatus }
  | { running: false; reason: string }
  /** The socket is there but this user may not read it: whether the agent runs is not known. */
  | { running: null; denied: true; reason: string }
  /**
   * Something answers but is not known to be the eca service (it could not prove it holds the
   * status key), or the exchange could not be completed: whether the agent runs is not known.
   */
  | { running: null; denied: false; reason: string };

export interface StatusRequestOptions extends StatusKeyDeps {
  timeoutMs?: number;
  statusGroup?: string;
  /** The authenticated exchange, with the state directory holding the status key. */
  auth?: { stateDir: string };
}

function connectionError(
  socketPath: string,
  error: NodeJS.ErrnoException,
  statusGroup?: string,
): StatusAnswer {
  if (error.code === "EACCES" || error.code === "EPERM") {
    const join = statusGroup ? ` or join group ${statusGroup}` : "";
    return {
      running: null,
      denied: true,
      reason:
        process.platform === "win32"
          ? ELEVATED_PROMPT_REASON
          : `permission denied: run as root${join} (to read ${socketPath})`,
    };
  }
  const reasons: Record<string, string> = {
    ENOENT: `no status socket at ${socketPath}`,
    ECONNREFUSED: `nothing listening on ${socketPath}`,
  };
  return { running: false, reason: reasons[error.code ?? ""] ?? `${socketPath}: ${error.message}` };
}

/** Connects, resolving the socket or what the failure means; bounded by `timeoutMs`. */
function connect(
  socketPath: string,
  timeoutMs: number,
  statusGroup?: string,
): Promise<{ socket: Socket } | { answer: StatusAnswer }> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer: { running: false, reason: `no answer on ${socketPath} within ${timeoutMs} ms` } });
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.on("error", () => {});
      resolve({ socket });
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ answer: connectionError(socketPath, error, statusGroup) });
    });
  });
}

function parseStatus(socketPath: string, body: Buffer): StatusAnswer {
  try {
    const status = JSON.parse(body.toString("utf8")) as DaemonStatus;
    if (typeof status === "object" && status !== null && status.running === true)
      return { running: true, status };
  } catch {
    // Reported below.
  }
  return { running: false, reason: `the answer on ${socketPath} was not eca's status` };
}

/** What an authenticated exchange came to, in words for `eca status`. */
async function requestWithKey(
  socketPath: string,
  key: KeyRead,
  options: StatusRequestOptions,
): Promise<StatusAnswer> {
  const timeoutMs = options.timeoutMs ?? 2000;
  if ("denied" in key) return { running: null, denied: true, reason: key.denied };
  if ("untrusted" in key)
    return { running: null, denied: false, reason: `the status key cannot be trusted: ${key.untrusted}` };
  const connected = await connect(socketPath, timeoutMs, options.statusGroup);
  if ("answer" in connected) return connected.answer;
  const { socket } = connected;
  const notEca = (why: string): StatusAnswer => ({
    running: null,
    denied: false,
    reason: `${socketPath} is answered by something that is not the eca service: ${why}. Another program may have taken its name; the service retries and logs it`,
  });
  const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  // Without a key nothing can be proved either way; asking still hears why a service has none.
  const result = await requestAuthenticated(socket, "key" in key ? key.key : randomBytes(32));
  clearTimeout(timer);
  if ("missing" in key) {
    const said =
      !result.ok && "said" in result ? `; it says "${result.said.code}: ${result.said.reason}"` : "";
    return notEca(
      `there is no status key (${key.missing}) for it to prove itself with${said} (if the service runs, its log says why it has none)`,
    );
  }
  if (result.ok) return parseStatus(socketPath, result.body);
  if (result.impostor)
    return notEca(`it could not prove it holds the status key in ${key.path} (${result.reason})`);
  if ("said" in result) {
    const said = `${result.said.code}: ${result.said.reason}`;
    if (!result.authenticated) return notEca(`it did not prove itself, and said "${said}"`);
    return { running: null, denied: false, reason: `the eca service refused: ${said}` };
  }
  return {
    running: null,
    denied: false,
    reason: `the exchange on ${socketPath} broke off: ${result.broken}`,
  };
}

/**
 * Asks a running daemon for its status; says plainly why not when there is no answer. A refused
 * connection for want of permission is not "not running": it says who may ask. With `auth`, only
 * an answer proved by the status key is believed (status-auth.ts).
 */
export async function requestStatus(
  socketPath: string,
  timeoutMs = 2000,
  statusGroupOrOptions?: string | StatusRequestOptions,
): Promise<StatusAnswer> {
  const options: StatusRequestOptions =
    typeof statusGroupOrOptions === "string"
      ? { statusGroup: statusGroupOrOptions }
      : (statusGroupOrOptions ?? {});
  if (options.auth)
    return requestWithKey(socketPath, await readStatusKey(options.auth.stateDir, options), {
      ...options,
      timeoutMs,
    });
  const connected = await connect(socketPath, timeoutMs, options.statusGroup);
  if ("answer" in connected) return connected.answer;
  const { socket } = connected;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ running: false, reason: `no answer on ${socketPath} within ${timeoutMs} ms` });
    }, timeoutMs);
    let bytes = 0;
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_ANSWER_BYTES) chunks.push(chunk);
      else {
        clearTimeout(timer);
        socket.destroy();
        resolve({ running: false, reason: `the answer on ${socketPath} was over ${MAX_ANSWER_BYTES} bytes` });
      }
    });
    socket.on("end", () => {
      clearTimeout(timer);
      try {
        resolve({
          running: true,
          status: JSON.parse(Buffer.concat(chunks).toString("utf8")) as DaemonStatus,
        });
      } catch {
        resolve({ running: false, reason: `the answer on ${socketPath} was not eca's status` });
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(connectionError(socketPath, error, options.statusGroup));
    });
  });
}
