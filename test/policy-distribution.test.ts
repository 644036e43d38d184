// Policy distribution over HTTPS, against a real server on 127.0.0.1 with the test CA and mutual
// TLS: a new policy is picked up, 304s change nothing, a tampered or older signed file is refused,
// the server being down changes nothing, and what was downloaded survives a restart.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPolicySource, type PolicySourceOptions } from "../agent/daemon/policy-source.ts";
import { silentLogger } from "../agent/log.ts";
import { createTestPki, type TestPki } from "./helpers/https-receiver.ts";
import { type PolicyServer, startPolicyServer } from "./helpers/policy-server.ts";
import { bundleText, makeKey, policyText, type TestKey } from "./helpers/policy-signing.ts";

const logger = silentLogger;
const host = { hostname: "laptop-1" };

let pki: TestPki;
let server: PolicyServer;
let key: TestKey;
const dirs: string[] = [];

beforeAll(async () => {
  pki = createTestPki();
  server = await startPolicyServer(pki);
  key = makeKey();
});
afterAll(async () => {
  await server.close();
  pki.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function state(): string {
  const dir = mkdtempSync(join(tmpdir(), "eca-policy-dist-"));
  dirs.push(dir);
  return dir;
}

function options(path: string, extra: Partial<PolicySourceOptions> = {}): PolicySourceOptions {
  return {
    url: `${server.url}${path}`,
    trustedKeys: [key.publicKey],
    host,
    proxyEnv: null,
    tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
    ...extra,
  };
}

describe("a policy URL polled over HTTPS", () => {
  it("picks up a new signed bundle, sends If-None-Match, and changes nothing on a 304", async () => {
    const first = server.publish("/a.json", bundleText(policyText("1", "2026-11-01T00:00:00Z"), key));
    const source = await openPolicySource(undefined, state(), logger, options("/a.json"));
    // First installation: the source waits for the first download.
    expect((await source.current()).policy.version).toBe("1");
    expect(server.requests.at(-1)).toMatchObject({ path: "/a.json", status: 200, clientCert: true });

    await source.poll();
    expect(server.requests.at(-1)).toMatchObject({ path: "/a.json", status: 304, ifNoneMatch: first });
    expect((await source.current()).policy.version).toBe("1");

    server.publish("/a.json", bundleText(policyText("2", "2026-11-02T00:00:00Z"), key));
    await source.poll();
    expect((await source.current()).policy.version).toBe("2");
    expect(source.problem()).toBeUndefined();
    source.close();
  });

  it("refuses a tampered download and an older signed one; the policy in force stays", async () => {
    server.publish("/b.json", bundleText(policyText("5", "2026-11-05T00:00:00Z"), key));
    const source = await openPolicySource(undefined, state(), logger, options("/b.json"));
    expect((await source.current()).policy.version).toBe("5");

    const tampered = JSON.parse(bundleText(policyText("6", "2026-11-06T00:00:00Z"), key)) as {
      policy: string;
    };
    tampered.policy = Buffer.from(
      policyText("6", "2026-11-06T00:00:00Z", "approvalValidityMonths: 3\n"),
    ).toString("base64");
    server.publish("/b.json", JSON.stringify(tampered));
    await source.poll();
    expect((await source.current()).policy.version).toBe("5");
    expect(source.problem()).toContain(
      `${server.url}/b.json refused: its signature by key ${key.keyId} does not match its contents`,
    );
    // The refused download's ETag is remembered: the next poll is a 304 and the problem stands.
    await source.poll();
    expect(server.requests.at(-1)?.status).toBe(304);
    expect(source.problem()).toContain("does not match its contents");

    server.publish("/b.json", bundleText(policyText("4", "2026-11-04T00:00:00Z"), key));
    await source.poll();
    expect((await source.current()).policy.version).toBe("5");
    expect(source.problem()).toContain("an older policy never replaces a newer one");
    source.close();
  });

  it("with the server down for a while, keeps the policy in force and says nothing is wrong with it; picks up the next one when it is back", async () => {
    server.publish("/c.json", bundleText(policyText("1", "2026-11-01T00:00:00Z"), key));
    const dir = state();
    const source = await openPolicySource(undefined, dir, logger, options("/c.json"));
    expect((await source.current()).policy.version).toBe("1");
    await server.down();
    await source.poll();
    await source.poll();
    expect((await source.current()).policy.version).toBe("1");
    expect(source.problem()).toBeUndefined();

    // A restart while it is down: the kept download is verified again and used.
    source.close();
    const restarted = await openPolicySource(undefined, dir, logger, options("/c.json"));
    expect((await restarted.current()).policy.version).toBe("1");
    expect((await restarted.current()).signedBy).toBe(key.keyId);

    server.publish("/c.json", bundleText(policyText("2", "2026-11-02T00:00:00Z"), key));
    await server.up();
    await restarted.poll();
    expect((await restarted.current()).policy.version).toBe("2");
    restarted.close();
  });

  it("after a restart, asks with the kept ETag and gets a 304", async () => {
    const etag = server.publish("/d.json", bundleText(policyText("1", "2026-11-01T00:00:00Z"), key));
    const dir = state();
    (await openPolicySource(undefined, dir, logger, options("/d.json"))).close();
    const restarted = await openPolicySource(undefined, dir, logger, options("/d.json"));
    await restarted.poll();
    expect(server.requests.filter((r) => r.path === "/d.json").at(-1)).toMatchObject({
      status: 304,
      ifNoneMatch: etag,
    });
    restarted.close();
  });

  it("fetches a detached signature from URL.sig beside a plain policy", async () => {
    const text = policyText("3", "2026-11-03T00:00:00Z");
    server.publish("/e.yaml", text);
    server.publish("/e.yaml.sig", JSON.stringify(key.sign(Buffer.from(text))));
    const source = await openPolicySource(undefined, state(), logger, options("/e.yaml"));
    expect((await source.current()).policy.version).toBe("3");
    expect(server.requests.some((r) => r.path === "/e.yaml.sig" && r.status === 200)).toBe(true);
    source.close();
  });

  it("without the client certificate the server refuses the handshake, and nothing changes", async () => {
    server.publish("/f.json", bundleText(policyText("1", "2026-11-01T00:00:00Z"), key));
    const source = await openPolicySource(
      undefined,
      state(),
      logger,
      options("/f.json", { tls: { caFile: pki.caFile } }),
    );
    const loaded = await source.current();
    expect(loaded.source).toBe("built-in");
    expect(source.problem()).toBeUndefined();
    source.close();
  });

  it("an MDM file and a URL a step apart: the older of the two is no problem", async () => {
    const { writeFileSync } = await import("node:fs");
    const dir = state();
    const file = join(dir, "mdm-policy.json");
    writeFileSync(file, bundleText(policyText("1", "2026-11-01T00:00:00Z"), key));
    server.publish("/g.json", bundleText(policyText("2", "2026-11-02T00:00:00Z"), key));
    const source = await openPolicySource(file, join(dir, "state"), logger, options("/g.json"));
    const loaded = await source.current();
    expect(loaded.policy.version).toBe("2");
    expect(source.problem()).toBeUndefined();
    source.close();
  });
});

describe("policy downloads and NODE_TLS_REJECT_UNAUTHORIZED", () => {
  it("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn off certificate checks for policy downloads (it did: the fetcher did not set rejectUnauthorized)", async () => {
    const { createPolicyFetcher } = await import("../agent/daemon/policy-fetch.ts");
    server.publish("/untrusted.yaml", policyText("1", "2026-11-01T00:00:00Z"));
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {}; // Node's own warning about the variable, once per process.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      // The client certificate is given, the CA that signed the server's is not: it must be refused.
      const fetcher = createPolicyFetcher(
        `${server.url}/untrusted.yaml`,
        { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
        { proxyEnv: null },
      );
      const answer = await fetcher.fetch();
      expect(answer.status).toBe("failed");
      expect((answer as { reason: string }).reason).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify|certificate/i,
      );
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
      process.emitWarning = emitWarning;
    }
  });
});
