// Seeded, time-bounded fuzzing of the Windows parsers: the recorded listings mutated (properties
// dropped, retyped, truncated, Parent chains rewired into loops, ids garbled) must never make a
// parser throw anything but its own document error, and every observation must keep the shape
// classification relies on. A failure prints the seed and round to replay it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyAll } from "../probes/classify/classify.ts";
import {
  BluetoothRegistryError,
  bluetoothObservationsFromWindows,
  parseBluetoothRegistry,
} from "../probes/windows/bluetooth-parse.ts";
import { PnpDocumentError, parsePnpDocument } from "../probes/windows/pnp-document.ts";
import { usbObservationsFromPnp } from "../probes/windows/pnp-parse.ts";
import { mulberry32 } from "./helpers/mulberry32.ts";

const CAPTURES = join(import.meta.dirname, "fixtures/captures");
const FOLDERS = ["win-lenovo-p52-intel", "win-thinkpad-amd", "win-dell-renesas"];
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const BUDGET_MS = 2_000;

const ODD_VALUES: unknown[] = [
  null,
  "",
  0,
  -1,
  2 ** 53,
  true,
  "\u0000\uFFFD",
  [],
  {},
  ["\\"],
  "USB\\",
  "{",
  "&&&",
];

function mutate(value: unknown, next: () => number, ids: string[]): unknown {
  if (!Array.isArray(value)) return value;
  const copy = structuredClone(value) as Record<string, unknown>[];
  const rounds = 1 + Math.floor(next() * 8);
  for (let round = 0; round < rounds; round++) {
    const target = copy[Math.floor(next() * copy.length)];
    if (!target || typeof target !== "object") continue;
    const keys = Object.keys(target);
    const key = keys[Math.floor(next() * keys.length)] ?? "InstanceId";
    const choice = next();
    if (choice < 0.25) delete target[key];
    else if (choice < 0.5) target[key] = ODD_VALUES[Math.floor(next() * ODD_VALUES.length)];
    else if (choice < 0.7) target.Parent = ids[Math.floor(next() * ids.length)];
    else if (choice < 0.85 && typeof target[key] === "string") {
      const text = target[key] as string;
      target[key] = text.slice(0, Math.floor(next() * text.length));
    } else copy.push(structuredClone(target));
  }
  return copy;
}

describe("the Windows parsers under mutation", () => {
  it(`never throw, and keep the observation shape (seed ${SEED})`, () => {
    const next = mulberry32(SEED);
    const began = Date.now();
    let round = 0;
    while (Date.now() - began < BUDGET_MS) {
      round++;
      const folder = FOLDERS[round % FOLDERS.length] ?? FOLDERS[0];
      const pnp = JSON.parse(readFileSync(join(CAPTURES, `${folder}/pnp-devices.json`), "utf8")) as {
        InstanceId: string;
      }[];
      const registry = JSON.parse(
        readFileSync(join(CAPTURES, `${folder}/bluetooth-registry.json`), "utf8"),
      ) as unknown;
      const ids = pnp.map((node) => node.InstanceId);
      let pnpText = JSON.stringify(mutate(pnp, next, ids));
      if (next() < 0.05) pnpText = pnpText.slice(0, Math.floor(next() * pnpText.length));
      const registryText = JSON.stringify(
        next() < 0.5 ? registry : { Devices: mutate((registry as { Devices: unknown }).Devices, next, []) },
      );
      try {
        const document = parsePnpDocument(pnpText);
        const { observations } = usbObservationsFromPnp(document.devices, document.propertyWarnings);
        const { registry: parsed } = parseBluetoothRegistry(registryText);
        const bluetooth = bluetoothObservationsFromWindows(document.devices, parsed).observations;
        for (const observation of observations) {
          expect(typeof observation.id).toBe("string");
          expect(Array.isArray(observation.interfaces) && Array.isArray(observation.parents)).toBe(true);
          for (const usbInterface of observation.interfaces)
            expect(usbInterface.class).toMatch(/^[0-9a-f]{2}$/);
        }
        for (const device of bluetooth) expect(device.address).toMatch(/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
        classifyAll([...observations, ...bluetooth]);
      } catch (error) {
        if (error instanceof PnpDocumentError || error instanceof BluetoothRegistryError) continue;
        throw new Error(`seed ${SEED}, round ${round} (${folder}): ${(error as Error).stack}`);
      }
    }
    expect(round).toBeGreaterThan(10);
  });
});
