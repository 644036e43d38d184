// One-shot commands, whole process, side by side in one run: `eca --version` and `eca scan --json`
// on examples/laptop-with-phone-and-stick (the SEA and the sources on the pinned node) against
// `node -e 0` on the same runtime, and the peers `lsusb -v` and `usbguard generate-policy` under
// umockdev-run on the 30-device recording of bench/usb-scan.bench.ts. Commands are run in
// interleaved rounds (A B C … A B C …) so a busy spell on the shared machine hits them alike;
// medians are reported.
//
// Usage: npx node bench/startup.bench.ts [--binary dist/eca] [--rounds 15]
//          [--other /tmp/eca-other/eca --other-label "without the code cache"]
// --other adds the rows of a second executable, side by side with the first: one built without
// the code cache (`npx node packaging/build-sea.ts --out-dir /tmp/eca-other --no-code-cache`, as
// the cross-built targets ship), or one built from an older commit.
// Writes bench/results/startup.md.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { dropFromPageCache } from "./daemon.bench.ts";
import { benchRecording } from "./usb-scan.bench.ts";

const repo = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    binary: { type: "string", default: "dist/eca" },
    other: { type: "string" },
    "other-label": { type: "string", default: "the other build" },
    rounds: { type: "string", default: "15" },
    inner: { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const sea = resolve(values.binary);
const other = values.other ? resolve(values.other) : undefined;
const otherLabel = values["other-label"];
const tree = join(repo, "examples/laptop-with-phone-and-stick");
const dir = mkdtempSync(join(tmpdir(), "eca-bench-startup-"));
const recording = join(dir, "bench-30.umockdev");
writeFileSync(recording, benchRecording());

interface Command {
  label: string;
  argv: string[];
  /** Exit codes that mean it worked (scan exits 1 with findings). */
  ok: number[];
  samples: number[];
  rss: number[];
}

const node = process.execPath;
const inner = process.argv.includes("--inner");
/** Under umockdev-run (--inner) the peers and eca read the same recording at /sys, side by side. */
const innerCommands = [
  { label: "`node -e 0`, under umockdev-run", argv: [node, "-e", "0"], ok: [0] },
  {
    label: "`eca scan --json`, SEA, under umockdev-run",
    argv: [sea, "scan", "--json", "--backend", "linux-sysfs"],
    ok: [0, 1, 3],
  },
  { label: "`lsusb -v`, under umockdev-run", argv: ["lsusb", "-v"], ok: [0] },
  { label: "`usbguard generate-policy`, under umockdev-run", argv: ["usbguard", "generate-policy"], ok: [0] },
];
const commands: Command[] = (
  inner
    ? innerCommands
    : ([
        { label: "`node -e 0` (the pinned Node 26)", argv: [node, "-e", "0"], ok: [0] },
        { label: "`eca --version`, SEA", argv: [sea, "--version"], ok: [0] },
        ...(other
          ? [{ label: `\`eca --version\`, SEA, ${otherLabel}`, argv: [other, "--version"], ok: [0] }]
          : []),
        {
          label: "`eca --version`, sources (`node agent/bin/eca.ts`)",
          argv: [node, join(repo, "agent/bin/eca.ts"), "--version"],
          ok: [0],
        },
        {
          label: "`eca scan --json --root …`, SEA",
          argv: [sea, "scan", "--json", "--root", tree],
          ok: [0, 1],
        },
        ...(other
          ? [
              {
                label: `\`eca scan --json --root …\`, SEA, ${otherLabel}`,
                argv: [other, "scan", "--json", "--root", tree],
                ok: [0, 1],
              },
            ]
          : []),
        {
          label: "`eca scan --json --root …`, sources",
          argv: [node, join(repo, "agent/bin/eca.ts"), "scan", "--json", "--root", tree],
          ok: [0, 1],
        },
      ] as Omit<Command, "samples" | "rss">[])
).map((c) => ({ ...c, samples: [], rss: [] }));

/** Runs under /usr/bin/time for peak RSS (%M, KiB); the wall time is taken here. */
function run(command: Command): void {
  const began = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "%M", ...command.argv], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - began;
  if (result.error || !command.ok.includes(result.status ?? -1)) {
    throw new Error(`${command.argv.join(" ")}: exit ${result.status} ${result.stderr.slice(-300)}`);
  }
  command.samples.push(ms);
  command.rss.push(Number(result.stderr.trim().split("\n").at(-1)) / 1024);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

try {
  // Peak RSS counts the executable's pages mapped in from the page cache, and a file just written
  // (as build-sea.ts writes dist/eca) sits there in large folios that map in whole: `eca --version`
  // peaked at 79 MB straight after a build and at 45 MB run from a copy. Each executable is read
  // back from disk first, so every row's pages come in the same way.
  if (!inner) for (const file of new Set([node, sea, ...(other ? [other] : [])])) dropFromPageCache(file);
  for (const command of commands) run(command); // warm the page cache
  for (let round = 0; round < rounds; round++) for (const command of commands) run(command);
  const floor = median(commands[0]?.samples ?? []);
  if (inner) {
    process.stdout.write(
      JSON.stringify(commands.map((c) => ({ label: c.label, ms: median(c.samples), rss: median(c.rss) }))),
    );
    process.exit(0);
  }
  const peers = spawnSync(
    "umockdev-run",
    [
      "--device",
      recording,
      "--",
      node,
      import.meta.filename,
      "--inner",
      "--binary",
      values.binary,
      "--rounds",
      String(rounds),
    ],
    { encoding: "utf8" },
  );
  const peerRows = (JSON.parse(peers.stdout || "[]") as { label: string; ms: number; rss: number }[]).map(
    (p, _i, all) =>
      `| ${p.label} | ${p.ms.toFixed(1)} ms | ${(p.ms / (all[0]?.ms ?? 1)).toFixed(2)}× of node under umockdev | | ${p.rss.toFixed(1)} MB |`,
  );
  // Each round's time over the same round's `node -e 0`: on a shared machine the load moves between
  // rounds more than within one, so the median of these ratios moves less than the ratio of medians.
  const floorSamples = commands[0]?.samples ?? [];
  const perRound = (c: Command) => median(c.samples.map((ms, i) => ms / (floorSamples[i] ?? Number.NaN)));
  const rows = commands.map(
    (c) =>
      `| ${c.label} | ${median(c.samples).toFixed(1)} ms | ${(median(c.samples) / floor).toFixed(2)}× | ${perRound(c).toFixed(2)}× | ${median(c.rss).toFixed(1)} MB |`,
  );
  const report = [
    "# Start-up: one-shot commands, whole process",
    "",
    `\`npx node bench/startup.bench.ts --binary ${values.binary} --rounds ${rounds}${other ? ` --other ${values.other} --other-label "${otherLabel}"` : ""}\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}-${process.arch}.`,
    "",
    "| command | median wall time | vs `node -e 0` | median of per-round ratios | peak RSS |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows,
    ...peerRows,
    peers.status === 0 ? "" : `\numockdev-run failed: ${peers.stderr.slice(-300)}`,
    "",
    `Medians of ${rounds} interleaved rounds after one warm-up round; wall time from spawn to exit (through /usr/bin/time, the same for every row); peak RSS after each executable was dropped from the page cache once (a file just written maps in whole large folios). The eca scan reads ${tree.replace(`${repo}/`, "")} (17 USB devices and a Type-C port) through --root; the rows "under umockdev-run" run inside one umockdev-run on the 30-device recording of bench/usb-scan.bench.ts (its LD_PRELOAD slows every file operation, so they are compared with each other and with node -e 0 under it).`,
    "",
  ].join("\n");
  process.stdout.write(report);
  // The sections below the table (what was measured and tried, by hand) stay.
  const results = join(repo, "bench/results/startup.md");
  const previous = existsSync(results) ? readFileSync(results, "utf8") : "";
  const kept = previous.indexOf("\n## ");
  writeFileSync(results, kept >= 0 ? `${report}${previous.slice(kept)}` : report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
