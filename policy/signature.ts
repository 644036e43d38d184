// Signed policies: Ed25519 (node:crypto) over the exact bytes of the policy file. No I/O here: the
// callers read and write the files. The formats are described in docs/POLICY-SIGNING.md.
//
// - A public key is written `ed25519:<base64 of the 32 raw key bytes>`, one line: it fits in an
//   agent configuration pushed by an MDM, and `eca policy keygen` prints it.
// - Its key id is the first 16 hex digits of the SHA-256 of those 32 bytes.
// - A detached signature (POLICY.sig) is a small JSON document naming the key id and holding the
//   base64 signature of the policy file's bytes, exactly as they are on disk.
// - A signed bundle is one JSON document holding the same fields and the policy's bytes in base64:
//   one file to download, so one ETag covers policy and signature together.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { DocumentError, type DocumentProblem } from "./document.ts";

export const SIGNATURE_FORMAT = "eca-policy-signature/1";
export const BUNDLE_FORMAT = "eca-signed-policy/1";

/** The largest signature file read: the JSON above is about 200 bytes. */
export const MAX_SIGNATURE_BYTES = 16 * 1024;

export interface PolicySignature {
  format: typeof SIGNATURE_FORMAT;
  algorithm: "ed25519";
  keyId: string;
  /** base64 of the 64-byte Ed25519 signature of the policy's bytes. */
  signature: string;
}

export interface SignedBundle {
  format: typeof BUNDLE_FORMAT;
  algorithm: "ed25519";
  keyId: string;
  signature: string;
  /** base64 of the policy file's bytes. */
  policy: string;
}

export interface TrustedKey {
  keyId: string;
  key: KeyObject;
  /** As configured: `ed25519:...`. */
  text: string;
}

const PUBLIC_KEY_FORM = /^ed25519:([A-Za-z0-9+/]{43}=)$/;

export function keyIdOf(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" }) as { x?: string };
  return Buffer.from(jwk.x ?? "", "base64url");
}

/** A fresh key pair: the private key as PKCS#8 PEM, the public key in its one-line form. */
export function generatePolicyKey(): { privateKeyPem: string; publicKey: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = rawPublicKey(publicKey);
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKey: `ed25519:${raw.toString("base64")}`,
    keyId: keyIdOf(raw),
  };
}

/** Parses a configured public key; the problem says where (`place`) and how to fix it. */
export function parsePublicKey(text: string, place: string): TrustedKey | DocumentProblem {
  const match = PUBLIC_KEY_FORM.exec(text.trim());
  const raw = match?.[1] ? Buffer.from(match[1], "base64") : undefined;
  if (raw?.length !== 32) {
    return {
      path: place,
      message: `is ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text)}, which is not an Ed25519 public key written ed25519:<base64>`,
      hint: "copy the line `eca policy keygen` printed (also in the .pub file), e.g. ed25519:MCowBQYDK2VwAyEA...",
    };
  }
  const key = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
    format: "jwk",
  });
  return { keyId: keyIdOf(raw), key, text: text.trim() };
}

/** Reads a private key (PKCS#8 PEM, as `eca policy keygen` writes it); refuses anything but Ed25519. */
export function parsePrivateKey(pem: string, file: string): { key: KeyObject; keyId: string } {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new DocumentError(file, [
      {
        path: "",
        message: `holds no readable private key (${(error as Error).message.split("\n")[0]})`,
        hint: "give the .key file `eca policy keygen` wrote (PKCS#8 PEM, unencrypted)",
      },
    ]);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new DocumentError(file, [
      {
        path: "",
        message: `is a ${key.asymmetricKeyType ?? "unknown"} key; policies are signed with Ed25519`,
        hint: "make a signing key with eca policy keygen",
      },
    ]);
  }
  return { key, keyId: keyIdOf(rawPublicKey(createPublicKey(key))) };
}

export function signPolicyBytes(bytes: Buffer, privateKey: KeyObject, keyId: string): PolicySignature {
  return {
    format: SIGNATURE_FORMAT,
    algorithm: "ed25519",
    keyId,
    signature: sign(null, bytes, privateKey).toString("base64"),
  };
}

export function bundleOf(bytes: Buffer, signature: PolicySignature): SignedBundle {
  return { ...signature, format: BUNDLE_FORMAT, policy: bytes.toString("base64") };
}

/**
 * Base64 as Buffer.from would write it back: Node's decoder skips characters outside the alphabet
 * and ignores padding bits, so without this many texts would decode to one signature.
 */
function isCanonicalBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && Buffer.from(text, "base64").toString("base64") === text;
}

function field(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === "string" ? value : undefined;
}

/** Parses a detached signature file's text. */
export function parseSignature(text: string, file: string): PolicySignature {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const problems: DocumentProblem[] = [];
  if (field(record, "format") !== SIGNATURE_FORMAT)
    problems.push({
      path: "format",
      message: `is not ${JSON.stringify(SIGNATURE_FORMAT)}: this is not an eca policy signature`,
      hint: "make the signature with eca policy sign POLICY --key KEY",
    });
  if (field(record, "algorithm") !== "ed25519")
    problems.push({
      path: "algorithm",
      message: 'is not "ed25519"',
      hint: "eca signs policies with Ed25519 only",
    });
  const keyId = field(record, "keyId");
  if (!keyId || !/^[0-9a-f]{16}$/.test(keyId))
    problems.push({ path: "keyId", message: "is not 16 hex digits", hint: "sign the policy again" });
  const signature = field(record, "signature");
  if (!signature || !isCanonicalBase64(signature) || Buffer.from(signature, "base64").length !== 64)
    problems.push({
      path: "signature",
      message: "is not a base64 Ed25519 signature (64 bytes)",
      hint: "sign the policy again",
    });
  if (problems.length > 0) throw new DocumentError(file, problems);
  return {
    format: SIGNATURE_FORMAT,
    algorithm: "ed25519",
    keyId: keyId as string,
    signature: signature as string,
  };
}

/** True when the text is a signed bundle (JSON with the bundle's format), so a file can be either. */
export function looksLikeBundle(text: string): boolean {
  return /^\s*\{/.test(text) && text.includes(BUNDLE_FORMAT);
}

/** Splits a signed bundle into the policy's bytes and its signature. */
export function parseBundle(text: string, file: string): { bytes: Buffer; signature: PolicySignature } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DocumentError(file, [
      {
        path: "",
        message: "is not JSON, so not a signed bundle",
        hint: "make the bundle with eca policy sign POLICY --key KEY --bundle",
      },
    ]);
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (field(record, "format") !== BUNDLE_FORMAT) {
    throw new DocumentError(file, [
      {
        path: "format",
        message: `is not ${JSON.stringify(BUNDLE_FORMAT)}`,
        hint: "make the bundle with eca policy sign POLICY --key KEY --bundle",
      },
    ]);
  }
  const policy = field(record, "policy");
  if (policy === undefined || !isCanonicalBase64(policy)) {
    throw new DocumentError(file, [
      {
        path: "policy",
        message: "is not the policy's bytes in base64",
        hint: "make the bundle again with eca policy sign --bundle",
      },
    ]);
  }
  const signature = parseSignature(JSON.stringify({ ...record, format: SIGNATURE_FORMAT }), file);
  return { bytes: Buffer.from(policy, "base64"), signature };
}

export type VerifyResult = { ok: true; keyId: string } | { ok: false; reason: string };

/** Checks a signature against the trusted keys: the key it names must be one of them, and verify. */
export function verifyPolicyBytes(
  bytes: Buffer,
  signature: PolicySignature | undefined,
  trusted: readonly TrustedKey[],
): VerifyResult {
  if (!signature) return { ok: false, reason: "it is not signed, and trusted keys are configured" };
  const key = trusted.find((k) => k.keyId === signature.keyId);
  if (!key) {
    return {
      ok: false,
      reason: `it is signed by key ${signature.keyId}, which is not among the trusted keys (${trusted.map((k) => k.keyId).join(", ") || "none"})`,
    };
  }
  const good = verify(null, bytes, key.key, Buffer.from(signature.signature, "base64"));
  return good
    ? { ok: true, keyId: key.keyId }
    : {
        ok: false,
        reason: `its signature by key ${key.keyId} does not match its contents (altered after signing, or signed over other bytes)`,
      };
}
