// Regression, end to end with forked processes: a password in the endpoint URL was logged at
// start-up ("eca running"), shown by `eca status` and printed by `eca config check`; device names
// went to journald as they are. Now credentials are hidden everywhere and names stay out of the log.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEca as eca, type ForkedEca, forkEca } from "../helpers/eca-cli.ts";

const SECRET = "s3cret-Pa55";

describe("credentials in the endpoint URL", () => {
  let dir = "";
  let configFile = "";
  let socket = "";
  let agent: ForkedEca | undefined;
  const agentLog = () => agent?.output() ?? "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "eca-creds-"));
    socket = join(dir, "run", "eca.sock");
    const replayFile = join(dir, "devices.json");
    writeFileSync(
      replayFile,
      JSON.stringify({
        observations: [
          {
            bus: "bluetooth",
            source: "replay",
            id: "bt:00:1E:AE:12:34:56",
            address: "00:1E:AE:12:34:56",
            name: "Jane Smith's VW\u001b[2J",
            classOfDevice: 0x240420,
            uuids: ["0000111e-0000-1000-8000-00805f9b34fb"],
            paired: true,
            bonded: true,
            connected: false,
          },
        ],
      }),
    );
    configFile = join(dir, "config.yaml");
    writeFileSync(
      configFile,
      [
        "endpoint:",
        // Nothing listens there: delivery fails, which is all the better for lastError.
        `  url: https://eca:${SECRET}@127.0.0.1:9/eca/events?token=${SECRET}`,
        `stateDir: ${join(dir, "state")}`,
        `socketPath: ${socket}`,
        `replayFile: ${replayFile}`,
        "pollIntervalSeconds: 3600",
      ].join("\n"),
    );
    const started = forkEca(["run", "--config", configFile], { env: { ECA_LOG_LEVEL: "info" } });
    agent = started;
    const deadline = Date.now() + 15_000;
    while (!started.output().includes('"msg":"eca running"')) {
      if (Date.now() > deadline) throw new Error(`eca run did not start:\n${started.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it("the start-up log line hides the password and the token", () => {
    expect(agentLog()).not.toContain(SECRET);
    const running =
      agentLog()
        .split("\n")
        .find((l) => l.includes('"msg":"eca running"')) ?? "{}";
    expect((JSON.parse(running) as { endpoint: string }).endpoint).toBe(
      "https://***:***@127.0.0.1:9/eca/events?token=***",
    );
  });

  it("device names stay out of warn-level logs by default; the finding id says which device", () => {
    const opened =
      agentLog()
        .split("\n")
        .find((l) => l.includes('"msg":"finding opened"')) ?? "{}";
    expect(JSON.parse(opened)).not.toHaveProperty("device");
    expect(JSON.parse(opened)).toHaveProperty("finding");
    expect(agentLog()).not.toContain("Jane Smith");
  });

  it("eca status and eca status --json hide them", async () => {
    for (const args of [["status"], ["status", "--json"]]) {
      const result = await eca([...args, "--config", configFile]);
      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain(SECRET);
      expect(result.stdout).toContain("***");
    }
  });

  it("eca status shows the device name without the escape sequence that cleared the screen", async () => {
    const result = await eca(["status", "--config", configFile]);
    expect(result.stdout).toContain("Jane Smith's VW[2J");
    expect(result.stdout).not.toContain("\u001b");
  });

  it("eca config check hides them", async () => {
    const result = await eca(["config", "check", configFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stdout).toContain("https://***:***@127.0.0.1:9/eca/events?token=***");
  });

  it("a start-up error naming the endpoint hides them", async () => {
    const result = await eca([
      "run",
      "--config",
      configFile,
      "--endpoint",
      `http://eca:${SECRET}@collector.example/events`,
      "--state-dir",
      join(dir, "state-2"),
      "--socket",
      join(dir, "run-2", "eca.sock"),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("endpoint must be https");
    expect(result.stderr).not.toContain(SECRET);
  });
});
