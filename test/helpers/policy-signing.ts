// Signed policies for tests: keys made with policy/signature.ts, policies written with their
// detached signature or as a bundle, with a distinct mtime per write (the source reloads on it).

import { utimesSync, writeFileSync } from "node:fs";
import { bundleOf, generatePolicyKey, parsePrivateKey, signPolicyBytes } from "../../policy/signature.ts";

export interface TestKey {
  publicKey: string;
  keyId: string;
  sign(bytes: Buffer): ReturnType<typeof signPolicyBytes>;
}

export function makeKey(): TestKey {
  const pair = generatePolicyKey();
  const { key, keyId } = parsePrivateKey(pair.privateKeyPem, "test.key");
  return { publicKey: pair.publicKey, keyId, sign: (bytes) => signPolicyBytes(bytes, key, keyId) };
}

export function policyText(version: string, issuedAt: string | undefined, extra = ""): string {
  return `id: ops\nversion: "${version}"\n${issuedAt ? `issuedAt: "${issuedAt}"\n` : ""}${extra}`;
}

let tick = 0;
function touch(path: string): void {
  tick += 1;
  const when = Date.now() / 1000 + tick;
  utimesSync(path, when, when);
}

/** Writes the policy and, with a key, POLICY.sig beside it. */
export function writeSigned(path: string, text: string, key?: TestKey): void {
  const bytes = Buffer.from(text);
  writeFileSync(path, bytes);
  if (key) {
    writeFileSync(`${path}.sig`, JSON.stringify(key.sign(bytes)));
    touch(`${path}.sig`);
  }
  touch(path);
}

export function bundleText(text: string, key: TestKey): string {
  const bytes = Buffer.from(text);
  return JSON.stringify(bundleOf(bytes, key.sign(bytes)));
}
