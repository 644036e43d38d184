// Per-scan cost on a captured Mac (parse + classify + evaluate), against floors in the same run:
// JSON.parse of the same ioreg tree written as JSON, and a Linux sysfs scan of a recorded laptop
// with a comparable number of devices. No Mac is needed: the capture folder is the input, so this
// measures eca's own work; the cost of the commands a live scan runs on a Mac (ioreg,
// system_profiler) is documented from recorded timings in BENCHMARKS.md.
// Run: npx node bench/macos-scan.bench.ts   (writes bench/results/macos-scan.md; ~15 s)

import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { judgeSnapshot } from "../agent/scan.ts";
import { loadPolicy } from "../policy/load.ts";
import { captureSourceReader } from "../probes/capture/sources.ts";
import { createLinuxUsbProbe } from "../probes/linux/usb-sysfs.ts";
import { type IoregNode, parseIoregTree, parseIoregUsb } from "../probes/macos/ioreg-parse.ts";
import { parseSpUsbHostJson, parseSpUsbJson } from "../probes/macos/system-profiler-usb-parse.ts";
import { createMacosUsbProbe } from "../probes/macos/usb.ts";
import { macosUsbObservations } from "../probes/macos/usb-observations.ts";

const REPO = join(import.meta.dirname, "..");
const CAPTURE = join(REPO, "test/fixtures/captures/mac-intel-t2-keyboard-hub");
const LINUX = join(REPO, "examples/laptop-with-phone-and-stick");
const read = (file: string) => readFileSync(join(CAPTURE, file), "utf8");
const tree = read("ioreg-usb.txt");
const interfaces = read("ioreg-usb-interfaces.txt");
const spUsb = read("system_profiler-SPUSBDataType.json");
const spHost = read("system_profiler-SPUSBHostDataType.json");
const policy = await loadPolicy(undefined);
const now = new Date("2026-12-01T09:00:00Z");

type Case = [label: string, run: () => unknown, batch: number];

/**
 * Median and p95 microseconds per call. The cases are interleaved, round after round, so a
 * neighbour's load on the shared machine falls on all of them alike rather than on one.
 */
async function measureAll(
  cases: Case[],
  rounds = 6,
  secondsPerRound = 0.4,
): Promise<{ median: number; p95: number }[]> {
  const samples = cases.map((): number[] => []);
  for (const [, run, batch] of cases) for (let i = 0; i < batch * 10; i++) await run(); // warm-up: JIT, not per scan
  for (let round = 0; round < rounds; round++) {
    for (const [index, [, run, batch]] of cases.entries()) {
      const until = performance.now() + secondsPerRound * 1000;
      while (performance.now() < until) {
        const began = performance.now();
        for (let i = 0; i < batch; i++) await run();
        samples[index]?.push(((performance.now() - began) * 1000) / batch);
      }
    }
  }
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    const at = (q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))] ?? 0;
    return { median: at(0.5), p95: at(0.95) };
  });
}

const plain = (node: IoregNode): unknown => ({
  name: node.name,
  class: node.className,
  properties: Object.fromEntries(node.properties),
  children: node.children.map(plain),
});
const treeJson = JSON.stringify([...parseIoregTree(tree), ...parseIoregTree(interfaces)].map(plain));

const cachedProfiler = [...parseSpUsbJson(spUsb), ...parseSpUsbHostJson(spHost)];
const pollPure = () =>
  judgeSnapshot(
    { observations: macosUsbObservations(parseIoregUsb(tree, interfaces), cachedProfiler), unavailable: [] },
    policy,
    now,
    "bench",
  );
const firstScanPure = () =>
  judgeSnapshot(
    {
      observations: macosUsbObservations(parseIoregUsb(tree, interfaces), [
        ...parseSpUsbJson(spUsb),
        ...parseSpUsbHostJson(spHost),
      ]),
      unavailable: [],
    },
    policy,
    now,
    "bench",
  );
const macProbe = createMacosUsbProbe({ root: CAPTURE, sources: captureSourceReader(CAPTURE) });
const probePoll = async () => judgeSnapshot(await macProbe.snapshot(), policy, now, "bench");
const linuxProbe = createLinuxUsbProbe({ root: LINUX });
const linuxPoll = async () => judgeSnapshot(await linuxProbe.snapshot(), policy, now, "bench");
const parseOnly = () => parseIoregUsb(tree, interfaces);
const jsonFloor = () => JSON.parse(treeJson);

const macDevices = parseIoregUsb(tree, interfaces).length;
const linuxDevices = (await linuxProbe.snapshot()).observations.length;

const cases: Case[] = [
  ["Mac poll, pure: ioreg parse + merge (cached system_profiler facts) + classify + evaluate", pollPure, 50],
  ["Mac first scan, pure: the same + parsing both system_profiler reports", firstScanPure, 50],
  [
    "Mac poll through the probe: capture files read + the above (what `eca scan --capture` does per scan)",
    probePoll,
    20,
  ],
  ["ioreg parse alone (tree + interfaces → devices)", parseOnly, 50],
  [`floor: JSON.parse of the same tree as JSON (${treeJson.length} bytes)`, jsonFloor, 50],
  [
    `floor: Linux poll, linux-sysfs on a recorded laptop (${linuxDevices} observations) + classify + evaluate`,
    linuxPoll,
    20,
  ],
];
const results = await measureAll(cases);
const rows = cases.map(([label], index) => [label, results[index] ?? { median: 0, p95: 0 }] as const);
const poll = rows[0]?.[1].median ?? 0;
const floor = rows[4]?.[1].median ?? 1;
const linux = rows[5]?.[1].median ?? 1;

const report = `# macOS scan cost (captured Mac)

Generated by \`npx node bench/macos-scan.bench.ts\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version},
${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} threads). Input: test/fixtures/captures/mac-intel-t2-keyboard-hub
(${macDevices} USB devices incl. 2 root hubs; ioreg texts ${tree.length + interfaces.length} bytes, system_profiler ${spUsb.length + spHost.length} bytes).
Median and p95 of batches, the cases interleaved over 6 rounds of 0.4 s each, in microseconds per scan. No Mac was available: the commands' own
cost on a Mac (ioreg, system_profiler) is not in these figures; BENCHMARKS.md gives recorded timings for them.

| what | median (µs) | p95 (µs) |
| --- | ---: | ---: |
${rows.map(([what, r]) => `| ${what} | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} |`).join("\n")}

Mac poll / JSON.parse floor: ${(poll / floor).toFixed(1)}×. Mac poll / Linux poll (${linuxDevices} observations, file reads included): ${(poll / linux).toFixed(2)}×.
`;
writeFileSync(join(import.meta.dirname, "results/macos-scan.md"), report);
console.log(report);
