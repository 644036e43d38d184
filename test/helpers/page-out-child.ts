// Forked by test/startup-pages.test.ts: loads the private copy of koffi's addon named on the
// command line, gives back this process's start-up pages through it, and prints how much of that
// copy was resident before and after (its file pages, from /proc/self/smaps) as one JSON line.

import { readFileSync } from "node:fs";
import { parseMaps } from "../../agent/daemon/proc-maps.ts";
import { koffiPageAdvisor, releasePages } from "../../agent/daemon/startup-pages.ts";
import type { KoffiModule } from "../../probes/native/koffi.ts";

const copy = process.argv[2] as string;

/** kB of `path`'s file pages resident in this process (Rss less the private copies it wrote). */
function residentFileKilobytes(path: string): number {
  let total = 0;
  let inside = false;
  for (const line of readFileSync("/proc/self/smaps", "latin1").split("\n")) {
    // Each mapping's block opens with its line as /proc/self/maps has it.
    const [mapping] = parseMaps(line);
    if (mapping) inside = mapping.path === path;
    else if (inside && line.startsWith("Rss:")) total += Number(line.split(/\s+/)[1]);
    else if (inside && line.startsWith("Anonymous:")) total -= Number(line.split(/\s+/)[1]);
  }
  return total;
}

const module = { exports: {} as unknown };
process.dlopen(module, copy);
const advisor = await koffiPageAdvisor(module.exports as KoffiModule);
const residentBefore = residentFileKilobytes(copy);
const outcome = releasePages(advisor, (path) => readFileSync(path, "latin1"));
const residentAfter = residentFileKilobytes(copy);
process.stdout.write(
  `${JSON.stringify({ residentBefore, residentAfter, advised: outcome.advised, refused: outcome.refused })}\n`,
);
