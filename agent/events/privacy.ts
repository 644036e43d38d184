// Privacy switch: peripheral serials, names, Bluetooth addresses and device ids are personal data
// (a phone is often called after its owner). With `events.privacy.keyFile` configured, events
// carry HMAC-SHA256(fleet key, value) instead, so the central side can still correlate one device
// across events and laptops of the fleet without seeing it. `eca status` shows the real values.

import { createHmac } from "node:crypto";
import { readBoundedText } from "../bounded-read.ts";

/** "hmac:" and 32 hex digits: 128 bits of HMAC-SHA256, enough to never collide within a fleet. */
export const PSEUDONYM_PATTERN = /^hmac:[0-9a-f]{32}$/;

export function createPseudonymiser(key: Buffer): (value: string) => string {
  if (key.length < 16) throw new Error("the fleet key must be at least 16 bytes");
  const cache = new Map<string, string>();
  return (value) => {
    if (PSEUDONYM_PATTERN.test(value)) return value;
    let out = cache.get(value);
    if (out === undefined) {
      out = `hmac:${createHmac("sha256", key).update(value, "utf8").digest("hex").slice(0, 32)}`;
      if (cache.size > 10_000) cache.clear();
      cache.set(value, out);
    }
    return out;
  };
}

/** Reads the fleet key (at most 4 KiB; surrounding whitespace ignored) with an error that says what to fix. */
export function loadPseudonymiser(keyFile: string): (value: string) => string {
  const result = readBoundedText(keyFile, 4096);
  if (!result.ok) {
    throw new Error(
      `events.privacy.keyFile: ${result.reason}; give a file holding the fleet key (at least 16 bytes)`,
    );
  }
  const key = Buffer.from(result.text.trim(), "utf8");
  if (key.length < 16) {
    throw new Error(
      `events.privacy.keyFile: ${keyFile} holds ${key.length} bytes; the fleet key must be at least 16 (e.g. openssl rand -hex 32 > ${keyFile})`,
    );
  }
  return createPseudonymiser(key);
}
