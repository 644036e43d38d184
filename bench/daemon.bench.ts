// Daemon costs, measured on a real `eca run` process:
//  1. idle RSS (VmRSS, peak over the window), PSS (smaps_rollup, peak) and CPU over a window
//     (default 60 s) with 1 s polling, reading a recorded sysfs tree;
//  2. attach-to-event-queued latency: a device appears (sysfs directory + /dev/bus/usb node, which
//     is what inotify sees on a laptop) until its finding is committed to the outbox, as reported by
//     the status socket (the open set and the event commit in one transaction).
//
// Run:
//   npx node bench/daemon.bench.ts [--seconds 60] [--attaches 20]      TypeScript sources
//   npx node bench/daemon.bench.ts --bundle dist/eca.bundle.mjs        the esbuild bundle, on the pinned node
//   npx node bench/daemon.bench.ts --binary dist/eca                   the SEA (npm run build:sea first)
//   ... --bluetooth        also the Bluetooth sources, as a Linux laptop runs them: linux-sysfs bluez-dbus
//                          bluez-store, with a mock BlueZ (python3-dbusmock) on a private bus
//   ... --env MALLOC_ARENA_MAX=2 --node-flag --max-semi-space-size=1   extra environment / node flags
//   npx node bench/daemon.bench.ts --matrix [--seconds 60]             sources, bundle and SEA, with and
//                          without Bluetooth; writes bench/results/daemon.md

import { execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { requestStatus } from "../agent/daemon/status-socket.ts";
import { type MockBluez, startMockBluez } from "../test/helpers/mock-bluez.ts";

const repo = join(import.meta.dirname, "..");
const example = join(repo, "examples/laptop-with-phone-and-stick");

export interface Target {
  /** Row label. */
  label: string;
  /** "sources" (node agent/bin/eca.ts), "bundle" (node dist/eca.bundle.mjs) or "sea" (dist/eca). */
  kind: "sources" | "bundle" | "sea";
  /** The bundle or the executable, for kind bundle/sea. */
  path?: string;
  bluetooth: boolean;
  env?: Record<string, string>;
  nodeFlags?: string[];
}

export interface Result {
  target: Target;
  seconds: number;
  attaches: number;
  rssPeakMB: number;
  rssEndMB: number;
  pssPeakMB: number;
  /** Anonymous (heap, stacks, malloc) and file-backed (the executable's text) parts of RSS at its peak. */
  anonAtPeakMB: number;
  fileAtPeakMB: number;
  cpuPercent: number;
  threads: number;
  latencyMedianMs: number;
  latencyWorstMs: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Drops the executable's pages from the page cache (GNU dd: count=0 with iflag=nocache), so every
 * run starts as after a reboot. This matters: a file that was just written (a fresh `npm run
 * build:sea`, an install) sits in the page cache in large folios, and Linux maps a whole folio into
 * a process on a fault, so the same program's file-backed RSS reads ~30 MB higher (89 vs 55 MB for
 * `dist/eca --version` on Linux 6.18) until those pages are evicted and read back.
 */
function dropFromPageCache(file: string): void {
  execFileSync("sync", [file]);
  execFileSync("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"]);
}

function statusField(pid: number, name: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  return Number(line?.split(/\s+/)[1]);
}

function pssMegabytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("Pss:"));
    return Number(line?.split(/\s+/)[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used by all the process's threads, in nanoseconds (schedstat's run time), which is far
 * finer than /proc/PID/stat's 10 ms ticks: 0.5 % of 60 s is only 30 ticks.
 */
function cpuSeconds(pid: number): number {
  let nanoseconds = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return nanoseconds / 1e9;
}

/** A few Bluetooth devices on the mock BlueZ: paired phone and headset, an unpaired neighbour. */
async function populateBluez(bluez: MockBluez): Promise<void> {
  await bluez.addDevice({
    address: "02:00:00:00:00:01",
    name: "Pixel 8",
    classOfDevice: 0x5a020c,
    uuids: ["1105", "110a", "110c", "111f", "112f"],
    paired: true,
    bonded: true,
    connected: true,
  });
  await bluez.addDevice({
    address: "02:00:00:00:00:02",
    name: "WH-1000XM4",
    classOfDevice: 0x240404,
    uuids: ["111e", "110b", "110e"],
    paired: true,
    connected: true,
  });
  await bluez.addDevice({ address: "02:00:00:00:00:03", name: "Neighbour TV", classOfDevice: 0x08043c });
}

export async function benchDaemon(target: Target, seconds: number, attaches: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), "eca-bench-daemon-"));
  const root = join(dir, "root");
  cpSync(example, root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, "dev/bus/usb/001"), { recursive: true });
  const socket = join(dir, "eca.sock");
  let bluez: MockBluez | undefined;
  const env: Record<string, string | undefined> = { ...process.env, ECA_LOG_LEVEL: "error", ...target.env };
  if (target.bluetooth) {
    bluez = await startMockBluez();
    await populateBluez(bluez);
    env.DBUS_SYSTEM_BUS_ADDRESS = bluez.address;
  }
  const backends = target.bluetooth ? ["linux-sysfs", "bluez-dbus", "bluez-store"] : ["linux-sysfs"];
  // A YAML configuration file, as an installed agent has (so the YAML parser is loaded, as in production).
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, "# eca bench\npollIntervalSeconds: 1\nheartbeatMinutes: 60\n");
  const runArgs = [
    "run",
    "--config",
    configFile,
    "--root",
    root,
    "--backend",
    ...backends,
    "--state-dir",
    join(dir, "state"),
    "--socket",
    socket,
    "--poll-interval",
    "1",
  ];
  const nodeFlags = target.nodeFlags ?? [];
  const [command, args] =
    target.kind === "sea"
      ? [resolve(target.path ?? "dist/eca"), runArgs]
      : [
          process.execPath,
          [
            ...nodeFlags,
            target.kind === "bundle"
              ? resolve(target.path ?? "dist/eca.bundle.mjs")
              : join(repo, "agent/bin/eca.ts"),
            ...runArgs,
          ],
        ];
  dropFromPageCache(realpathSync(command));
  const agent = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"], env });
  const pid = agent.pid as number;

  async function waitUntilRunning(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await requestStatus(socket, 200)).running) return;
      await sleep(50);
    }
    throw new Error("eca run did not start");
  }
  async function openFindingCount(): Promise<number> {
    const answer = await requestStatus(socket, 1000);
    return answer.running ? answer.status.findings.length : -1;
  }

  try {
    await waitUntilRunning();
    if (target.bluetooth) {
      const answer = await requestStatus(socket, 1000);
      const unavailable = answer.running ? (answer.status.lastScan?.unavailable ?? []) : [];
      if (unavailable.length > 0) throw new Error(`sources unavailable: ${JSON.stringify(unavailable)}`);
    }
    await sleep(2000); // past start-up work
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    let rssPeak = 0;
    let pssPeak = 0;
    let anonAtPeak = 0;
    let fileAtPeak = 0;
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      const rss = statusField(pid, "VmRSS") / 1024;
      if (rss > rssPeak) {
        rssPeak = rss;
        anonAtPeak = statusField(pid, "RssAnon") / 1024;
        fileAtPeak = statusField(pid, "RssFile") / 1024;
      }
      pssPeak = Math.max(pssPeak, pssMegabytes(pid));
    }
    const cpuUsed = cpuSeconds(pid) - cpu0;
    const wallSeconds = (performance.now() - t0) / 1000;
    const rssEnd = statusField(pid, "VmRSS") / 1024;
    const threads = statusField(pid, "Threads");

    // Attach latency: each attach plugs a new USB stick into a root-hub port.
    const latencies: number[] = [];
    const devices = join(root, "sys/bus/usb/devices");
    const template = JSON.parse(readFileSync(join(repo, "bench/fixtures/attach-template.json"), "utf8")) as {
      device: Record<string, string>;
      interface: Record<string, string>;
    };
    for (let i = 0; i < attaches; i++) {
      const before = await openFindingCount();
      const port = `1-${20 + i}`;
      const target = join(root, "sys/devices/pci0000:00/0000:00:14.0/usb1", port);
      mkdirSync(join(target, `${port}:1.0`), { recursive: true });
      for (const [name, value] of Object.entries(template.device)) {
        writeFileSync(join(target, name), value.replace("SERIAL", `BENCH${i}`));
      }
      for (const [name, value] of Object.entries(template.interface)) {
        writeFileSync(join(target, `${port}:1.0`, name), value);
      }
      symlinkSync(target, join(devices, port));
      symlinkSync(join(target, `${port}:1.0`), join(devices, `${port}:1.0`));
      const began = performance.now();
      writeFileSync(join(root, "dev/bus/usb/001", String(100 + i).padStart(3, "0")), "");
      while ((await openFindingCount()) <= before) await sleep(5);
      latencies.push(performance.now() - began);
    }
    latencies.sort((a, b) => a - b);
    const pick = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      target,
      seconds,
      attaches,
      rssPeakMB: rssPeak,
      rssEndMB: rssEnd,
      pssPeakMB: pssPeak,
      anonAtPeakMB: anonAtPeak,
      fileAtPeakMB: fileAtPeak,
      cpuPercent: (100 * cpuUsed) / wallSeconds,
      threads,
      latencyMedianMs: pick(0.5),
      latencyWorstMs: pick(1),
    };
  } finally {
    agent.kill("SIGTERM");
    await new Promise((done) => agent.once("exit", done));
    await bluez?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(target: Target): string {
  const extras = [
    ...(target.nodeFlags ?? []),
    ...Object.entries(target.env ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
  return `${target.label}${extras.length > 0 ? ` (${extras.join(" ")})` : ""}`;
}

export function table(results: Result[]): string {
  const rows = results.map(
    (r) =>
      `| ${describe(r.target)} | ${r.target.bluetooth ? "sysfs + bluez-dbus + bluez-store" : "sysfs"} | ${r.rssPeakMB.toFixed(1)} MB | ${r.anonAtPeakMB.toFixed(1)} / ${r.fileAtPeakMB.toFixed(1)} MB | ${r.pssPeakMB.toFixed(1)} MB | ${r.cpuPercent.toFixed(2)} % | ${r.threads} | ${r.latencyMedianMs.toFixed(0)} / ${r.latencyWorstMs.toFixed(0)} ms |`,
  );
  return [
    "| what runs | sources | idle RSS, peak (goal < 60 MB) | of which anon / file | idle PSS, peak | idle CPU, one core (goal < 0.5 %) | threads | attach → queued, median / worst (goal < 1000 ms) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "60" },
      attaches: { type: "string", default: "20" },
      binary: { type: "string" },
      bundle: { type: "string" },
      bluetooth: { type: "boolean", default: false },
      env: { type: "string", multiple: true, default: [] },
      "node-flag": { type: "string", multiple: true, default: [] },
      matrix: { type: "boolean", default: false },
      out: { type: "string", default: join(repo, "bench/results/daemon.md") },
    },
  });
  const seconds = Number(values.seconds);
  const attaches = Number(values.attaches);
  const env = Object.fromEntries(
    values.env.map((pair) => {
      const at = pair.indexOf("=");
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const nodeFlags = values["node-flag"];
  let targets: Target[];
  if (values.matrix) {
    const sea = values.binary ?? join(repo, "dist/eca");
    const bundle = values.bundle ?? join(repo, "dist/eca.bundle.mjs");
    if (!existsSync(sea) || !existsSync(bundle)) throw new Error("npm run build:sea first");
    targets = [false, true].flatMap((bluetooth) => [
      { label: "sources (node agent/bin/eca.ts)", kind: "sources" as const, bluetooth },
      { label: "bundle (node dist/eca.bundle.mjs)", kind: "bundle" as const, path: bundle, bluetooth },
      { label: "SEA (dist/eca)", kind: "sea" as const, path: sea, bluetooth },
    ]);
  } else if (values.binary) {
    targets = [{ label: "SEA", kind: "sea", path: values.binary, bluetooth: values.bluetooth }];
  } else if (values.bundle) {
    targets = [{ label: "bundle", kind: "bundle", path: values.bundle, bluetooth: values.bluetooth }];
  } else {
    targets = [{ label: "sources", kind: "sources", bluetooth: values.bluetooth }];
  }
  const results: Result[] = [];
  for (const target of targets) {
    const result = await benchDaemon({ ...target, env, nodeFlags }, seconds, attaches);
    results.push(result);
    process.stderr.write(`${table([result]).split("\n")[2]}\n`);
  }
  const output = table(results);
  console.log(output);
  if (values.matrix) {
    writeFileSync(
      values.out,
      `# Daemon: idle memory and CPU, attach latency\n\n` +
        `\`npx node bench/daemon.bench.ts --matrix --seconds ${seconds} --attaches ${attaches}\`, ${new Date().toISOString().slice(0, 10)}, ` +
        `Node ${process.version}, ${process.platform}-${process.arch}.\n\n${output}\n`,
    );
  }
}
