// A scan of a recorded Windows laptop (test/fixtures/captures/win-*/) as `eca scan --capture DIR`
// will do it: the win32 default probes read the folder through captureSourceReader, then the same
// collect + judgeSnapshot as every scan, with a fixed clock and host name. Used by the golden test
// and the benchmark.

import { join } from "node:path";
import type { ScanReport } from "../../agent/report.ts";
import { collect, judgeSnapshot } from "../../agent/scan.ts";
import { builtInPolicy } from "../../policy/load.ts";
import { captureSourceReader } from "../../probes/capture/sources.ts";
import { createProbe, defaultBackends } from "../../probes/create.ts";
import type { Probe } from "../../probes/probe.ts";

export const CAPTURES = join(import.meta.dirname, "../fixtures/captures");
export const FIXED_NOW = new Date("2026-11-27T12:00:00.000Z");

export async function openCaptureProbes(folder: string): Promise<Probe[]> {
  const sources = captureSourceReader(join(CAPTURES, folder));
  return Promise.all(defaultBackends("win32").map((name) => createProbe(name, { root: "/", sources })));
}

export async function scanCapture(folder: string, probes?: Probe[]): Promise<ScanReport> {
  const opened = probes ?? (await openCaptureProbes(folder));
  return judgeSnapshot(await collect(opened), builtInPolicy(), FIXED_NOW, "win-fixture");
}
