// Signatures and keys (policy/signature.ts): the bad-signature corpus, each with the message it
// must produce, and the key and signature formats documented in docs/POLICY-SIGNING.md.

import { generateKeyPairSync } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPolicySource } from "../agent/daemon/policy-source.ts";
import { silentLogger } from "../agent/log.ts";
import { DocumentError } from "../policy/document.ts";
import {
  generatePolicyKey,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  parseSignature,
  signPolicyBytes,
  type TrustedKey,
  verifyPolicyBytes,
} from "../policy/signature.ts";

const corpus = join(import.meta.dirname, "fixtures/policies/bad-signed");
const logger = silentLogger;
const work = mkdtempSync(join(tmpdir(), "eca-bad-signed-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const trustedKey = generatePolicyKey().publicKey;

describe("signatures that must be refused, each with its message", () => {
  const cases = readdirSync(corpus).filter((name) => /\.(yaml|json)$/.test(name));
  for (const name of cases) {
    it(name, async () => {
      const dir = mkdtempSync(join(work, "case-"));
      cpSync(corpus, dir, { recursive: true });
      const file = join(dir, name);
      const expected = name.endsWith(".json")
        ? readFileSync(`${file}.expect`, "utf8").trim()
        : (readFileSync(file, "utf8").split("\n")[0] ?? "").replace(/^# expect: /, "");
      const source = await openPolicySource(file, join(dir, "state"), logger, {
        trustedKeys: [trustedKey],
        host: { hostname: "laptop-1" },
      });
      const loaded = await source.current();
      expect(loaded.source).toBe("built-in");
      expect(source.problem()).toContain(expected);
    });
  }

  it("every case has its message", () => {
    for (const name of cases.filter((n) => n.endsWith(".json")))
      expect(existsSync(join(corpus, `${name}.expect`))).toBe(true);
  });
});

describe("keys and signatures", () => {
  it("a public key is ed25519:<base64 of 32 bytes>, and its key id the first 16 hex digits of their SHA-256", () => {
    const pair = generatePolicyKey();
    expect(pair.publicKey).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/);
    const parsed = parsePublicKey(pair.publicKey, "k") as TrustedKey;
    expect(parsed.keyId).toBe(keyIdOf(Buffer.from(pair.publicKey.slice(8), "base64")));
    expect(parsed.keyId).toBe(pair.keyId);
  });

  it("a key that is not one is a problem with its place and the fix", () => {
    expect(parsePublicKey("ssh-ed25519 AAAA", "policy.trustedKeys[1]")).toMatchObject({
      path: "policy.trustedKeys[1]",
      message: 'is "ssh-ed25519 AAAA", which is not an Ed25519 public key written ed25519:<base64>',
    });
  });

  it("an RSA private key is refused for signing", () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
      format: "pem",
      type: "pkcs8",
    });
    const error = (() => {
      try {
        parsePrivateKey(pem.toString(), "rsa.key");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DocumentError);
    expect(String((error as Error).message)).toContain("is a rsa key; policies are signed with Ed25519");
  });

  it("the signature covers the exact bytes: one byte more and it fails", () => {
    const pair = generatePolicyKey();
    const { key, keyId } = parsePrivateKey(pair.privateKeyPem, "k");
    const trusted = [parsePublicKey(pair.publicKey, "k") as TrustedKey];
    const bytes = Buffer.from('id: ops\nversion: "1"\n');
    const signature = signPolicyBytes(bytes, key, keyId);
    expect(verifyPolicyBytes(bytes, signature, trusted)).toEqual({ ok: true, keyId });
    expect(verifyPolicyBytes(Buffer.concat([bytes, Buffer.from(" ")]), signature, trusted).ok).toBe(false);
    expect(
      verifyPolicyBytes(Buffer.from(bytes.toString().replace("\n", "\r\n")), signature, trusted).ok,
    ).toBe(false);
  });

  it("a signature in non-canonical base64 (padding bits set) is refused, though Node would decode it to the same bytes", () => {
    const pair = generatePolicyKey();
    const { key, keyId } = parsePrivateKey(pair.privateKeyPem, "k");
    const good = signPolicyBytes(Buffer.from("x"), key, keyId);
    const last = good.signature.at(-3) as string;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const twin = alphabet[(alphabet.indexOf(last) & ~0xf) | ((alphabet.indexOf(last) + 1) & 0xf)] as string;
    const variant = `${good.signature.slice(0, -3)}${twin}==`;
    expect(Buffer.from(variant, "base64").equals(Buffer.from(good.signature, "base64"))).toBe(true);
    expect(() => parseSignature(JSON.stringify({ ...good, signature: variant }), "p.sig")).toThrow(
      "signature: is not a base64 Ed25519 signature (64 bytes)",
    );
  });
});
