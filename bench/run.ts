// Runs every benchmark in turn; each writes its own bench/results/<name>.md, which BENCHMARKS.md
// summarises. Usage: npm run bench [-- name ...]   e.g. npm run bench -- usb-scan delivery
// Packaging figures come from `npm run build:sea` and the commands in bench/results/packaging.md.

import { spawnSync } from "node:child_process";
import { join } from "node:path";

const all = [
  "usb-scan",
  "bluetooth",
  "delivery",
  "daemon",
  "windows-scan",
  "macos-scan",
  "enforce",
  "status-auth",
];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
let failed = 0;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`unknown benchmark "${name}": choose from ${all.join(", ")}`);
    process.exit(2);
  }
  console.log(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, [join(import.meta.dirname, `${name}.bench.ts`)], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
