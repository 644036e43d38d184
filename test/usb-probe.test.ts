// The Linux USB probe's I/O against plain trees (--root): unreadable attributes, a missing sysfs,
// watching /dev/bus/usb, and the replay probe.

import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLinuxUsbProbe } from "../probes/linux/usb-sysfs.ts";
import { createReplayProbe } from "../probes/replay.ts";
import type { UsbObservation } from "../probes/types.ts";

const scratch = await mkdtemp(join(tmpdir(), "eca-usb-probe-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function makeDevice(root: string, name: string, attributes: Record<string, string>): Promise<string> {
  const directory = join(root, "sys/devices/pci0000:00/0000:00:14.0", name);
  await mkdir(directory, { recursive: true });
  for (const [attribute, value] of Object.entries(attributes))
    await writeFile(join(directory, attribute), value);
  await mkdir(join(root, "sys/bus/usb/devices"), { recursive: true });
  await symlink(`../../../devices/pci0000:00/0000:00:14.0/${name}`, join(root, "sys/bus/usb/devices", name));
  return directory;
}

describe("Linux USB probe on a plain tree", () => {
  it("reports a device whose attributes cannot be read, with a warning per attribute", async () => {
    const root = join(scratch, "unreadable");
    await makeDevice(root, "usb1", { idVendor: "1d6b\n", idProduct: "0002\n" });
    const directory = await makeDevice(root, "1-1", {});
    // Reading a directory fails with EISDIR even as root (chmod 000 does not stop root).
    for (const attribute of ["idVendor", "idProduct", "product", "speed"])
      await mkdir(join(directory, attribute));
    const snapshot = await createLinuxUsbProbe({ root }).snapshot();
    const device = snapshot.observations.find((o) => o.id.endsWith("@1-1")) as UsbObservation;
    expect(device).toBeDefined();
    expect(device.warnings).toEqual(
      expect.arrayContaining([
        "idVendor: could not be read (EISDIR)",
        "idProduct: could not be read (EISDIR)",
        "product: could not be read (EISDIR)",
        "speed: could not be read (EISDIR)",
      ]),
    );
    expect(snapshot.unavailable).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)(
    "reports EACCES for a device directory without permissions",
    async () => {
      const root = join(scratch, "no-permission");
      const directory = await makeDevice(root, "1-1", { idVendor: "0781\n", idProduct: "5581\n" });
      await chmod(directory, 0o000);
      try {
        const snapshot = await createLinuxUsbProbe({ root }).snapshot();
        const device = snapshot.observations[0] as UsbObservation;
        expect(device.portPath).toBe("1-1");
        expect(device.warnings).toContain("idVendor: could not be read (EACCES)");
      } finally {
        await chmod(directory, 0o755);
      }
    },
  );

  it("reports sysfs as unavailable when there is none, and does not throw", async () => {
    const snapshot = await createLinuxUsbProbe({ root: join(scratch, "empty") }).snapshot();
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable).toHaveLength(1);
    expect(snapshot.unavailable[0]?.source).toBe("linux-sysfs");
    expect(snapshot.unavailable[0]?.reason).toContain("ENOENT");
  });
});

describe("watch()", () => {
  it("emits change within a second of a device node appearing, also on a new bus", async () => {
    const root = join(scratch, "watch");
    await mkdir(join(root, "dev/bus/usb/001"), { recursive: true });
    const probe = createLinuxUsbProbe({ root });
    const changes: string[] = [];
    probe.on("change", (reason) => changes.push(reason));
    probe.watch();
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await writeFile(join(root, "dev/bus/usb/001/007"), "");
      await waitFor(() => changes.some((reason) => reason.includes("001/007")), 1000);
      expect(Date.now() - started).toBeLessThan(1000);

      await mkdir(join(root, "dev/bus/usb/003"));
      await waitFor(() => changes.some((reason) => reason.includes("003")), 1000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await writeFile(join(root, "dev/bus/usb/003/002"), "");
      await waitFor(() => changes.some((reason) => reason.includes("003/002")), 1000);
    } finally {
      await probe.stop();
    }
  });

  it("does nothing when /dev/bus/usb is missing", async () => {
    const probe = createLinuxUsbProbe({ root: join(scratch, "no-dev") });
    expect(() => probe.watch()).not.toThrow();
    await probe.stop();
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a change event");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("replay probe", () => {
  it("returns the recorded observations", async () => {
    const file = join(scratch, "recording.json");
    const observation: UsbObservation = {
      bus: "usb",
      source: "replay",
      id: "usb:0781:5581:ABC",
      vendorId: "0781",
      productId: "5581",
      interfaces: [{ class: "08", subclass: "06", protocol: "50" }],
      portPath: "1-2",
      parents: ["usb1"],
      isRootHub: false,
    };
    await writeFile(file, JSON.stringify({ observations: [observation] }));
    expect(await createReplayProbe({ root: "/", replayFile: file }).snapshot()).toEqual({
      observations: [observation],
      unavailable: [],
    });
  });

  it.each([
    ["missing", undefined, /cannot read replay file .*ENOENT/],
    ["not JSON", "{", /is not valid JSON/],
    ["no observations array", '{"devices": []}', /expected an "observations" array/],
    ["bad observation", '{"observations": [{"bus": "serial", "id": "x"}]}', /observations\[0\]\.bus/],
  ])("reports replay unavailable when the file is %s", async (label, contents, reason) => {
    const file = join(scratch, `replay-${label.replaceAll(" ", "-")}.json`);
    if (contents !== undefined) await writeFile(file, contents);
    const snapshot = await createReplayProbe({ root: "/", replayFile: file }).snapshot();
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable[0]?.source).toBe("replay");
    expect(snapshot.unavailable[0]?.reason).toMatch(reason);
  });
});
