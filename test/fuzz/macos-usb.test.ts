// Seeded, time-bounded fuzzing of the macOS parsers and the capture manifest on mutated recordings:
// ioreg text never throws; system_profiler and plist parsers throw only Errors (the probe turns those
// into "unavailable"); a manifest is either accepted or refused with a DocumentError. Reproduce a
// failure with FUZZ_SEED=<seed printed in the message>; FUZZ_MS sets each fuzzer's time.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DocumentError } from "../../policy/document.ts";
import { readCaptureManifest } from "../../probes/capture/manifest.ts";
import { parseIoregUsb } from "../../probes/macos/ioreg-parse.ts";
import {
  parseSpUsbHostJson,
  parseSpUsbJson,
  parseSpUsbXml,
} from "../../probes/macos/system-profiler-usb-parse.ts";
import { macosUsbObservations } from "../../probes/macos/usb-observations.ts";
import { forBudget, fuzzBudgetMs, type Random, seededRandom } from "./random.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const T2 = join(FIXTURES, "captures/mac-intel-t2-keyboard-hub");
const TAHOE = join(FIXTURES, "captures/mac-tahoe-iphone-stick");
const read = (path: string) => readFileSync(path, "utf8");
const BUDGET_MS = fuzzBudgetMs(1_500);

const NASTY = [
  "",
  "\u0000",
  "+-o ",
  '"',
  "=",
  "{",
  "}",
  "<",
  ">",
  "</dict>",
  "<key>",
  "\n",
  "|",
  "0x",
  "99999999999999999999",
  "-1",
  "Yes",
  "@",
  "  ",
];

function mutate(text: string, random: Random): string {
  const next = random.next;
  let out = text;
  const steps = 1 + Math.floor(next() * 6);
  for (let step = 0; step < steps; step++) {
    const at = Math.floor(next() * (out.length + 1));
    const choice = next();
    if (choice < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 40));
    else if (choice < 0.6)
      out = out.slice(0, at) + (NASTY[Math.floor(next() * NASTY.length)] ?? "") + out.slice(at);
    else if (choice < 0.8) out = out.slice(0, at);
    else {
      const lines = out.split("\n");
      const i = Math.floor(next() * lines.length);
      const j = Math.floor(next() * lines.length);
      [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
      out = lines.join("\n");
    }
  }
  return out;
}

function fuzz(name: string, inputs: string[], check: (text: string) => void): void {
  it(`${name} (${BUDGET_MS} ms)`, async () => {
    const random = seededRandom(`macos-usb fuzz: ${name}`);
    const cases = await forBudget(BUDGET_MS, (iteration) => {
      const input = mutate(random.pick(inputs), random);
      try {
        check(input);
      } catch (error) {
        throw new Error(
          `case ${iteration} (FUZZ_SEED=${random.seed}): ${(error as Error).message}\n--- input ---\n${input.slice(0, 2000)}`,
        );
      }
    });
    expect(cases).toBeGreaterThan(10);
  });
}

const onlyErrors = (parse: (text: string) => unknown) => (text: string) => {
  try {
    parse(text);
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`threw a non-Error: ${String(error)}`);
  }
};

describe("fuzzing the macOS parsers", () => {
  const ioreg = [read(join(T2, "ioreg-usb.txt")), read(join(FIXTURES, "macos/ioservice-iphone.txt"))];
  const interfaces = read(join(T2, "ioreg-usb-interfaces.txt"));
  fuzz("ioreg text never throws, and every observation keeps its shape", ioreg, (text) => {
    for (const observation of macosUsbObservations(parseIoregUsb(text, interfaces))) {
      if (
        typeof observation.id !== "string" ||
        !Array.isArray(observation.interfaces) ||
        !Array.isArray(observation.parents)
      )
        throw new Error("malformed observation");
      if (observation.vendorId !== undefined && !/^[0-9a-f]{4}$/.test(observation.vendorId))
        throw new Error(`vendorId ${observation.vendorId}`);
    }
  });
  fuzz(
    "system_profiler -json throws only Errors",
    [read(join(T2, "system_profiler-SPUSBDataType.json"))],
    onlyErrors(parseSpUsbJson),
  );
  fuzz(
    "SPUSBHostDataType throws only Errors",
    [read(join(TAHOE, "system_profiler-SPUSBHostDataType.json"))],
    onlyErrors(parseSpUsbHostJson),
  );
  fuzz(
    "system_profiler -xml throws only Errors",
    [read(join(FIXTURES, "macos/system_profiler-SPUSBDataType-10.11.xml"))],
    onlyErrors(parseSpUsbXml),
  );
  const directory = mkdtempSync(join(tmpdir(), "eca-fuzz-manifest-"));
  fuzz(
    "a capture manifest is accepted or refused with a DocumentError",
    [read(join(T2, "manifest.json"))],
    (text) => {
      writeFileSync(join(directory, "manifest.json"), text);
      try {
        readCaptureManifest(directory);
      } catch (error) {
        if (!(error instanceof DocumentError))
          throw new Error(`not a DocumentError: ${(error as Error).message}`);
      }
    },
  );
});
