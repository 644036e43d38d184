// Faults: an `authorized` attribute that cannot be read, and a write refused because the stick left
// between reading and writing (ENOENT; EACCES without root reads the same way). The finding must
// say "could not block" and why, and nothing is remembered as blocked, so the next scan tries again.

import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createEnforcer, type EnforcementPass } from "../../agent/enforce/enforcer.ts";
import { createLinuxUsbActuator } from "../../agent/enforce/linux-usb.ts";
import type { Actuator } from "../../agent/enforce/types.ts";
import { collect, judgeSnapshot } from "../../agent/scan.ts";
import { loadPolicy } from "../../policy/load.ts";
import { createLinuxUsbProbe } from "../../probes/linux/usb-sysfs.ts";
import { umockdevToTree } from "../tools/umockdev-to-tree.ts";

const repository = join(import.meta.dirname, "../..");
const scratch = await mkdtemp(join(tmpdir(), "eca-enforce-fault-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function setup() {
  const base = await mkdtemp(join(scratch, "case-"));
  const tree = join(base, "tree");
  const stateDir = join(base, "state");
  await mkdir(stateDir);
  await umockdevToTree(
    await readFile(join(repository, "test/fixtures/usb/enforce-laptop.umockdev"), "latin1"),
    tree,
  );
  const now = new Date("2026-12-01T10:00:00Z");
  const policy = await loadPolicy(join(repository, "test/fixtures/enforce/policy.yaml"), now);
  return { tree, stateDir, now, policy, probe: createLinuxUsbProbe({ root: tree }) };
}

const STICK = "sys/devices/pci0000:00/0000:00:14.0/usb2/2-2";
const stickOutcome = (pass: EnforcementPass) =>
  [...pass.outcomes.values()].find((o) => o.deviceId.startsWith("usb:0781:5581"));

it("an authorized attribute that cannot be read is could not block, not remembered, and tried again", async () => {
  const { tree, stateDir, now, policy, probe } = await setup();
  for (const attribute of [`${STICK}/2-2:1.0/authorized`, `${STICK}/authorized`]) {
    await rm(join(tree, attribute));
    await mkdir(join(tree, attribute)); // EISDIR: reads as neither 0 nor 1
  }
  const enforcer = createEnforcer({ stateDir, actuator: createLinuxUsbActuator({ root: tree }) });
  for (let scan = 0; scan < 2; scan++) {
    const snapshot = await collect([probe]);
    const report = judgeSnapshot(snapshot, policy, now, "t", ["linux-sysfs"]);
    const pass = await enforcer.enforce(report, snapshot, policy.policy, now);
    expect(stickOutcome(pass)?.detail).toBe("could not block: its authorized attribute could not be read");
    expect(enforcer.state().blocked.map((b) => b.portPath)).toEqual(["1-1"]);
  }
});

it("a write refused because the stick left between reading and writing (ENOENT) is could not block, and says why", async () => {
  const { tree, stateDir, now, policy, probe } = await setup();
  const linux = createLinuxUsbActuator({ root: tree });
  const actuator: Actuator = {
    name: "unplugged-mid-scan",
    async inspect(observations) {
      const view = await linux.inspect(observations);
      await rm(join(tree, STICK, "2-2:1.0/authorized"));
      return view;
    },
    apply: (actions) => linux.apply(actions),
  };
  const enforcer = createEnforcer({ stateDir, actuator });
  const snapshot = await collect([probe]);
  const pass = await enforcer.enforce(
    judgeSnapshot(snapshot, policy, now, "t", ["linux-sysfs"]),
    snapshot,
    policy.policy,
    now,
  );
  expect(stickOutcome(pass)?.result).toBe("could-not-block");
  expect(stickOutcome(pass)?.detail).toMatch(
    /2-2:1.0\/authorized does not exist \(unplugged, or a kernel without USB authorization\)$/,
  );
  expect(enforcer.state().blocked.map((b) => b.portPath)).toEqual(["1-1"]);
});
