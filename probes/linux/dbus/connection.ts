// A minimal D-Bus client connection: SASL auth, Hello, method calls with timeouts, signals.
// Enough for reading BlueZ; not a general-purpose binding (no fd passing, no exported objects).

import { EventEmitter } from "node:events";
import { connect as netConnect, type Socket } from "node:net";
import { type Endpoint, parseAddress } from "./address.ts";
import {
  decodeMessage,
  encodeMessage,
  type Message,
  MessageFlag,
  MessageType,
  messageLength,
} from "./message.ts";
import type { DBusValue } from "./values.ts";

/** An error reply from the bus or a service, e.g. org.freedesktop.DBus.Error.ServiceUnknown. */
export class DBusError extends Error {
  readonly errorName: string;
  constructor(errorName: string, text: string) {
    super(`${errorName}: ${text}`);
    this.name = "DBusError";
    this.errorName = errorName;
  }
}

export interface MethodCall {
  destination?: string;
  path: string;
  interface?: string;
  member: string;
  signature?: string;
  body?: DBusValue[];
  /** Reject after this long without a reply. */
  timeoutMs?: number;
  /** Never start the destination service on our behalf: a compliance scan must not start daemons. */
  noAutoStart?: boolean;
}

interface PendingCall {
  resolve: (message: Message) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface ConnectionEvents {
  signal: [message: Message];
  close: [error: Error | undefined];
}

const defaultCallTimeoutMs = 25_000;
const maxMessageBytes = 128 * 1024 * 1024; // the spec's limit

export class DBusConnection extends EventEmitter<ConnectionEvents> {
  private readonly socket: Socket;
  private buffer: Uint8Array = new Uint8Array(0);
  private serial = 0;
  private readonly pending = new Map<number, PendingCall>();
  private closed = false;
  uniqueName = "";

  private constructor(socket: Socket) {
    super();
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => this.shutdown(error));
    socket.on("close", () => this.shutdown(undefined));
  }

  /**
   * Connects to the first reachable endpoint of `address`, authenticates and says Hello,
   * all within `timeoutMs`.
   */
  static async connect(address: string, options: { timeoutMs?: number } = {}): Promise<DBusConnection> {
    const endpoints = parseAddress(address);
    if (endpoints.length === 0) throw new Error(`No usable transport in D-Bus address "${address}"`);
    const deadline = Date.now() + (options.timeoutMs ?? 5_000);
    let lastError: Error | undefined;
    for (const endpoint of endpoints) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const socket = await openAndAuthenticate(endpoint, remaining);
        const connection = new DBusConnection(socket);
        try {
          const reply = await connection.call({
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member: "Hello",
            timeoutMs: Math.max(1, deadline - Date.now()),
          });
          connection.uniqueName = String(reply.body[0] ?? "");
          return connection;
        } catch (error) {
          connection.close();
          throw error;
        }
      } catch (error) {
        lastError = error as Error;
      }
    }
    throw lastError ?? new Error(`Timed out connecting to D-Bus at "${address}"`);
  }

  /** Sends a method call and resolves with the reply; rejects with DBusError on an error reply. */
  call(call: MethodCall): Promise<Message> {
    if (this.closed) return Promise.reject(new Error("D-Bus connection is closed"));
    const serial = this.nextSerial();
    const message: Message = {
      type: MessageType.methodCall,
      flags: call.noAutoStart ? MessageFlag.noAutoStart : 0,
      serial,
      path: call.path,
      member: call.member,
      body: call.body ?? [],
    };
    if (call.destination !== undefined) message.destination = call.destination;
    if (call.interface !== undefined) message.interface = call.interface;
    if (call.signature) message.signature = call.signature;
    const bytes = encodeMessage(message);
    return new Promise<Message>((resolve, reject) => {
      const timeoutMs = call.timeoutMs ?? defaultCallTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(
          new Error(`D-Bus call ${call.interface ?? ""}.${call.member} timed out after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(serial, { resolve, reject, timer });
      this.socket.write(bytes);
    });
  }

  /** Asks the bus to route signals matching `rule` to us (see the spec's "Match Rules"). */
  async addMatch(rule: string, timeoutMs?: number): Promise<void> {
    await this.call({
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "AddMatch",
      signature: "s",
      body: [rule],
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  }

  close(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.shutdown(undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private nextSerial(): number {
    this.serial = this.serial >= 0xffffffff ? 1 : this.serial + 1;
    return this.serial;
  }

  private receive(chunk: Uint8Array): void {
    this.buffer = concat(this.buffer, chunk);
    for (;;) {
      let length: number | undefined;
      try {
        length = messageLength(this.buffer);
      } catch (error) {
        this.socket.destroy();
        this.shutdown(error as Error);
        return;
      }
      if (length === undefined || this.buffer.length < length) return;
      if (length > maxMessageBytes) {
        this.socket.destroy();
        this.shutdown(new Error(`D-Bus message of ${length} bytes exceeds the limit`));
        return;
      }
      const bytes = this.buffer.subarray(0, length);
      this.buffer = this.buffer.slice(length);
      let message: Message;
      try {
        message = decodeMessage(bytes);
      } catch {
        continue; // one garbled message must not take the connection down
      }
      this.dispatch(message);
    }
  }

  private dispatch(message: Message): void {
    if (message.type === MessageType.methodReturn || message.type === MessageType.error) {
      const pending = message.replySerial === undefined ? undefined : this.pending.get(message.replySerial);
      if (!pending || message.replySerial === undefined) return;
      this.pending.delete(message.replySerial);
      clearTimeout(pending.timer);
      if (message.type === MessageType.error) {
        pending.reject(new DBusError(message.errorName ?? "unknown", String(message.body[0] ?? "")));
      } else {
        pending.resolve(message);
      }
    } else if (message.type === MessageType.signal) {
      this.emit("signal", message);
    } else if (message.type === MessageType.methodCall && !(message.flags & MessageFlag.noReplyExpected)) {
      // We export no objects; say so rather than leave the caller waiting.
      const reply: Message = {
        type: MessageType.error,
        flags: MessageFlag.noReplyExpected,
        serial: this.nextSerial(),
        replySerial: message.serial,
        errorName: "org.freedesktop.DBus.Error.UnknownMethod",
        signature: "s",
        body: ["eca exports no D-Bus objects"],
      };
      if (message.sender !== undefined) reply.destination = message.sender;
      this.socket.write(encodeMessage(reply));
    }
  }

  private shutdown(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error ?? new Error("D-Bus connection closed"));
    }
    this.pending.clear();
    this.emit("close", error);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** Hex of the decimal uid's ASCII, which is what SASL EXTERNAL expects from D-Bus clients. */
export function externalAuthIdentity(uid: number): string {
  return Buffer.from(String(uid), "ascii").toString("hex");
}

/** Opens the socket and runs the SASL exchange: EXTERNAL with our uid, then ANONYMOUS (tcp). */
function openAndAuthenticate(endpoint: Endpoint, timeoutMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket =
      endpoint.kind === "unix"
        ? netConnect({ path: endpoint.path })
        : netConnect({ host: endpoint.host, port: endpoint.port });
    let text = "";
    let triedAnonymous = false;
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`D-Bus connect and auth timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      let newline = text.indexOf("\r\n");
      while (newline >= 0) {
        const line = text.slice(0, newline);
        text = text.slice(newline + 2);
        if (line.startsWith("OK")) {
          clearTimeout(timer);
          socket.off("data", onData);
          socket.off("error", fail);
          socket.off("close", onEarlyClose);
          socket.write("BEGIN\r\n");
          resolve(socket);
          return;
        }
        if (line.startsWith("REJECTED") && !triedAnonymous && line.includes("ANONYMOUS")) {
          triedAnonymous = true;
          socket.write(`AUTH ANONYMOUS ${Buffer.from("eca", "ascii").toString("hex")}\r\n`);
        } else {
          fail(new Error(`D-Bus authentication failed: ${line}`));
          return;
        }
        newline = text.indexOf("\r\n");
      }
    };
    socket.once("error", fail);
    const onEarlyClose = () => fail(new Error("D-Bus socket closed during authentication"));
    socket.once("close", onEarlyClose);
    socket.on("data", onData);
    socket.once("connect", () => {
      const uid = process.getuid?.() ?? 0;
      socket.write(`\0AUTH EXTERNAL ${externalAuthIdentity(uid)}\r\n`);
    });
  });
}
