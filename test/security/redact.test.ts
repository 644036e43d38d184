// Regression: a password in the endpoint URL (https://user:pass@host) was logged at start-up and
// shown in `eca status`. Credentials never leave the process in clear.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../agent/config/config.ts";
import { shareableStatus } from "../../agent/daemon/status-socket.ts";
import type { DaemonStatus } from "../../agent/daemon/status-types.ts";
import { createLogger, deviceNameForLog, type Logger } from "../../agent/log.ts";
import { redactUrl, redactUrlsIn } from "../../agent/text/redact.ts";

describe("redactUrl", () => {
  it("hides user name and password", () => {
    expect(redactUrl("https://eca:s3cret@collector.example:8443/eca/events")).toBe(
      "https://***:***@collector.example:8443/eca/events",
    );
  });

  it("hides a token given as the user name alone", () => {
    expect(redactUrl("https://ghp_abcdef@collector.example/")).toBe("https://***@collector.example/");
  });

  it("hides query parameters named like secrets and keeps the others", () => {
    const out = redactUrl("https://c.example/e?tenant=moj&token=abc&api_key=k&sig=s&Password=p");
    expect(out).toBe("https://c.example/e?tenant=moj&token=***&api_key=***&sig=***&Password=***");
  });

  it("leaves a URL without credentials as it is", () => {
    expect(redactUrl("https://collector.example.gov.uk/eca/events")).toBe(
      "https://collector.example.gov.uk/eca/events",
    );
  });

  it("hides credentials in text that is not itself a URL", () => {
    expect(redactUrl("bad https://u:p@h/x")).toBe("bad https://***@h/x");
  });
});

describe("redactUrlsIn", () => {
  it("hides the credentials of every URL in an error message", () => {
    expect(
      redactUrlsIn("endpoint must be https: http://u:p@a.example/x and https://t@b.example/?token=z"),
    ).toBe("endpoint must be https: http://***@a.example/x and https://***@b.example/?token=***");
  });
});

describe("the status socket's answer", () => {
  it("carries the endpoint and last error without credentials", () => {
    const status = {
      delivery: {
        endpoint: "https://eca:s3cret@collector.example/events",
        lastError: "connect ECONNREFUSED (https://eca:s3cret@collector.example/events)",
        outboxDepth: 0,
        pausedForAuth: false,
        deadLetters: 0,
        droppedEvents: 0,
      },
    } as DaemonStatus;
    expect(JSON.stringify(shareableStatus(status))).not.toContain("s3cret");
  });
});

function capture(mode: "plain" | "hashed" | "off"): { logger: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const logger = createLogger("info", { deviceNames: mode, write: (line) => lines.push(line) });
  return { logger, lines: () => lines.join("").trim().split("\n") };
}

describe("log fields", () => {
  it("the start-up line carries the endpoint without its password", () => {
    const { logger, lines } = capture("hashed");
    logger.info({ endpoint: "https://eca:s3cret@collector.example/events" }, "eca running");
    expect(lines()[0]).not.toContain("s3cret");
    expect(JSON.parse(lines()[0] ?? "{}").endpoint).toBe("https://***:***@collector.example/events");
  });

  it("device names are shown clean when plain, hashed when hashed, left out when off", () => {
    const name = "Jane Smith's iPhone\u202e\x1b[2J";
    for (const mode of ["plain", "hashed", "off"] as const) {
      const { logger, lines } = capture(mode);
      logger.warn({ finding: "f1", device: name }, "finding opened");
      const line = JSON.parse(lines()[0] ?? "{}") as { device?: string };
      if (mode === "plain") expect(line.device).toBe("Jane Smith's iPhone[2J");
      if (mode === "hashed") expect(line.device).toMatch(/^h:[0-9a-f]{12}$/);
      if (mode === "off") expect(line).not.toHaveProperty("device");
    }
  });

  it("the hash is stable for one machine and differs between machines", () => {
    expect(deviceNameForLog("iPhone", "hashed", "a")).toBe(deviceNameForLog("iPhone", "hashed", "a"));
    expect(deviceNameForLog("iPhone", "hashed", "a")).not.toBe(deviceNameForLog("iPhone", "hashed", "b"));
  });

  it("C1 controls and bidi overrides in any other field are removed (JSON leaves them raw)", () => {
    const { logger, lines } = capture("plain");
    logger.warn({ source: "bluez\u009b2J\u202e", nested: { reason: "x\u0085y" } }, "probe error");
    expect(lines()[0]).not.toMatch(/[\u0080-\u009f\u202e]/);
  });
});

describe("logging.deviceNames in the configuration", () => {
  it("accepts plain, hashed and off, and names the choices for anything else", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-logging-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "logging:\n  deviceNames: plain\n");
    expect((await loadConfig(file)).logging).toEqual({ deviceNames: "plain" });
    writeFileSync(file, "logging:\n  deviceNames: yes-please\n");
    await expect(loadConfig(file)).rejects.toThrow(/logging\.deviceNames.*"plain", "hashed", "off"/s);
  });
});
