// The Windows and macOS actuators' command plans, snapshot-tested without either OS: recorded
// observations (as the Windows PnP and macOS probes report them, through the replay backend) are
// judged and enforced with a command runner that records instead of running. The golden files
// hold every command in order, and what each finding then says.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CommandRunner } from "../agent/enforce/create.ts";
import { createActuator } from "../agent/enforce/create.ts";
import { createEnforcer } from "../agent/enforce/enforcer.ts";
import { bsdNamesOf } from "../agent/enforce/macos-diskutil.ts";
import { instanceIdOf } from "../agent/enforce/windows-pnputil.ts";
import { collect, judgeSnapshot } from "../agent/scan.ts";
import { policyFromDocument } from "../policy/load.ts";
import type { LoadedPolicy } from "../policy/types.ts";
import { createReplayProbe } from "../probes/replay.ts";
import { parsePnpDocument } from "../probes/windows/pnp-document.ts";
import { usbObservationsFromPnp } from "../probes/windows/pnp-parse.ts";

const repository = join(import.meta.dirname, "..");
const now = new Date("2026-12-01T10:00:00Z");
const scratch = mkdtempSync(join(tmpdir(), "eca-enforce-commands-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const enforcing = {
  id: "enforce-test",
  version: "1",
  enforcement: {
    mode: "enforce",
    rules: { "personal-storage": "enforce", "phone-charging": "enforce", "unapproved-peripheral": "enforce" },
  },
};

function loaded(document: object): LoadedPolicy {
  return { policy: policyFromDocument(document, "test", now), source: "test", digest: "test" };
}

async function commandPlan(
  actuatorName: string,
  recording: string,
  failing: RegExp | undefined,
  passes: object[],
  beforePass: (index: number) => void = () => {},
) {
  const lines: string[] = [];
  const run: CommandRunner = async (command, args) => {
    const line = [command, ...args].join(" ");
    lines.push(`  $ ${line}`);
    return failing?.test(line)
      ? { code: 1, stdout: "", stderr: "Failed to disable device." }
      : { code: 0, stdout: "", stderr: "" };
  };
  const stateDir = mkdtempSync(join(scratch, "state-"));
  const probe = createReplayProbe({
    root: "/",
    replayFile: resolve(repository, "test/fixtures/enforce", recording),
  });
  const enforcer = createEnforcer({
    stateDir,
    actuator: await createActuator(actuatorName, { root: "/", run }),
  });
  for (const [index, document] of passes.entries()) {
    lines.push(`pass ${index + 1}:`);
    beforePass(index);
    const policy = loaded(document);
    const snapshot = await collect([probe]);
    const pass = await enforcer.enforce(
      judgeSnapshot(snapshot, policy, now, "test", ["replay"]),
      snapshot,
      policy.policy,
      now,
    );
    for (const outcome of [...pass.outcomes.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId)))
      lines.push(`  ${outcome.deviceId}: ${outcome.result}: ${outcome.detail}`);
  }
  return `${lines.join("\n")}\n`;
}

async function expectGolden(name: string, actual: string): Promise<void> {
  const golden = join(repository, "test/golden", name);
  if (process.env.UPDATE_GOLDEN) await writeFile(golden, actual);
  expect(actual).toBe(await readFile(golden, "utf8"));
}

describe("Windows: pnputil /disable-device, /enable-device", () => {
  it("instance ids come from the probe's portPath when it is one, else VID, PID and serial", () => {
    expect(
      instanceIdOf({ portPath: "PCIROOT(0)#PCI(1400)", vendorId: "0781", productId: "5581", serial: "4C53" }),
    ).toBe("USB\\VID_0781&PID_5581\\4C53");
    expect(instanceIdOf({ portPath: "USB\\VID_13FE&PID_4300\\6&1B2C3D4E&0&3" })).toBe(
      "USB\\VID_13FE&PID_4300\\6&1B2C3D4E&0&3",
    );
    expect(
      instanceIdOf({ portPath: "PCIROOT(0)#PCI(1400)", vendorId: "0781", productId: "5581" }),
    ).toBeUndefined();
  });

  it("disables the stick and the phone, leaves the keyboard, re-enables the stick once approved (golden)", async () => {
    const approved = {
      ...enforcing,
      approvedDevices: [
        { match: { vendorId: "0781", productId: "5581" }, description: "SanDisk issued by IT" },
      ],
    };
    const plan = await commandPlan("windows-pnputil", "windows-observations.json", /13FE/, [
      enforcing,
      enforcing,
      approved,
    ]);
    await expectGolden("enforce-windows-commands.txt", plan);
  });
});

describe("Windows: a node someone else disabled (problem code 22)", () => {
  it("a node someone else disabled is never re-enabled by eca", async () => {
    // The recorded stick with its device node disabled (test/fixtures/windows/README.md), as the
    // Windows probe observes it, replayed: eca did not disable it, so it neither blocks it (it is
    // already disabled) nor enables it once the policy approves the device.
    const listing = readFileSync(join(repository, "test/fixtures/windows/pnp-disabled-stick.json"), "utf8");
    const { observations } = usbObservationsFromPnp(parsePnpDocument(listing).devices);
    expect(observations.find((o) => o.vendorId === "0781")?.disabledByOs).toBe(true);
    const recording = join(mkdtempSync(join(scratch, "disabled-")), "observations.json");
    writeFileSync(recording, JSON.stringify({ observations }));
    const approved = {
      ...enforcing,
      approvedDevices: [
        { match: { vendorId: "0781", productId: "5581" }, description: "SanDisk issued by IT" },
      ],
    };
    const plan = await commandPlan("windows-pnputil", recording, undefined, [enforcing, approved, enforcing]);
    expect(plan).not.toContain("pnputil");
    expect(plan).toMatch(/pass 1:\n.*0781:5581.*: could-not-block: .*already not authorized/);
  });

  it("a node eca disabled itself still reads disabled to Windows, and is re-enabled once approved", async () => {
    const listing = readFileSync(join(repository, "test/fixtures/windows/pnp-disabled-stick.json"), "utf8");
    const disabled = usbObservationsFromPnp(parsePnpDocument(listing).devices).observations;
    const enabled = disabled.map(({ disabledByOs: _, ...o }) => o);
    const recording = join(mkdtempSync(join(scratch, "own-")), "observations.json");
    const approved = {
      ...enforcing,
      approvedDevices: [
        { match: { vendorId: "0781", productId: "5581" }, description: "SanDisk issued by IT" },
      ],
    };
    // Pass 1 sees the stick enabled and disables it; from then on Windows lists it disabled.
    const plan = await commandPlan(
      "windows-pnputil",
      recording,
      undefined,
      [enforcing, enforcing, approved],
      (i) => writeFileSync(recording, JSON.stringify({ observations: i === 0 ? enabled : disabled })),
    );
    expect(plan.match(/\$ pnputil\.exe .*/g)).toEqual([
      "$ pnputil.exe /disable-device USB\\VID_0781&PID_5581\\0401d1c3a8e5f0b2c9d7e6a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8",
      "$ pnputil.exe /enable-device USB\\VID_0781&PID_5581\\0401d1c3a8e5f0b2c9d7e6a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8",
    ]);
  });
});

describe("macOS: diskutil eject, and a phone it cannot block", () => {
  it("BSD names come from the probe's bsdNames, or its system_profiler fact", () => {
    expect(bsdNamesOf({ bsdNames: ["disk4", "../x"] })).toEqual(["disk4"]);
    expect(
      bsdNamesOf({ kindHints: [{ fact: "bsd_name: system_profiler: disk4, disk5 on it, so storage" }] }),
    ).toEqual(["disk4", "disk5"]);
  });

  it("ejects the stick's disk and says plainly the phone could not be blocked (golden)", async () => {
    const plan = await commandPlan("macos-diskutil", "macos-observations.json", undefined, [
      enforcing,
      enforcing,
    ]);
    await expectGolden("enforce-macos-commands.txt", plan);
    expect(plan).toContain(
      "could-not-block: could not block: macOS cannot block a USB device without a system extension",
    );
  });
});
