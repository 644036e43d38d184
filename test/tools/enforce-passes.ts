// Runs the Linux USB probe, judgement and one enforcement pass per policy given, and prints what
// each pass planned and wrote as JSON. Run it at "/" under umockdev-run (the writes land in the
// testbed, $UMOCKDEV_DIR, which it compares before and after each pass) or with a --root tree.
// Usage: npx node test/tools/enforce-passes.ts ROOT STATE_DIR POLICY [POLICY ...]

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createEnforcer } from "../../agent/enforce/enforcer.ts";
import { createLinuxUsbActuator } from "../../agent/enforce/linux-usb.ts";
import { collect, judgeSnapshot } from "../../agent/scan.ts";
import { loadPolicy } from "../../policy/load.ts";
import { createLinuxUsbProbe } from "../../probes/linux/usb-sysfs.ts";

const [root = "/", stateDir = "", ...policies] = process.argv.slice(2);
const now = new Date(process.env.ECA_TEST_NOW ?? "2026-12-01T10:00:00Z");

/** Every regular file under `directory` and its text (for the umockdev testbed). */
function files(directory: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!directory) return out;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.set(relative(directory, path), readFileSync(path, "latin1"));
    }
  };
  walk(directory);
  return out;
}

const testbed = process.env.UMOCKDEV_DIR;
const probe = createLinuxUsbProbe({ root });
// Under umockdev-run /proc is the live machine's: USBGuard is looked for under ECA_TEST_HOST_ROOT.
const hostRoot = process.env.ECA_TEST_HOST_ROOT;
const actuator = createLinuxUsbActuator({ root, ...(hostRoot ? { hostRoot } : {}) });
const enforcer = createEnforcer({ stateDir, actuator });
const passes = [];
for (const file of policies) {
  const before = files(testbed);
  const policy = await loadPolicy(file, now);
  const snapshot = await collect([probe]);
  const report = judgeSnapshot(snapshot, policy, now, "test", ["linux-sysfs"]);
  const pass = await enforcer.enforce(report, snapshot, policy.policy, now);
  const after = files(testbed);
  const changed = [...after]
    .filter(([path, text]) => before.get(path) !== text)
    .map(([path, text]) => `${path}=${text.trim()}`);
  passes.push({
    policy: relative(process.cwd(), file),
    writes: pass.applied.flatMap((a) =>
      a.steps.map((s) => `${s.target}=${s.write}${s.error ? ` (${s.error})` : ""}`),
    ),
    ...(testbed ? { testbedChanges: changed.sort() } : {}),
    outcomes: [...pass.outcomes.values()].map((o) => `${o.result}: ${o.deviceId}: ${o.detail}`).sort(),
    changed: pass.changed.map((o) => `${o.findingId}:${o.result}`).sort(),
    findings: pass.report.findings.map((f) => `${f.rule}:${f.device.id}`).sort(),
  });
}
process.stdout.write(`${JSON.stringify(passes, null, 2)}\n`);
