import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../agent/config/config.ts";
import { DocumentError } from "../policy/document.ts";

const dir = mkdtempSync(join(tmpdir(), "eca-config-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("agent configuration", () => {
  it("loads the shipped example", async () => {
    const config = await loadConfig(join(import.meta.dirname, "../packaging/config.example.yaml"));
    expect(config.endpoint).toMatchObject({
      url: "https://collector.example.gov.uk/eca/events",
      format: "ocsf",
    });
    expect(config.pollIntervalSeconds).toBe(60);
  });

  it("lets flags override the file, and defaults the endpoint format to ocsf", async () => {
    const path = file("a.yaml", "stateDir: /tmp/a\npollIntervalSeconds: 30\n");
    const config = await loadConfig(path, { pollIntervalSeconds: 1, endpointUrl: "https://127.0.0.1:9/x" });
    expect(config).toMatchObject({ stateDir: "/tmp/a", pollIntervalSeconds: 1, source: path });
    expect(config.endpoint).toEqual({ url: "https://127.0.0.1:9/x", format: "ocsf" });
  });

  it("names every problem with its place and the fix", async () => {
    const path = file("bad.yaml", 'endpoint:\n  url: ftp://x\npollIntervalSeconds: "5"\nstatedir: /x\n');
    const error = (await loadConfig(path).catch((e: unknown) => e)) as DocumentError;
    expect(error).toBeInstanceOf(DocumentError);
    expect(error.problems.map((p) => p.path)).toEqual(["endpoint.url", "pollIntervalSeconds", "statedir"]);
    expect(error.message).toContain(
      "statedir: is not a known setting (fix: check the spelling; known here: endpoint, stateDir",
    );
  });

  it("refuses a --config file that does not exist, but runs on defaults when the platform file is absent", async () => {
    const error = (await loadConfig(join(dir, "missing.yaml")).catch((e: unknown) => e)) as DocumentError;
    expect(error.message).toContain("is missing (fix: ");
    if (!existsSync("/etc/eca/config.yaml")) {
      const config = await loadConfig(undefined);
      expect(config.source).toBe("defaults");
      expect(config.stateDir).toBe("/var/lib/eca");
    }
  });
});
