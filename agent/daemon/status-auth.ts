// The authenticated status exchange: mutual challenge-response with HMAC-SHA256 keyed by the status
// key (status-key.ts), so status holds whatever the pipe's DACL is. Node cannot give a named pipe a
// security descriptor (libuv's CreateNamedPipeW passes NULL: Everyone may read), and any user can
// take the pipe's name before the service does; so the client proves it can read the key (only
// SYSTEM and Administrators can), and the server proves it holds the key before the client believes
// a word of it. The key itself never crosses the pipe. Platform-independent: the same code runs on a
// Unix socket (statusAuth) in the tests.
//
// Every message is one line of JSON, at most MAX_FRAME_BYTES, with "eca": "status" and "v" (the
// exchange's version, so it can evolve); the status document follows its header as raw bytes.
//   client -> server  {"type":"hello",  "nonce": Nc}
//   server -> client  {"type":"server", "nonce": Ns, "proof": HMAC(K, "eca-status/1 server\0" Nc Ns)}
//   client -> server  {"type":"client", "proof": HMAC(K, "eca-status/1 client\0" Nc Ns)}
//   server -> client  {"type":"status", "length": n, "mac": HMAC(K, "eca-status/1 status\0" Nc Ns doc)} doc
// or at any point    {"type":"error",  "code": "...", "reason": "..."} and the connection ends.
// Nonces are 32 random bytes each, so no proof is ever asked for twice; the role labels keep a proof
// made as one side from passing as the other's (a reflection).

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";

export const STATUS_AUTH_VERSION = 1;
export const NONCE_BYTES = 32;
const MAC_BYTES = 32;
/** A handshake line is about 120 bytes; a longer one is not from eca. */
export const MAX_FRAME_BYTES = 1024;
/** Far above any real status (a few KB per device); a longer answer is not eca's. */
export const MAX_STATUS_BYTES = 16 * 1024 * 1024;
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

export type ErrorCode = "version" | "malformed" | "denied" | "unavailable";

export type Frame =
  | { type: "hello"; nonce: Buffer }
  | { type: "server"; nonce: Buffer; proof: Buffer }
  | { type: "client"; proof: Buffer }
  | { type: "status"; length: number; mac: Buffer }
  | { type: "error"; code: string; reason: string };

/** A message that is not part of the exchange, with the error code the server answers it with. */
export class FrameError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "FrameError";
    this.code = code;
  }
}

function bytes32(value: unknown, field: string, bytes: number): Buffer {
  if (typeof value !== "string" || !BASE64_32.test(value))
    throw new FrameError("malformed", `"${field}" is not ${bytes} bytes of base64`);
  return Buffer.from(value, "base64");
}

/** Parses one line (without its newline). Unknown fields are ignored, for later versions. */
export function decodeFrame(line: Buffer): Frame {
  if (line.length > MAX_FRAME_BYTES)
    throw new FrameError("malformed", `a message of ${line.length} bytes, over ${MAX_FRAME_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(line.toString("utf8"));
  } catch {
    throw new FrameError("malformed", "a message that is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FrameError("malformed", "a message that is not a JSON object");
  const m = value as Record<string, unknown>;
  if (m.eca !== "status") throw new FrameError("malformed", 'a message without "eca": "status"');
  if (m.v !== STATUS_AUTH_VERSION)
    throw new FrameError(
      "version",
      `version ${JSON.stringify(m.v)} of the status exchange; this eca speaks ${STATUS_AUTH_VERSION}`,
    );
  switch (m.type) {
    case "hello":
      return { type: "hello", nonce: bytes32(m.nonce, "nonce", NONCE_BYTES) };
    case "server":
      return {
        type: "server",
        nonce: bytes32(m.nonce, "nonce", NONCE_BYTES),
        proof: bytes32(m.proof, "proof", MAC_BYTES),
      };
    case "client":
      return { type: "client", proof: bytes32(m.proof, "proof", MAC_BYTES) };
    case "status":
      if (
        !Number.isSafeInteger(m.length) ||
        (m.length as number) < 0 ||
        (m.length as number) > MAX_STATUS_BYTES
      )
        throw new FrameError("malformed", `a status length that is not 0 to ${MAX_STATUS_BYTES}`);
      return { type: "status", length: m.length as number, mac: bytes32(m.mac, "mac", MAC_BYTES) };
    case "error":
      return {
        type: "error",
        code: typeof m.code === "string" ? m.code.slice(0, 32) : "unknown",
        reason: typeof m.reason === "string" ? m.reason.slice(0, 512) : "",
      };
    default:
      throw new FrameError("malformed", `a message of unknown type ${JSON.stringify(m.type)}`.slice(0, 120));
  }
}

/** One line: what decodeFrame reads. */
export function encodeFrame(frame: Frame): Buffer {
  const wire: Record<string, unknown> = { eca: "status", v: STATUS_AUTH_VERSION, type: frame.type };
  for (const [name, value] of Object.entries(frame))
    if (name !== "type") wire[name] = Buffer.isBuffer(value) ? value.toString("base64") : value;
  return Buffer.from(`${JSON.stringify(wire)}\n`);
}

type Role = "server" | "client" | "status";

/** HMAC-SHA256 over the role, both nonces (fixed length, so unambiguous) and the document. */
export function proof(
  key: Buffer,
  role: Role,
  clientNonce: Buffer,
  serverNonce: Buffer,
  body?: Buffer,
): Buffer {
  const mac = createHmac("sha256", key);
  mac.update(`eca-status/${STATUS_AUTH_VERSION} ${role}\0`);
  mac.update(clientNonce);
  mac.update(serverNonce);
  if (body) mac.update(body);
  return mac.digest();
}

/** Constant-time: a forged proof takes as long to refuse whatever its bytes. */
export function proofMatches(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Bounded reads from a socket: a line of at most `max` bytes, or exactly `n` bytes. Never holds more
 * than the read asked for allows (plus one chunk): a peer sending without end is cut off.
 */
export class BoundedReader {
  #buffer: Buffer = Buffer.alloc(0);
  #want:
    | { kind: "line" | "bytes"; size: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }
    | undefined;
  #closed: Error | undefined;
  #limit = MAX_FRAME_BYTES;
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      if (this.#buffer.length > this.#limit + MAX_FRAME_BYTES && !this.#satisfiable()) {
        this.#fail(new FrameError("malformed", `more than ${this.#limit} bytes without a complete message`));
        socket.destroy();
        return;
      }
      this.#pump();
    });
    const closed = () => this.#fail(new Error("the connection closed before the exchange ended"));
    socket.once("end", closed);
    socket.once("close", closed);
    socket.on("error", (error) => this.#fail(error));
  }

  #satisfiable(): boolean {
    if (!this.#want) return false;
    if (this.#want.kind === "bytes") return this.#buffer.length >= this.#want.size;
    return this.#buffer.subarray(0, this.#want.size + 1).includes(0x0a);
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    const want = this.#want;
    this.#want = undefined;
    want?.reject(this.#closed);
  }

  #pump(): void {
    const want = this.#want;
    if (!want) return;
    if (want.kind === "bytes") {
      if (this.#buffer.length < want.size) return;
      this.#want = undefined;
      const out = this.#buffer.subarray(0, want.size);
      this.#buffer = this.#buffer.subarray(want.size);
      want.resolve(out);
      return;
    }
    const newline = this.#buffer.subarray(0, want.size + 1).indexOf(0x0a);
    if (newline < 0) {
      if (this.#buffer.length > want.size) {
        this.#want = undefined;
        want.reject(new FrameError("malformed", `a message over ${want.size} bytes`));
        this.#socket.destroy();
      }
      return;
    }
    this.#want = undefined;
    const line = this.#buffer.subarray(0, newline);
    this.#buffer = this.#buffer.subarray(newline + 1);
    want.resolve(line);
  }

  #read(kind: "line" | "bytes", size: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#limit = size;
      this.#want = { kind, size, resolve, reject };
      this.#pump();
      if (this.#want && this.#closed) this.#fail(this.#closed);
    });
  }

  line(max = MAX_FRAME_BYTES): Promise<Buffer> {
    return this.#read("line", max);
  }

  bytes(n: number): Promise<Buffer> {
    return this.#read("bytes", n);
  }
}

export interface ServerKey {
  key?: Buffer;
  /** Why there is no key (the state directory could not be restricted): said to every client. */
  problem?: string;
}

/**
 * The server's side for one connection: answers the status document only to a client that proved
 * it holds the key, after proving it holds it too. Never throws; ends or destroys the connection.
 */
export async function serveAuthenticated(
  socket: Socket,
  currentKey: () => ServerKey,
  answer: () => string,
): Promise<"served" | "refused"> {
  const reader = new BoundedReader(socket);
  const refuse = (code: ErrorCode | string, reason: string): "refused" => {
    if (!socket.destroyed) socket.end(encodeFrame({ type: "error", code, reason }));
    return "refused";
  };
  try {
    const hello = decodeFrame(await reader.line());
    if (hello.type !== "hello") return refuse("malformed", `expected hello, got ${hello.type}`);
    const { key, problem } = currentKey();
    if (!key) return refuse("unavailable", problem ?? "the agent has no status key");
    const serverNonce = randomBytes(NONCE_BYTES);
    socket.write(
      encodeFrame({
        type: "server",
        nonce: serverNonce,
        proof: proof(key, "server", hello.nonce, serverNonce),
      }),
    );
    const client = decodeFrame(await reader.line());
    if (client.type !== "client") return refuse("malformed", `expected client, got ${client.type}`);
    if (!proofMatches(proof(key, "client", hello.nonce, serverNonce), client.proof))
      return refuse("denied", "the client could not prove it can read the status key");
    const body = Buffer.from(answer());
    socket.write(
      encodeFrame({
        type: "status",
        length: body.length,
        mac: proof(key, "status", hello.nonce, serverNonce, body),
      }),
    );
    socket.end(body);
    return "served";
  } catch (error) {
    if (error instanceof FrameError) return refuse(error.code, error.message);
    socket.destroy();
    return "refused";
  }
}

export type ExchangeResult =
  | { ok: true; body: Buffer }
  /** The peer could not prove it holds the key: it is not the eca service (or not this one). */
  | { ok: false; impostor: true; reason: string }
  /** The peer said why it would not answer, without proving who it is. */
  | { ok: false; impostor: false; said: { code: string; reason: string }; authenticated: boolean }
  | { ok: false; impostor: false; broken: string };

/** An error frame from the peer, `authenticated` once it has proved it holds the key. */
function peerSaid(
  { code, reason }: { code: string; reason: string },
  authenticated: boolean,
): ExchangeResult {
  return { ok: false, impostor: false, said: { code, reason }, authenticated };
}

/**
 * The client's side: believes nothing the peer says until it has proved it holds the key, and
 * never sends its own proof before that. The caller bounds the time (it destroys the socket).
 */
export async function requestAuthenticated(socket: Socket, key: Buffer): Promise<ExchangeResult> {
  const reader = new BoundedReader(socket);
  const clientNonce = randomBytes(NONCE_BYTES);
  try {
    socket.write(encodeFrame({ type: "hello", nonce: clientNonce }));
    const first = decodeFrame(await reader.line());
    if (first.type === "error") return peerSaid(first, false);
    if (first.type !== "server")
      return { ok: false, impostor: true, reason: `it answered ${first.type}, not its proof` };
    if (!proofMatches(proof(key, "server", clientNonce, first.nonce), first.proof))
      return { ok: false, impostor: true, reason: "its proof does not match the status key" };
    socket.write(encodeFrame({ type: "client", proof: proof(key, "client", clientNonce, first.nonce) }));
    const header = decodeFrame(await reader.line());
    if (header.type === "error") return peerSaid(header, true);
    if (header.type !== "status")
      return { ok: false, impostor: true, reason: `it answered ${header.type}, not status` };
    const body = await reader.bytes(header.length);
    if (!proofMatches(proof(key, "status", clientNonce, first.nonce, body), header.mac))
      return { ok: false, impostor: true, reason: "the status document does not carry the key's MAC" };
    return { ok: true, body };
  } catch (error) {
    if (error instanceof FrameError) return { ok: false, impostor: true, reason: `it sent ${error.message}` };
    return { ok: false, impostor: false, broken: error instanceof Error ? error.message : String(error) };
  } finally {
    socket.destroy();
  }
}
