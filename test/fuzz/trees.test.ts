// Fuzzing the file trees the Linux probes read through --root: sysfs trees made from the umockdev
// recordings with their attributes mutated and hostile files planted, and BlueZ store trees of
// random info files. Whatever the tree: the probe never throws, never hangs, reads nothing whole
// that is not bounded, reports what it could not read with the path, and the scan is judged.
//
// Links planted here only ever point inside the tree, at /dev/zero or /dev/null: never at other
// device nodes, whose opening can have effects (a watchdog).

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { judgeSnapshot } from "../../agent/scan.ts";
import { builtInPolicy } from "../../policy/load.ts";
import { createBluezStoreProbe } from "../../probes/linux/bluez-store.ts";
import { createLinuxUsbProbe } from "../../probes/linux/usb-sysfs.ts";
import type { Snapshot } from "../../probes/types.ts";
import { parseRecording, type RecordedDevice, writeTree } from "../tools/umockdev-to-tree.ts";
import { forBudget, fuzzBudgetMs, type Random, seededRandom } from "./random.ts";

const REPO = join(import.meta.dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "eca-fuzz-trees-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const recordings = [
  "laptop-with-phone-and-stick",
  "laptop-approved-keyboard",
  "garbled-attributes",
  "umockdev-kinesis-keyboard",
  "umockdev-sony-xperia-mini-pro",
].map((name) => parseRecording(readFileSync(join(REPO, "test/fixtures/usb", `${name}.umockdev`), "latin1")));

const ATTRIBUTE_VALUES = [
  "",
  "\n",
  "zzzz\n",
  "0x046d\n",
  "046d",
  "ffff\n",
  "-1\n",
  "99999999999999999999\n",
  "480\n",
  "1.5\n",
  "removable\n",
  "fixed\n",
  "hotplug\n",
  "source [sink]\n",
  "[source] sink\n",
  "\u0000\u0000",
  "DEVTYPE=usb_device\nPRODUCT=46d/c31c/6400\nTYPE=0/0/0\n",
  "PRODUCT=zz/zz/zz\n",
  "MODALIAS=usb:v\n",
  "usb:v046DpC31Cd6400dc00dsc00dp00ic03isc01ip01in00\n",
  "\u202eevil\u202c\n",
  "\u001b[2Jname\n",
];

function mutateRecording(devices: RecordedDevice[], random: Random): RecordedDevice[] {
  return devices.map((device) => ({
    ...device,
    attributes: device.attributes
      .filter(() => !random.chance(0.05))
      .map((attribute) => {
        if (!random.chance(0.15)) return attribute;
        const value = random.chance(0.5)
          ? random.pick(ATTRIBUTE_VALUES)
          : random.chance(0.9)
            ? random.text(random.int(40))
            : "x".repeat(100_000);
        return { name: attribute.name, value: Buffer.from(value) };
      }),
    properties: device.properties.map((line) =>
      random.chance(0.1) ? random.pick(ATTRIBUTE_VALUES).trim() : line,
    ),
  }));
}

/** Replaces some files of the written tree with hostile ones: a FIFO, a link to /dev/zero, a loop. */
function plantHostileFiles(root: string, devices: RecordedDevice[], random: Random): void {
  for (let n = random.int(4); n > 0; n--) {
    const device = random.pick(devices);
    const attribute = device.attributes.length > 0 ? random.pick(device.attributes) : undefined;
    if (!attribute || attribute.name.includes("/")) continue;
    const path = join(root, "sys", device.path, attribute.name);
    rmSync(path, { recursive: true, force: true });
    switch (random.int(5)) {
      case 0:
        execFileSync("mkfifo", [path]);
        break;
      case 1:
        symlinkSync("/dev/zero", path);
        break;
      case 2:
        symlinkSync(path, path); // a link to itself: ELOOP
        break;
      case 3:
        mkdirSync(path);
        break;
      default:
        symlinkSync("/dev/null", path);
    }
  }
}

/** What must hold for any snapshot of any tree. */
function expectSound(snapshot: Snapshot, root: string): void {
  for (const observation of snapshot.observations) {
    expect(typeof observation.id).toBe("string");
    expect(["usb", "bluetooth"]).toContain(observation.bus);
  }
  for (const entry of snapshot.unavailable) {
    expect(entry.reason).not.toBe("");
    // The reason names the place that could not be read.
    expect(entry.reason).toContain(root);
  }
  const report = judgeSnapshot(snapshot, builtInPolicy(), new Date("2026-11-01T00:00:00Z"), "fuzz", [
    "linux-sysfs",
    "bluez-store",
  ]);
  expect(typeof report.compliant).toBe("boolean");
  for (const finding of report.findings) expect(finding.rule).not.toBe("");
}

describe("fuzz: sysfs trees", () => {
  it("mutated umockdev recordings with hostile files: the probe reports, never throws or hangs", async () => {
    const random = seededRandom("trees/sysfs");
    const runs = await forBudget(fuzzBudgetMs(), async (iteration) => {
      const root = join(scratch, `sysfs-${iteration}`);
      const devices = mutateRecording(random.pick(recordings), random);
      await writeTree(devices, root);
      plantHostileFiles(root, devices, random);
      const probe = createLinuxUsbProbe({ root });
      try {
        expectSound(await probe.snapshot(), root);
      } finally {
        await probe.stop();
        rmSync(root, { recursive: true, force: true });
      }
    });
    console.log(`trees/sysfs: ${runs} trees`);
  });
});

const GROUPS = ["General", "DeviceID", "LinkKey", "LongTermKey", "ConnectionParameters", "", "General\u0000"];
const INFO_KEYS = [
  "Name",
  "Alias",
  "Class",
  "Appearance",
  "Services",
  "AddressType",
  "Trusted",
  "Blocked",
  "Key",
  "Vendor",
  "Product",
  "Version",
  "Source",
  "SupportedTechnologies",
  "Profiles",
];
const INFO_VALUES = [
  "0x240404",
  "0x240420",
  "0x0580",
  "0x03C1",
  "0xffffffff",
  "true",
  "false",
  "static",
  "public",
  "0000110b-0000-1000-8000-00805f9b34fb;0000111e-0000-1000-8000-00805f9b34fb;",
  "not-a-uuid;",
  "1",
  "2",
  "-1",
  "MY VW 4821",
  "\u001b[2J",
  "\u202eevil",
  "",
];

function randomInfo(random: Random): string {
  const lines: string[] = [];
  for (let n = random.int(30); n > 0; n--) {
    const roll = random.int(10);
    if (roll === 0) lines.push(`[${random.pick(GROUPS)}]`);
    else if (roll === 1) lines.push(random.text(random.int(80)));
    else
      lines.push(
        `${random.pick(INFO_KEYS)}=${random.chance(0.8) ? random.pick(INFO_VALUES) : random.text(random.int(30))}`,
      );
  }
  return `${lines.join(random.chance(0.8) ? "\n" : "\r\n")}\n`;
}

const address = (random: Random) =>
  Array.from({ length: 6 }, () => random.int(256).toString(16).padStart(2, "0").toUpperCase()).join(":");

function writeStore(root: string, random: Random): void {
  const store = join(root, "var/lib/bluetooth");
  mkdirSync(store, { recursive: true });
  for (let a = 1 + random.int(2); a > 0; a--) {
    const adapter = join(store, random.chance(0.9) ? address(random) : random.text(5, "abc:"));
    mkdirSync(adapter, { recursive: true });
    if (random.chance(0.3)) writeFileSync(join(adapter, "settings"), randomInfo(random));
    for (let d = random.int(6); d > 0; d--) {
      const device = join(adapter, random.chance(0.9) ? address(random) : "cache");
      mkdirSync(device, { recursive: true });
      const info = join(device, "info");
      rmSync(info, { recursive: true, force: true }); // the same address drawn twice
      switch (random.int(12)) {
        case 0:
          execFileSync("mkfifo", [info]);
          break;
        case 1:
          symlinkSync("/dev/zero", info);
          break;
        case 2:
          mkdirSync(info);
          break;
        case 3:
          writeFileSync(info, `[General]\nName=${"x".repeat(70 * 1024)}\n`);
          break;
        case 4:
          break; // a device directory with no info file
        default:
          writeFileSync(info, randomInfo(random));
      }
    }
  }
}

describe("fuzz: BlueZ store trees", () => {
  it("random info files and hostile entries: the store probe reports, never throws or hangs", async () => {
    const random = seededRandom("trees/bluez-store");
    const runs = await forBudget(fuzzBudgetMs(), async (iteration) => {
      const root = join(scratch, `store-${iteration}`);
      writeStore(root, random);
      try {
        expectSound(await createBluezStoreProbe({ root }).snapshot(), root);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
    console.log(`trees/bluez-store: ${runs} trees`);
  });
});
