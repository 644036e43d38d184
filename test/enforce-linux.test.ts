// Enforcement on Linux, end to end on recorded devices: the probe, judgement and the enforcer with
// the sysfs actuator, forked, under umockdev-run (writes land in the testbed) and on a --root tree
// made from the same recording. test/fixtures/usb/enforce-laptop.umockdev holds a phone (1-1), an
// unapproved keyboard with TrackPoint (1-2), an approved Kingston stick (1-3), an accessibility
// trackball (1-4), the built-in camera (1-8) and a personal SanDisk stick (2-2), each with
// `authorized` files. Every test asserts exactly which `authorized` files are written, in order,
// and that no other file changes.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { umockdevToTree } from "./tools/umockdev-to-tree.ts";

const run = promisify(execFile);
const repository = join(import.meta.dirname, "..");
const recording = join(repository, "test/fixtures/usb/enforce-laptop.umockdev");
const tool = join(repository, "test/tools/enforce-passes.ts");
const node = join(repository, "node_modules/.bin/node");
const policy = (name: string) => join(repository, "test/fixtures/enforce", name);
const scratch = await mkdtemp(join(tmpdir(), "eca-enforce-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

interface Pass {
  writes: string[];
  testbedChanges?: string[];
  outcomes: string[];
  changed: string[];
  findings: string[];
}

let counter = 0;
async function freshTree(): Promise<{ tree: string; state: string }> {
  const base = join(scratch, String(counter++));
  const tree = join(base, "tree");
  const state = join(base, "state");
  await umockdevToTree(await readFile(recording, "latin1"), tree);
  await mkdir(state, { recursive: true });
  return { tree, state };
}

async function files(directory: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    // Each device once, at its real place: /sys/bus and /sys/class hold links to the same files.
    if (/^sys\/(bus|class)\//.test(relative(directory, path))) continue;
    out.set(relative(directory, path), await readFile(path, "latin1"));
  }
  return out;
}

async function onTree(tree: string, state: string, policies: string[]): Promise<Pass[]> {
  const { stdout } = await run(node, [tool, tree, state, ...policies], { cwd: repository });
  return JSON.parse(stdout);
}

async function underUmockdev(state: string, policies: string[]): Promise<Pass[]> {
  const { stdout } = await run(
    "umockdev-run",
    ["--device", recording, "--", node, tool, "/", state, ...policies],
    // The live machine's /proc may run a USBGuard of its own: look for one in an empty directory.
    { cwd: repository, env: { ...process.env, ECA_TEST_HOST_ROOT: scratch } },
  );
  return JSON.parse(stdout);
}

/** The files a pass changed in the tree: path=new contents. */
function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after]
    .filter(([path, text]) => before.get(path) !== text)
    .map(([path, text]) => `${path}=${text.trim()}`)
    .sort();
}

const STICK_INTERFACE = "sys/devices/pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/authorized";
const PHONE = "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/authorized";

describe("enforcing on a recorded laptop", () => {
  it("blocks the stick's storage interface and the phone, and nothing else: keyboard, approved stick, accessibility trackball and built-in camera untouched", async () => {
    const { tree, state } = await freshTree();
    const before = await files(tree);
    const [pass] = await onTree(tree, state, [policy("policy.yaml")]);
    expect(pass?.writes).toEqual(["1-1=0", "2-2:1.0=0"]);
    expect(diff(before, await files(tree))).toEqual([`${PHONE}=0`, `${STICK_INTERFACE}=0`]);
    expect(pass?.outcomes).toEqual([
      expect.stringMatching(/^blocked: usb:0781:5581:.*deauthorized storage interface 2-2:1.0/),
      expect.stringMatching(/^blocked: usb:18d1:4ee2:.*deauthorized device 1-1/),
      expect.stringMatching(/^could-not-block: usb:17ef:6047:.*HID input device/),
    ]);
  });

  it("under umockdev-run the same writes land in the testbed, in the same order, and nothing else changes", async () => {
    const state = join(scratch, `umockdev-${counter++}`);
    await mkdir(state);
    const [pass] = await underUmockdev(state, [policy("policy.yaml")]);
    expect(pass?.writes).toEqual(["1-1=0", "2-2:1.0=0"]);
    expect(pass?.testbedChanges).toEqual([`${PHONE}=0`, `${STICK_INTERFACE}=0`]);
  });

  it("a second scan writes nothing: what eca blocked stays blocked and is remembered in the state directory", async () => {
    const { tree, state } = await freshTree();
    const [, second] = await onTree(tree, state, [policy("policy.yaml"), policy("policy.yaml")]);
    expect(second?.writes).toEqual([]);
    expect(second?.changed).toEqual([]);
    const memory = JSON.parse(await readFile(join(state, "enforcement.json"), "utf8"));
    expect(memory.blocked.map((b: { targets: string[] }) => b.targets)).toEqual([["1-1"], ["2-2:1.0"]]);
  });

  it("a stick re-authorized outside eca (echo 1 > authorized) is blocked again at the next scan, and only that interface", async () => {
    const { tree, state } = await freshTree();
    await onTree(tree, state, [policy("policy.yaml")]);
    await writeFile(join(tree, STICK_INTERFACE), "1\n");
    const [again] = await onTree(tree, state, [policy("policy.yaml")]);
    expect(again?.writes).toEqual(["2-2:1.0=0"]);
    expect(again?.outcomes).toContainEqual(expect.stringMatching(/^blocked: usb:0781:5581:.*blocked again/));
    const memory = JSON.parse(await readFile(join(state, "enforcement.json"), "utf8"));
    expect(memory.blocked.map((b: { targets: string[] }) => b.targets)).toEqual([["1-1"], ["2-2:1.0"]]);
  });

  it("re-authorizes the stick once it is approved, and only what eca blocked (the phone stays blocked)", async () => {
    const { tree, state } = await freshTree();
    const before = await files(tree);
    const [, approved] = await onTree(tree, state, [policy("policy.yaml"), policy("policy-approved.yaml")]);
    expect(approved?.writes).toEqual(["2-2:1.0=1"]);
    expect(diff(before, await files(tree))).toEqual([`${PHONE}=0`]);
    expect(approved?.outcomes).toContainEqual(
      expect.stringMatching(/^unblocked: usb:0781:5581:.*re-authorized 2-2:1.0: now approved/),
    );
  });

  it("under umockdev-run, approval re-authorizes the stick in the testbed", async () => {
    const state = join(scratch, `umockdev-${counter++}`);
    await mkdir(state);
    const [, approved] = await underUmockdev(state, [policy("policy.yaml"), policy("policy-approved.yaml")]);
    expect(approved?.writes).toEqual(["2-2:1.0=1"]);
    expect(approved?.testbedChanges).toEqual([`${STICK_INTERFACE}=1`]);
  });

  it("the fleet-wide switch back to audit re-authorizes everything eca blocked, unblocks before anything else", async () => {
    const { tree, state } = await freshTree();
    const before = await files(tree);
    const [, audit] = await onTree(tree, state, [policy("policy.yaml"), policy("policy-audit.yaml")]);
    expect(audit?.writes).toEqual(["1-1=1", "2-2:1.0=1"]);
    expect(diff(before, await files(tree))).toEqual([]);
  });

  it("never re-authorizes a device eca did not block: one deauthorized by someone else stays so under approval", async () => {
    const { tree, state } = await freshTree();
    await writeFile(join(tree, STICK_INTERFACE), "0\n");
    const before = await files(tree);
    const [first, approved] = await onTree(tree, state, [
      policy("policy.yaml"),
      policy("policy-approved.yaml"),
    ]);
    expect(first?.writes).toEqual(["1-1=0"]);
    expect(first?.outcomes.find((o) => o.includes("0781:5581"))).toMatch(
      /could not block: its storage interfaces are already not authorized/,
    );
    expect(approved?.writes).toEqual([]);
    expect(diff(before, await files(tree))).toEqual([`${PHONE}=0`]);
  });

  it("last-keyboard guard: with inputDevices: block, the only USB keyboard is still not blocked", async () => {
    const { tree, state } = await freshTree();
    const before = await files(tree);
    const [pass] = await onTree(tree, state, [policy("policy-input.yaml")]);
    expect(pass?.writes).toEqual([]);
    expect(diff(before, await files(tree))).toEqual([]);
    expect(pass?.outcomes.find((o) => o.includes("17ef:6047"))).toMatch(/the last working USB keyboard/);
  });

  it("USBGuard present (its daemon running): eca writes nothing and says USBGuard is in charge", async () => {
    const { tree, state } = await freshTree();
    await mkdir(join(tree, "proc/4242"), { recursive: true });
    await writeFile(join(tree, "proc/4242/comm"), "usbguard-daemon\n");
    const before = await files(tree);
    const [pass] = await onTree(tree, state, [policy("policy.yaml")]);
    expect(pass?.writes).toEqual([]);
    expect(diff(before, await files(tree))).toEqual([]);
    expect(pass?.outcomes.filter((o) => o.includes("USBGuard is in charge"))).toHaveLength(3);
    expect(pass?.outcomes[0]).toMatch(/usbguard-daemon is running \(pid 4242\)/);
  });

  it("USBGuard installed (/etc/usbguard/rules.conf): report only", async () => {
    const { tree, state } = await freshTree();
    await mkdir(join(tree, "etc/usbguard"), { recursive: true });
    await writeFile(join(tree, "etc/usbguard/rules.conf"), "allow with-interface equals { 08:*:* }\n");
    const [pass] = await onTree(tree, state, [policy("policy.yaml")]);
    expect(pass?.writes).toEqual([]);
    expect(pass?.outcomes[0]).toMatch(/USBGuard is in charge.*\/etc\/usbguard\/rules.conf exists/);
  });

  it("audit (the default): no authorized file is even read beyond the scan, nothing written", async () => {
    const { tree, state } = await freshTree();
    const before = await files(tree);
    const [pass] = await onTree(tree, state, [policy("policy-audit.yaml")]);
    expect(pass?.writes).toEqual([]);
    expect(diff(before, await files(tree))).toEqual([]);
    expect(pass?.outcomes.every((o) => o.startsWith("audit: "))).toBe(true);
  });
});

describe("regressions", () => {
  it("a tampered enforcement.json cannot make eca write anywhere but a USB device's or interface's authorized", async () => {
    const { tree, state } = await freshTree();
    const stick = "usb:0781:5581:0401d1c3a8e5f0b2c9d7";
    const memory = {
      blocked: [
        {
          deviceId: stick,
          portPath: "2-2",
          name: "stick",
          rule: "personal-storage",
          findingId: "x",
          level: "interface",
          targets: ["../../../../../../etc", "2-2:1.0/../../../../../.."],
          at: "2026-12-01T09:00:00Z",
        },
      ],
      reportedReleases: [],
      results: {},
    };
    await writeFile(join(state, "enforcement.json"), JSON.stringify(memory));
    const before = await files(tree);
    const [pass] = await onTree(tree, state, [policy("policy-approved.yaml")]);
    expect(pass?.writes.filter((w) => !w.includes("not a USB device or interface name"))).toEqual(["1-1=0"]);
    expect(diff(before, await files(tree))).toEqual([`${PHONE}=0`]);
  });
});

describe("USBGuard's D-Bus name", () => {
  it("a process owning org.usbguard1 on the system bus puts USBGuard in charge; an empty bus does not", async () => {
    const { startPrivateBus } = await import("./helpers/mock-bluez.ts");
    const { DBusConnection } = await import("../probes/linux/dbus/connection.ts");
    const { createLinuxUsbActuator } = await import("../agent/enforce/linux-usb.ts");
    const { tree } = await freshTree();
    const bus = await startPrivateBus();
    try {
      const actuator = () => createLinuxUsbActuator({ root: tree, systemBusAddress: bus.address });
      expect((await actuator().inspect([])).authority).toEqual({ inCharge: "eca" });
      const owner = await DBusConnection.connect(bus.address);
      try {
        await owner.call({
          destination: "org.freedesktop.DBus",
          path: "/org/freedesktop/DBus",
          interface: "org.freedesktop.DBus",
          member: "RequestName",
          signature: "su",
          body: ["org.usbguard1", 0],
        });
        expect((await actuator().inspect([])).authority).toEqual({
          inCharge: "usbguard",
          reason: "org.usbguard1 owns its name on the system bus",
        });
      } finally {
        owner.close();
      }
    } finally {
      await bus.stop();
    }
  });
});
