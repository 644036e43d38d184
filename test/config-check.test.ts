// `eca config check` follows what the configuration names: policy, token, CA, certificate and key
// files, the endpoint URL and the backends. Each problem names its place and the fix.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../agent/config/config.ts";
import { checkConfigReferences } from "../agent/config/references.ts";
import { runEca } from "./helpers/eca-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "eca-config-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function certificate(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

async function problems(yaml: string): Promise<{ path: string; message: string; hint?: string }[]> {
  return checkConfigReferences(await loadConfig(file("c.yaml", yaml)));
}

describe("config check follows what the configuration names", () => {
  const client = certificate("client");
  const other = certificate("other");
  const token = file("token", "s3cret\n");

  it("a configuration whose files all exist and fit passes", async () => {
    expect(
      await problems(
        `endpoint:\n  url: https://127.0.0.1:8443/x\n  tokenFile: ${token}\n  caFile: ${other.cert}\n  certFile: ${client.cert}\n  keyFile: ${client.key}\n`,
      ),
    ).toEqual([]);
  });

  it("config check names a missing token file at endpoint.tokenFile with what to fill in", async () => {
    const [problem] = await problems(
      `endpoint:\n  url: https://127.0.0.1/x\n  tokenFile: ${join(dir, "none")}\n`,
    );
    expect(problem).toMatchObject({
      path: "endpoint.tokenFile",
      message: expect.stringContaining("does not exist"),
    });
    expect(problem?.hint).toContain("bearer token");
  });

  it("an empty token file is a problem", async () => {
    const [problem] = await problems(
      `endpoint:\n  url: https://127.0.0.1/x\n  tokenFile: ${file("empty", "\n")}\n`,
    );
    expect(problem).toMatchObject({ path: "endpoint.tokenFile", message: expect.stringContaining("empty") });
  });

  it("config check refuses a CA file that is not PEM", async () => {
    const [problem] = await problems(`endpoint:\n  url: https://127.0.0.1/x\n  caFile: ${token}\n`);
    expect(problem).toMatchObject({
      path: "endpoint.caFile",
      message: expect.stringContaining("no PEM certificate"),
    });
  });

  it("a garbled PEM certificate is a problem", async () => {
    const garbled = file(
      "garbled.pem",
      "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    );
    const [problem] = await problems(`endpoint:\n  url: https://127.0.0.1/x\n  caFile: ${garbled}\n`);
    expect(problem).toMatchObject({
      path: "endpoint.caFile",
      message: expect.stringContaining("cannot be parsed"),
    });
  });

  it("a certificate without its key, and a key of another certificate, are problems", async () => {
    expect(
      (await problems(`endpoint:\n  url: https://127.0.0.1/x\n  certFile: ${client.cert}\n`))[0],
    ).toMatchObject({
      path: "endpoint.keyFile",
    });
    const [problem] = await problems(
      `endpoint:\n  url: https://127.0.0.1/x\n  certFile: ${client.cert}\n  keyFile: ${other.key}\n`,
    );
    expect(problem).toMatchObject({
      path: "endpoint.keyFile",
      message: expect.stringContaining("does not belong"),
    });
  });

  it("a key file holding a certificate is a problem", async () => {
    const [problem] = await problems(
      `endpoint:\n  url: https://127.0.0.1/x\n  certFile: ${client.cert}\n  keyFile: ${client.cert}\n`,
    );
    expect(problem).toMatchObject({
      path: "endpoint.keyFile",
      message: expect.stringContaining("no PEM private key"),
    });
  });

  it("config check refuses plain http to another machine, and a URL without a host", async () => {
    expect((await problems("endpoint:\n  url: http://collector.gov.uk/x\n"))[0]).toMatchObject({
      path: "endpoint.url",
      message: expect.stringContaining("not https"),
    });
    expect(await problems("endpoint:\n  url: http://127.0.0.1:8080/x\n")).toEqual([]);
    expect((await problems("endpoint:\n  url: https://\n"))[0]?.path).toBe("endpoint.url");
  });

  it("config check names an unknown backend by its place", async () => {
    const [problem] = await problems("backends: [linux-sysfs, bluez-dbuss]\n");
    expect(problem).toMatchObject({ path: "backends[1]", message: expect.stringContaining('"bluez-dbuss"') });
    expect(problem?.hint).toContain("bluez-dbus");
  });

  it("an empty backends list is refused by the schema", async () => {
    const error = await loadConfig(file("e.yaml", "backends: []\n")).catch((e: unknown) => e);
    expect(String(error)).toContain("backends: is an empty list");
  });

  it("config check validates the policy file as policy check does", async () => {
    const policy = file("policy.yaml", "approvedDevice: []\n");
    const [problem] = await problems(`policyFile: ${policy}\n`);
    expect(problem).toMatchObject({
      path: "policyFile",
      message: expect.stringContaining("approvedDevice: is not a known setting"),
    });
  });
});

describe("eca config check on the shipped example", () => {
  it("says plainly what to fill in: the collector URL and the token file", async () => {
    const result = await runEca(["config", "check", "packaging/config.example.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("endpoint.url: still names the example collector");
    expect(result.stderr).toContain("endpoint.tokenFile: names /etc/eca/token");
  });
});
