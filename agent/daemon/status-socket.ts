// The daemon's local status socket: a Unix socket (a named pipe on Windows) that answers every
// connection with one JSON document and closes. Read-only by design: nothing sent to it is read.

import { chmod, chown, readFile, unlink } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import type { Logger } from "pino";
import type { DaemonStatus } from "./status-types.ts";

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

export async function serveStatus(
  socketPath: string,
  statusGroup: string | undefined,
  currentStatus: () => DaemonStatus,
  logger: Logger,
): Promise<Server> {
  if (process.platform !== "win32") await unlink(socketPath).catch(() => {});
  const server = createServer((connection) => {
    connection.on("error", () => {});
    connection.end(`${JSON.stringify(currentStatus())}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  if (process.platform !== "win32") {
    // Root and the admin group may read the status; nobody else.
    const gid = statusGroup ? await groupId(statusGroup) : undefined;
    if (gid !== undefined && process.getuid?.() === 0) {
      await chown(socketPath, 0, gid);
      await chmod(socketPath, 0o660);
    } else {
      await chmod(socketPath, 0o600);
      if (statusGroup && process.getuid?.() === 0) {
        logger.warn({ statusGroup }, "status group not found: only root can run eca status");
      }
    }
  }
  logger.info({ socketPath }, "status socket listening");
  return server;
}

export type StatusAnswer = { running: true; status: DaemonStatus } | { running: false; reason: string };

/** Asks a running daemon for its status; says plainly why not when there is no answer. */
export function requestStatus(socketPath: string, timeoutMs = 2000): Promise<StatusAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = createConnection(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ running: false, reason: `no answer on ${socketPath} within ${timeoutMs} ms` });
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
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
      const reasons: Record<string, string> = {
        ENOENT: `no status socket at ${socketPath}`,
        ECONNREFUSED: `nothing listening on ${socketPath}`,
        EACCES: `permission denied on ${socketPath}: run as root or as a member of the status group`,
      };
      resolve({ running: false, reason: reasons[error.code ?? ""] ?? `${socketPath}: ${error.message}` });
    });
  });
}
