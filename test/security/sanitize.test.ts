// Device strings are chosen by whoever named the device: what reaches a terminal must not act on it.

import { describe, expect, it } from "vitest";
import { renderDevices, renderFinding } from "../../agent/cli/render.ts";
import { renderStatus } from "../../agent/cli/status-command.ts";
import type { DaemonStatus } from "../../agent/daemon/status-types.ts";
import { jsonForTerminal, sanitizeForTerminal } from "../../agent/text/sanitize.ts";
import type { DeviceVerdict, Finding } from "../../policy/types.ts";

const CLEAR_SCREEN = "\x1b[2J";
const RLO = "\u202e";
/** Every character class the sanitizer must remove: C0, DEL, C1 (incl. one-byte CSI), bidi. */
const HOSTILE = `${CLEAR_SCREEN}\x07\x08\x7f\u0085\u009b31m${RLO}\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function hostileDevice(name: string): DeviceVerdict {
  return {
    bus: "bluetooth",
    id: "bt:00:11:22:33:44:55",
    address: `00:11:22:33:44:55${RLO}`,
    name,
    kind: "headset",
    builtIn: false,
    verdict: "violation",
    reason: `not approved ${CLEAR_SCREEN}`,
    findings: [],
  } as unknown as DeviceVerdict;
}

describe("sanitizeForTerminal", () => {
  it("a Bluetooth name with ESC[2J no longer clears the screen", () => {
    expect(sanitizeForTerminal(`Jane's headset${CLEAR_SCREEN}`)).toBe("Jane's headset[2J");
  });

  it("removes C0 and C1 controls, DEL and every bidi override, embedding, isolate and mark", () => {
    const out = sanitizeForTerminal(`a${HOSTILE}b`);
    expect(out).not.toMatch(UNSAFE);
    expect(out).toBe("a[2J 31mb");
  });

  it("a USB product string with U+202E no longer reverses what follows on screen", () => {
    expect(sanitizeForTerminal(`invoice${RLO}fdp.exe`)).toBe("invoicefdp.exe");
  });

  it("line breaks and tabs become spaces, so a name never spans rows", () => {
    expect(sanitizeForTerminal("two\nlines\r\tand\u2028more")).toBe("two lines  and more");
  });

  it("leaves ordinary text, accents, CJK and emoji alone", () => {
    const text = "Çédric's Ünïcode 耳机 🎧 (SanDisk Ultra)";
    expect(sanitizeForTerminal(text)).toBe(text);
  });
});

describe("jsonForTerminal", () => {
  it("keeps the real values for tools: JSON.parse gives the hostile string back byte for byte", () => {
    const value = { name: `x${HOSTILE}\u2028y`, serial: "4C530001" };
    const text = jsonForTerminal(value, 2);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("writes nothing a terminal would act on (JSON.stringify leaves C1 and bidi raw)", () => {
    const value = { name: `x${HOSTILE}` };
    expect(JSON.stringify(value)).toMatch(UNSAFE); // the reason this function exists
    expect(jsonForTerminal(value)).not.toMatch(UNSAFE);
  });
});

describe("human output", () => {
  it("renderDevices strips control characters from names, addresses and reasons", () => {
    const out = renderDevices([hostileDevice(`Headset${HOSTILE}`)]);
    expect(out.replaceAll("\n", "")).not.toMatch(UNSAFE);
    expect(out).toContain("Headset[2J");
  });

  it("renderFinding strips control characters from the device and the evidence", () => {
    const finding = {
      id: "f1",
      rule: "unapproved-peripheral",
      severity: "medium",
      title: "Unapproved peripheral",
      statement: "s",
      evidence: [`name ${CLEAR_SCREEN}`],
      remediation: "r",
      device: hostileDevice(`Headset${HOSTILE}`),
    } as unknown as Finding;
    expect(renderFinding(finding, 0).replaceAll("\n", "")).not.toMatch(UNSAFE);
  });

  it("renderStatus strips control characters from every line and hides endpoint credentials", () => {
    const status: DaemonStatus = {
      running: true,
      version: "0.1.0",
      pid: 1,
      startedAt: "2026-12-01T00:00:00.000Z",
      uptimeSeconds: 60,
      compliant: false,
      policy: { id: `p${CLEAR_SCREEN}`, version: "1", source: "built-in", digest: "d", problem: `bad${RLO}` },
      lastScan: {
        at: "2026-12-01T00:00:00.000Z",
        durationMs: 1,
        trigger: "poll",
        unavailable: [{ source: "bluez-dbus", reason: `gone${CLEAR_SCREEN}` }],
      } as DaemonStatus["lastScan"],
      devices: [hostileDevice(`Headset${HOSTILE}`)],
      findings: [],
      delivery: {
        endpoint: "https://eca:s3cret@collector.example/events?token=abc",
        outboxDepth: 0,
        lastError: "POST https://eca:s3cret@collector.example/events: 503",
        pausedForAuth: false,
        deadLetters: 0,
        droppedEvents: 0,
      },
    };
    const out = renderStatus(status, Date.parse("2026-12-01T00:01:00.000Z"));
    expect(out.replaceAll("\n", "")).not.toMatch(UNSAFE);
    expect(out).not.toContain("s3cret");
    expect(out).not.toContain("token=abc");
    expect(out).toContain("https://***:***@collector.example/events?token=***");
  });
});
