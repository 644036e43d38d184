// The daemon's local status socket: a Unix socket (a named pipe on Windows) that answers every
// connection with one JSON document and closes. Read-only by design: nothing sent to it is read.
// It lives in a directory of the agent's own (secure-paths.ts); its mode is set by the umask at
// bind time and its group with lchown, so nothing here follows a link someone swapped in.

import { chmod, lchown, lstat, readFile } from "node:fs/promises";
import { createConnection, Server, type Socket } from "node:net";
import type { Logger } from "../log.ts";
import { redactUrl, redactUrlsIn } from "../text/redact.ts";
import { InsecurePathError, secureSocketDir } from "./secure-paths.ts";
import type { DaemonStatus } from "./status-types.ts";

/** A client that has not read its answer by then is dropped: status is one small document. */
const CONNECTION_TIMEOUT_MS = 5000;
/** Far above any real status (a few KB per device); what answers beyond it is not eca. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

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
 */
class StatusServer extends Server {
  readonly #connections = new Set<Socket>();

  constructor(answer: () => string) {
    super();
    this.on("connection", (connection: Socket) => {
      this.#connections.add(connection);
      connection.once("close", () => this.#connections.delete(connection));
      connection.on("error", () => {});
      connection.setTimeout(CONNECTION_TIMEOUT_MS, () => connection.destroy());
      connection.end(answer());
    });
  }

  override close(callback?: (error?: Error) => void): this {
    super.close(callback);
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
 * Binds with the umask set so the socket is created with `mode`, never looser even for an instant.
 * Resolves false where the umask cannot be set (a worker thread): the caller sets the mode then.
 */
function listen(server: Server, socketPath: string, mode: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    server.once("error", reject);
    let previous: number | undefined;
    try {
      previous = process.umask(0o777 & ~mode);
    } catch {
      // Worker threads cannot set the umask.
    }
    try {
      server.listen(socketPath, () => resolve(previous !== undefined)); // binds synchronously
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
}

export async function serveStatus(
  socketPath: string,
  statusGroup: string | undefined,
  currentStatus: () => DaemonStatus,
  logger: Logger,
): Promise<Server> {
  const posix = process.platform !== "win32";
  const uid = process.geteuid?.() ?? -1;
  // Root and the admin group may read the status; nobody else.
  const gid = posix && statusGroup && uid === 0 ? await groupId(statusGroup) : undefined;
  const mode = gid === undefined ? 0o600 : 0o660;
  if (posix) await secureSocketDir(socketPath);
  const server = new StatusServer(() => `${JSON.stringify(shareableStatus(currentStatus()))}\n`);
  const modeSet = await listen(server, socketPath, mode);
  if (posix) {
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
  }
  logger.info({ socketPath }, "status socket listening");
  return server;
}

export type StatusAnswer =
  | { running: true; status: DaemonStatus }
  | { running: false; reason: string }
  /** The socket is there but this user may not read it: whether the agent runs is not known. */
  | { running: null; denied: true; reason: string };

/**
 * Asks a running daemon for its status; says plainly why not when there is no answer. A refused
 * connection for want of permission is not "not running": it says who may ask.
 */
export function requestStatus(
  socketPath: string,
  timeoutMs = 2000,
  statusGroup?: string,
): Promise<StatusAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = createConnection(socketPath);
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
      if (error.code === "EACCES" || error.code === "EPERM") {
        const join = statusGroup ? ` or join group ${statusGroup}` : "";
        resolve({
          running: null,
          denied: true,
          reason: `permission denied: run as root${join} (to read ${socketPath})`,
        });
        return;
      }
      const reasons: Record<string, string> = {
        ENOENT: `no status socket at ${socketPath}`,
        ECONNREFUSED: `nothing listening on ${socketPath}`,
      };
      resolve({ running: false, reason: reasons[error.code ?? ""] ?? `${socketPath}: ${error.message}` });
    });
  });
}
