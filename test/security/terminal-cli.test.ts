// Regression, forked: a Bluetooth name with ESC[2J cleared the screen of whoever ran `eca scan`,
// and U+202E in a USB product string reordered the line. --json keeps the real strings.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runEcaSync } from "../helpers/eca-cli.ts";

const NAME = "Headset\u001b[2J\u009b31m\u202eevil\u2066";
const PRODUCT = "Ultra\u202efdp.exe\u0007";
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const TERMINAL_ACTS_ON = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function scan(json: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "eca-terminal-"));
  const replay = join(dir, "devices.json");
  writeFileSync(
    replay,
    JSON.stringify({
      observations: [
        {
          bus: "bluetooth",
          source: "replay",
          id: "bt:00:11:22:33:44:55",
          address: "00:11:22:33:44:55",
          name: NAME,
          classOfDevice: 0x240404,
          uuids: [],
          paired: true,
          bonded: true,
          connected: true,
        },
        {
          bus: "usb",
          source: "replay",
          id: "usb:0781:5581:X",
          vendorId: "0781",
          productId: "5581",
          serial: "X\u001b]0;pwned\u0007",
          manufacturer: "SanDisk",
          product: PRODUCT,
          interfaces: [{ class: "08", subclass: "06", protocol: "50" }],
          portPath: "1-2",
          parents: ["usb1"],
          isRootHub: false,
          removable: "removable",
        },
      ],
    }),
  );
  return runEcaSync(["scan", ...(json ? ["--json"] : []), "--replay", replay]);
}

it("eca scan prints hostile device names without the characters a terminal acts on", () => {
  const result = scan(false);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain("Headset[2J");
  expect(result.stdout).not.toMatch(TERMINAL_ACTS_ON);
});

it("eca scan --json keeps the real names, escaped so a terminal does not act on them", () => {
  const result = scan(true);
  expect(result.code).toBe(1);
  expect(result.stdout).not.toMatch(TERMINAL_ACTS_ON);
  const report = JSON.parse(result.stdout) as { devices: { name: string }[] };
  const names = report.devices.map((d) => d.name);
  expect(names).toContain(NAME);
  expect(names.some((n) => n.includes(PRODUCT))).toBe(true);
});
