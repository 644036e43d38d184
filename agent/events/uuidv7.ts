// UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered, so event
// ids sort roughly by creation, and receivers can index them cheaply.

import { randomBytes } from "node:crypto";

/** `random(n)` returns n random bytes; injectable for tests. */
export function uuidv7(nowMs: number = Date.now(), random: (n: number) => Uint8Array = randomBytes): string {
  const bytes = new Uint8Array(16);
  const time = BigInt(Math.max(0, Math.floor(nowMs))) & 0xffffffffffffn;
  for (let i = 0; i < 6; i++) bytes[i] = Number((time >> BigInt(8 * (5 - i))) & 0xffn);
  bytes.set(random(10).subarray(0, 10), 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // variant 10
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
