// End to end, through the real `eca` forked as a process: keygen, sign, verify, check and explain
// with their exit codes; and `eca run` refusing a replayed older signed policy, saying why in
// `eca status`, and telling the central side with the finding policy-untrusted.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEca as eca, type ForkedEca, forkEca } from "./helpers/eca-cli.ts";
import {
  createTestPki,
  endpointConfigLines,
  type Receiver,
  startReceiver,
  type TestPki,
} from "./helpers/https-receiver.ts";
import { startPolicyServer } from "./helpers/policy-server.ts";
import { bundleText, makeKey, policyText, writeSigned } from "./helpers/policy-signing.ts";
import { until } from "./helpers/until.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "eca-policy-e2e-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signedPolicy = (version: string, issuedAt: string) =>
  `${policyText(version, issuedAt)}approvedDevices:\n  - match: { vendorId: "17ef", productId: "6047" }\n    description: IT keyboard\n`;

describe("eca policy keygen, sign and verify", () => {
  it("makes a key pair, signs, verifies, and refuses what was altered or signed by another key", async () => {
    const keygen = await eca(["policy", "keygen", "--out", join(dir, "k1")]);
    expect(keygen.code).toBe(0);
    expect(keygen.stdout).toMatch(/key id: [0-9a-f]{16}/);
    expect(statSync(join(dir, "k1.key")).mode & 0o777).toBe(0o600);
    const publicKey = readFileSync(join(dir, "k1.pub"), "utf8").trim();
    expect(keygen.stdout).toContain(`      - ${publicKey}`);

    const again = await eca(["policy", "keygen", "--out", join(dir, "k1")]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${join(dir, "k1.key")} is not valid:\n  - already exists`);

    const file = join(dir, "policy.yaml");
    writeFileSync(file, signedPolicy("1", "2026-11-01T00:00:00Z"));
    const sign = await eca(["policy", "sign", file, "--key", join(dir, "k1.key")]);
    expect(sign.code).toBe(0);
    expect(sign.stdout).toContain(`wrote ${file}.sig`);
    const verify = await eca(["policy", "verify", file, "--trusted-key", publicKey]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain("signed by trusted key");

    const bundle = await eca(["policy", "sign", file, "--key", join(dir, "k1.key"), "--bundle"]);
    expect(bundle.code).toBe(0);
    expect(
      (await eca(["policy", "verify", join(dir, "policy.signed.json"), "--trusted-key", publicKey])).code,
    ).toBe(0);
    const twice = await eca([
      "policy",
      "sign",
      join(dir, "policy.signed.json"),
      "--key",
      join(dir, "k1.key"),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("is already a signed bundle");

    writeFileSync(file, signedPolicy("1", "2026-11-01T00:00:00Z").replace("IT keyboard", "any keyboard"));
    const altered = await eca(["policy", "verify", file, "--trusted-key", publicKey]);
    expect(altered.code).toBe(2);
    expect(altered.stderr).toContain(
      "does not match its contents (altered after signing, or signed over other bytes)",
    );

    await eca(["policy", "keygen", "--out", join(dir, "k2")]);
    const other = readFileSync(join(dir, "k2.pub"), "utf8").trim();
    const stranger = await eca(["policy", "verify", join(dir, "policy.signed.json"), "--trusted-key", other]);
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toContain("which is not among the trusted keys");

    const unsigned = join(dir, "unsigned.yaml");
    writeFileSync(unsigned, signedPolicy("1", "2026-11-01T00:00:00Z"));
    const none = await eca(["policy", "verify", unsigned, "--trusted-key", publicKey]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("it is not signed");
  });

  it("rotation: verify trusts either of two keys; once the old one is dropped, its signatures fail", async () => {
    await eca(["policy", "keygen", "--out", join(dir, "old")]);
    await eca(["policy", "keygen", "--out", join(dir, "new")]);
    const oldKey = readFileSync(join(dir, "old.pub"), "utf8").trim();
    const newKey = readFileSync(join(dir, "new.pub"), "utf8").trim();
    const a = join(dir, "rot-a.yaml");
    const b = join(dir, "rot-b.yaml");
    writeFileSync(a, signedPolicy("1", "2026-11-01T00:00:00Z"));
    writeFileSync(b, signedPolicy("2", "2026-11-02T00:00:00Z"));
    await eca(["policy", "sign", a, "--key", join(dir, "old.key")]);
    await eca(["policy", "sign", b, "--key", join(dir, "new.key")]);
    expect((await eca(["policy", "verify", a, "--trusted-key", oldKey, newKey])).code).toBe(0);
    expect((await eca(["policy", "verify", b, "--trusted-key", oldKey, newKey])).code).toBe(0);
    expect((await eca(["policy", "verify", b, "--trusted-key", newKey])).code).toBe(0);
    const dropped = await eca(["policy", "verify", a, "--trusted-key", newKey]);
    expect(dropped.code).toBe(2);
    expect(dropped.stderr).toContain("which is not among the trusted keys");
  });

  it("refuses to sign a policy with no issuedAt, or one that approves a vehicle", async () => {
    await eca(["policy", "keygen", "--out", join(dir, "k3")]);
    const noDate = join(dir, "no-date.yaml");
    writeFileSync(noDate, 'id: ops\nversion: "1"\n');
    const refused = await eca(["policy", "sign", noDate, "--key", join(dir, "k3.key")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("issuedAt: is missing: a signed policy must say when it was issued");

    const car = join(dir, "car.yaml");
    writeFileSync(
      car,
      `${policyText("1", "2026-11-01T00:00:00Z")}approvedDevices:\n  - match: { name: "MY VW 1234" }\n    description: pool car\n`,
    );
    const vehicle = await eca(["policy", "sign", car, "--key", join(dir, "k3.key")]);
    expect(vehicle.code).toBe(2);
    expect(vehicle.stderr).toContain("approvedDevices[0]: approves a vehicle");
  });
});

describe("eca config check with a policy block", () => {
  it("exit 2 for an unsigned policy file under trusted keys, naming the reason; exit 0 once signed", async () => {
    const base = join(dir, "config-check");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(base, { recursive: true });
    await eca(["policy", "keygen", "--out", join(base, "k")]);
    const file = join(base, "policy.yaml");
    writeFileSync(file, signedPolicy("1", "2026-11-01T00:00:00Z"));
    const config = join(base, "config.yaml");
    writeFileSync(
      config,
      [
        "policy:",
        `  file: ${file}`,
        "  trustedKeys:",
        `    - ${readFileSync(join(base, "k.pub"), "utf8").trim()}`,
      ].join("\n"),
    );
    const unsigned = await eca(["config", "check", config]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain(`policy.file: names ${file}, which the trusted keys do not accept`);
    expect(unsigned.stderr).toContain("it is not signed");
    await eca(["policy", "sign", file, "--key", join(base, "k.key")]);
    const signed = await eca(["config", "check", config]);
    expect(signed.code).toBe(0);
  });
});

describe("eca policy check", () => {
  it("exit 0 with warnings for a policy that works; exit 2 for a vehicle exemption", async () => {
    const fixtures = join(import.meta.dirname, "fixtures/policies");
    const warn = await eca(["policy", "check", join(fixtures, "warn/unscoped.yaml")]);
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain("warning: approvals[0]: approval SNOW-32 has no hosts");
    expect(warn.stdout).toMatch(/valid policy .* 2 warning\(s\)/);
    const bad = await eca(["policy", "check", join(fixtures, "bad/vehicle-approval.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("exempts a vehicle");
  });
});

describe("eca policy explain", () => {
  const keyboard = {
    bus: "usb",
    source: "replay",
    id: "usb:17ef:6047:KB1",
    vendorId: "17ef",
    productId: "6047",
    serial: "KB1",
    manufacturer: "Lenovo",
    product: "ThinkPad Keyboard",
    interfaces: [{ class: "03", subclass: "01", protocol: "01" }],
    portPath: "1-2",
    parents: ["usb1"],
    isRootHub: false,
    removable: "removable",
    connectType: "hotplug",
  };
  const mouse = {
    ...keyboard,
    id: "usb:046d:c077:M1",
    vendorId: "046d",
    productId: "c077",
    serial: "M1",
    manufacturer: "Logitech",
    product: "Mouse",
    interfaces: [{ class: "03", subclass: "01", protocol: "02" }],
    portPath: "1-3",
  };

  it("names the deciding entry, the approval's details, approvals for other laptops, and what to do", async () => {
    const replay = join(dir, "devices.json");
    writeFileSync(replay, JSON.stringify({ observations: [keyboard, mouse] }));
    const policy = join(dir, "explain.yaml");
    writeFileSync(
      policy,
      [
        "approvals:",
        "  - reference: SNOW-50",
        "    kind: accessibility",
        "    for: Sam Jones",
        "    approvedBy: Jane Smith",
        `    approvedOn: ${new Date().toISOString().slice(0, 10)}`,
        `    hosts: [{ hostname: "${hostname()}" }]`,
        '    match: { vendorId: "17ef", productId: "6047" }',
        "  - reference: SNOW-51",
        "    kind: accessibility",
        "    for: Alex Doe",
        "    approvedBy: Jane Smith",
        `    approvedOn: ${new Date().toISOString().slice(0, 10)}`,
        '    hosts: [{ hostname: "someone-elses-laptop" }]',
        '    match: { vendorId: "046d", productId: "c077" }',
      ].join("\n"),
    );
    const json = await eca(["policy", "explain", "--json", "--policy", policy, "--replay", replay]);
    expect(json.code).toBe(1);
    const explanation = JSON.parse(json.stdout);
    expect(explanation.host.hostname).toBe(hostname().split(".")[0]);
    const [kb, ms] = explanation.devices;
    expect(kb.verdict).toBe("exempt");
    expect(kb.decision).toMatchObject({
      by: "approvals[0]",
      matched: { vendorId: "17ef", productId: "6047" },
      approval: { reference: "SNOW-50", approvedBy: "Jane Smith", for: "Sam Jones" },
    });
    expect(ms.verdict).toBe("violation");
    expect(ms.decision.elsewhere[0]).toMatchObject({ reference: "SNOW-51", for: "Alex Doe" });
    expect(ms.decision.toComply).toContain("adds this laptop to its hosts");

    const text = await eca(["policy", "explain", "--policy", policy, "--replay", replay]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("decided by:  approvals[0], matching vendorId 17ef, productId 6047");
    expect(text.stdout).toContain(
      "not here:    approvals[1] SNOW-51 for Alex Doe matches this device but is granted for hostname someone-elses-laptop",
    );
    // eca scan says the same about the mouse.
    const scan = await eca(["scan", "--policy", policy, "--replay", replay]);
    expect(scan.stdout).toContain("approval SNOW-51 is for another laptop and does not apply here");
  });
});

describe("eca run with trusted keys", () => {
  let pki: TestPki;
  let receiver: Receiver;
  let agent: ForkedEca | undefined;

  beforeAll(async () => {
    pki = createTestPki();
    receiver = await startReceiver({ pki });
  });
  afterAll(async () => {
    agent?.child.kill("SIGKILL");
    await receiver.close();
    pki.cleanup();
  });

  /** An agent configuration under `run`: delivery to the receiver, the replay, and `policy` lines. */
  function agentConfig(run: string, replay: string, policy: string[]): string {
    const config = join(run, "config.yaml");
    writeFileSync(
      config,
      [
        ...endpointConfigLines(pki, [`url: ${receiver.url}`]),
        `stateDir: ${join(run, "state")}`,
        `socketPath: ${join(run, "eca.sock")}`,
        "pollIntervalSeconds: 1",
        `replayFile: ${replay}`,
        "policy:",
        ...policy,
      ].join("\n"),
    );
    return config;
  }

  /** Waits for `rule`'s finding to be opened centrally, then checks over more scans that it is opened once. */
  async function expectOpenedOnce(rule: string): Promise<void> {
    const opened = () =>
      receiver
        .events()
        .filter(
          (e) =>
            (e as { class_uid?: number }).class_uid === 2003 &&
            (e as { activity_id?: number }).activity_id === 1 &&
            JSON.stringify(e).includes(rule),
        );
    await until(() => opened().length > 0, `the ${rule} event`);
    // Scans go on every second; the finding is opened once.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(
      new Set(opened().map((e) => JSON.stringify((e as { finding_info?: unknown }).finding_info))).size,
    ).toBe(1);
  }

  /** SIGTERM: the agent must exit 0. */
  async function stopAgent(): Promise<void> {
    agent?.child.kill("SIGTERM");
    expect((await agent?.exited)?.code).toBe(0);
    agent = undefined;
  }

  async function statusOf(config: string) {
    const answer = await eca(["status", "--json", "--config", config]);
    return { code: answer.code, document: JSON.parse(answer.stdout || "{}") };
  }

  it("refuses a replayed older signed policy, keeps the newer one, says why in status, and sends policy-untrusted once", async () => {
    const run = join(dir, "run");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(run, { recursive: true });
    await eca(["policy", "keygen", "--out", join(run, "k")]);
    const publicKey = readFileSync(join(run, "k.pub"), "utf8").trim();
    const file = join(run, "policy.yaml");
    const older = join(run, "older.yaml");
    writeFileSync(older, signedPolicy("1", "2026-11-01T00:00:00Z"));
    await eca(["policy", "sign", older, "--key", join(run, "k.key")]);
    writeFileSync(file, signedPolicy("2", "2026-11-02T00:00:00Z"));
    expect((await eca(["policy", "sign", file, "--key", join(run, "k.key")])).code).toBe(0);
    const replay = join(run, "devices.json");
    writeFileSync(replay, JSON.stringify({ observations: [] }));
    const config = agentConfig(run, replay, [`  file: ${file}`, "  trustedKeys:", `    - ${publicKey}`]);
    const status = () => statusOf(config);
    agent = forkEca(["run", "--config", config]);
    await until(async () => (await status()).document.running === true, "the agent to answer");
    const first = await status();
    expect(first.document.policy.version).toBe("2");
    expect(first.document.policy.problem).toBeUndefined();
    expect(first.code).toBe(0);

    // The attacker (or a stale MDM push) puts the older, validly signed policy back.
    // Policy and signature are two writes: a scan between them sees a mismatch first, then this.
    writeFileSync(`${file}.sig`, readFileSync(`${older}.sig`));
    writeSigned(file, readFileSync(older, "utf8"));
    await until(
      async () => String((await status()).document.policy?.problem).includes("older policy never replaces"),
      "the refusal",
    );
    const refused = await status();
    expect(refused.document.policy.version).toBe("2");
    expect(refused.document.policy.problem).toContain("an older policy never replaces a newer one");
    expect(refused.document.findings.map((f: { rule: string }) => f.rule)).toEqual(["policy-untrusted"]);
    expect(refused.code).toBe(1);
    const text = await eca(["status", "--config", config]);
    expect(text.stdout).toContain("! ");
    expect(text.stdout).toContain("an older policy never replaces a newer one");

    await expectOpenedOnce("policy-untrusted");
    await stopAgent();
  }, 60_000);

  it("approval-expiring: status stays compliant (exit 0), shows the warning, and it is sent centrally once", async () => {
    const run = join(dir, "expiring");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(run, { recursive: true });
    const today = new Date();
    const inTenDays = new Date(today.getTime() + 10 * 86_400_000).toISOString().slice(0, 10);
    const policy = join(run, "policy.yaml");
    writeFileSync(
      policy,
      [
        "approvals:",
        "  - reference: SNOW-60",
        "    kind: accessibility",
        "    for: Sam Jones",
        "    approvedBy: Jane Smith",
        `    approvedOn: ${today.toISOString().slice(0, 10)}`,
        `    expiresOn: ${inTenDays}`,
        `    hosts: [{ hostname: "${hostname()}" }]`,
        '    match: { vendorId: "17ef", productId: "6047" }',
      ].join("\n"),
    );
    const replay = join(run, "devices.json");
    writeFileSync(
      replay,
      JSON.stringify({
        observations: [
          {
            bus: "usb",
            source: "replay",
            id: "usb:17ef:6047:KB1",
            vendorId: "17ef",
            productId: "6047",
            serial: "KB1",
            product: "ThinkPad Keyboard",
            interfaces: [{ class: "03", subclass: "01", protocol: "01" }],
            portPath: "1-2",
            parents: ["usb1"],
            isRootHub: false,
            removable: "removable",
            connectType: "hotplug",
          },
        ],
      }),
    );
    const config = agentConfig(run, replay, [`  file: ${policy}`, "  expiringDays: 14"]);
    agent = forkEca(["run", "--config", config]);
    const status = () => statusOf(config);
    await until(async () => (await status()).document.running === true, "the agent to answer");
    const answer = await status();
    expect(answer.code).toBe(0);
    expect(answer.document.compliant).toBe(true);
    expect(answer.document.findings.map((f: { rule: string }) => f.rule)).toEqual(["approval-expiring"]);
    expect(answer.document.devices[0].verdict).toBe("exempt");
    await expectOpenedOnce("approval-expiring");
    await stopAgent();
  }, 60_000);

  it("policy.url: downloads the signed policy through the endpoint's CA and client certificate, and keeps it when the server goes away", async () => {
    const run = join(dir, "url");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(run, { recursive: true });
    const key = makeKey();
    const server = await startPolicyServer(pki);
    try {
      server.publish("/policy.signed.json", bundleText(signedPolicy("8", "2026-11-08T00:00:00Z"), key));
      const replay = join(run, "devices.json");
      writeFileSync(replay, JSON.stringify({ observations: [] }));
      const config = agentConfig(run, replay, [
        `  url: ${server.url}/policy.signed.json`,
        "  trustedKeys:",
        `    - ${key.publicKey}`,
      ]);
      const status = async () => (await statusOf(config)).document;
      const start = () => {
        return forkEca(["run", "--config", config]);
      };
      agent = start();
      await until(async () => (await status()).running === true, "the agent to answer");
      const first = await status();
      expect(first.policy).toMatchObject({ version: "8", source: `${server.url}/policy.signed.json` });
      expect(first.policy.problem).toBeUndefined();
      expect(server.requests.at(-1)).toMatchObject({ status: 200, clientCert: true });

      // Restarted with the server down: the kept download is verified again and enforced.
      await agent.stop();
      await server.down();
      agent = start();
      await until(async () => (await status()).running === true, "the agent to answer again");
      const again = await status();
      expect(again.policy.version).toBe("8");
      expect(again.policy.problem).toBeUndefined();
      expect(again.findings).toEqual([]);
      await stopAgent();
    } finally {
      await server.close().catch(() => undefined);
    }
  }, 60_000);
});
