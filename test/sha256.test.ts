// policy/sha256.ts stands in for node:crypto's SHA-256 in the policy digest and finding ids: they
// must stay the same bytes, or every finding id and policy digest already reported would change.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../policy/sha256.ts";
import { mulberry32 as random } from "./helpers/mulberry32.ts";

const node = (input: string | Uint8Array) => createHash("sha256").update(input).digest("hex");

describe("sha256Hex", () => {
  it("gives FIPS 180-4's example digests", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("matches node:crypto on every length across the padding boundaries, bytes and strings", () => {
    const next = random(12);
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
      expect(sha256Hex(bytes), `${length} bytes`).toBe(node(bytes));
    }
    // Strings are hashed as UTF-8, as createHash().update(string) does: accents, CJK, emoji, NUL.
    const pieces = ["a", "é", "€", "漢", "😀", "\0", "\n", "eca-finding"];
    for (let i = 0; i < 300; i++) {
      const text = Array.from(
        { length: Math.floor(next() * 40) },
        () => pieces[Math.floor(next() * pieces.length)],
      ).join("");
      expect(sha256Hex(text), JSON.stringify(text)).toBe(node(text));
    }
  });

  it("hashes a policy-sized input (64 KiB) as node:crypto does", () => {
    const next = random(7);
    const bytes = Uint8Array.from({ length: 65_536 + 13 }, () => Math.floor(next() * 256));
    expect(sha256Hex(bytes)).toBe(node(bytes));
  });
});
