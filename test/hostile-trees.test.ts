// Hostile --root trees: every file the agent reads of an untrusted tree is bounded. A 10 MB BlueZ
// info file, one pointing at /dev/zero, a FIFO in place of an attribute, a directory with more
// entries than any real one: none is read whole, none hangs, each is reported.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseIni } from "../probes/linux/bluez-info.ts";
import { createBluezStoreProbe, MAX_INFO_BYTES } from "../probes/linux/bluez-store.ts";
import { listDirectorySync, MAX_DIRECTORY_ENTRIES, readAttribute } from "../probes/linux/sysfs-read.ts";
import { createLinuxUsbProbe } from "../probes/linux/usb-sysfs.ts";

const scratch = mkdtempSync(join(tmpdir(), "eca-hostile-tree-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ADAPTER = "00:1A:7D:DA:71:13";

function storeWithDevice(name: string, device: string): { root: string; info: string } {
  const root = join(scratch, name);
  const directory = join(root, "var/lib/bluetooth", ADAPTER, device);
  mkdirSync(directory, { recursive: true });
  return { root, info: join(directory, "info") };
}

describe("BlueZ store reads are bounded", () => {
  it("bluez info file of 10 MB is not read whole; the device is still reported", async () => {
    const { root, info } = storeWithDevice("big-info", "AA:BB:CC:DD:EE:01");
    writeFileSync(info, `[General]\nName=${"x".repeat(10 * 1024 * 1024)}\n`);
    const snapshot = await createBluezStoreProbe({ root }).snapshot();
    expect(snapshot.observations.map((o) => o.id)).toEqual(["bt:AA:BB:CC:DD:EE:01"]);
    expect(snapshot.unavailable[0]?.reason).toContain(`larger than ${MAX_INFO_BYTES} bytes`);
    expect(snapshot.unavailable[0]?.absent).toBeUndefined();
  });

  it("bluez info file pointing at /dev/zero is refused as not a regular file", async () => {
    const { root, info } = storeWithDevice("zero-info", "AA:BB:CC:DD:EE:02");
    symlinkSync("/dev/zero", info);
    const snapshot = await createBluezStoreProbe({ root }).snapshot();
    expect(snapshot.observations).toHaveLength(1);
    expect(snapshot.unavailable[0]?.reason).toContain("is not a regular file");
  });

  it("bluez info FIFO does not hang the scan", async () => {
    const { root, info } = storeWithDevice("fifo-info", "AA:BB:CC:DD:EE:03");
    execFileSync("mkfifo", [info]);
    const snapshot = await createBluezStoreProbe({ root }).snapshot();
    expect(snapshot.unavailable[0]?.reason).toContain("is not a regular file");
  });

  it("a garbage info file gives a bounded number of warnings", () => {
    const { warnings } = parseIni("garbage line\n".repeat(5000));
    expect(warnings.length).toBeLessThanOrEqual(11);
    expect(warnings.at(-1)).toBe("4990 more lines are not a [group] or key=value");
  });
});

describe("sysfs reads are bounded", () => {
  it("sysfs attribute FIFO does not hang the scan", () => {
    const fifo = join(scratch, "attribute-fifo");
    execFileSync("mkfifo", [fifo]);
    const result = readAttribute(fifo);
    expect("text" in result ? result.text : "").toBe("");
  });

  it("sysfs attribute pointing at /dev/zero reads one page at most", () => {
    const link = join(scratch, "attribute-zero");
    symlinkSync("/dev/zero", link);
    const result = readAttribute(link);
    expect("text" in result && result.text.length).toBe(4096);
  });

  it("a directory with more entries than any real one is refused, and the probe reports it", async () => {
    const root = join(scratch, "many-entries");
    const devices = join(root, "sys/bus/usb/devices");
    mkdirSync(devices, { recursive: true });
    for (let i = 0; i <= MAX_DIRECTORY_ENTRIES; i++) writeFileSync(join(devices, `x${i}`), "");
    expect(() => listDirectorySync(devices)).toThrow(`more than ${MAX_DIRECTORY_ENTRIES} entries`);
    const snapshot = await createLinuxUsbProbe({ root }).snapshot();
    expect(snapshot.unavailable[0]?.reason).toContain(`more than ${MAX_DIRECTORY_ENTRIES} entries`);
  });
});
