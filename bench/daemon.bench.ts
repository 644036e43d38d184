// Daemon costs, measured on a real `eca run` process:
//  1. idle RSS and CPU over a window (default 60 s) with 1 s polling, reading a recorded sysfs tree;
//  2. attach-to-event-queued latency: a device appears (sysfs directory + /dev/bus/usb node, which
//     is what inotify sees on a laptop) until its finding is committed to the outbox, as reported by
//     the status socket (the open set and the event commit in one transaction).
// Run: npx node bench/daemon.bench.ts [--seconds 60] [--attaches 20]

import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { requestStatus } from "../agent/daemon/status-socket.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "60" }, attaches: { type: "string", default: "20" } },
});
const seconds = Number(values.seconds);
const attaches = Number(values.attaches);
const repo = join(import.meta.dirname, "..");
const example = join(repo, "examples/laptop-with-phone-and-stick");

const dir = mkdtempSync(join(tmpdir(), "eca-bench-daemon-"));
const root = join(dir, "root");
cpSync(example, root, { recursive: true, verbatimSymlinks: true });
mkdirSync(join(root, "dev/bus/usb/001"), { recursive: true });
const socket = join(dir, "eca.sock");

const agent = spawn(
  process.execPath,
  [
    join(repo, "agent/bin/eca.ts"),
    "run",
    "--root",
    root,
    "--backend",
    "linux-sysfs",
    "--state-dir",
    join(dir, "state"),
    "--socket",
    socket,
    "--poll-interval",
    "1",
  ],
  { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ECA_LOG_LEVEL: "error" } },
);
const pid = agent.pid as number;
const clockTicks = 100; // USER_HZ on Linux

function cpuTicks(): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function rssMegabytes(): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1]) / 1024;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  await sleep(2000); // past start-up work
  const ticks0 = cpuTicks();
  const t0 = performance.now();
  let peakRss = 0;
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    peakRss = Math.max(peakRss, rssMegabytes());
  }
  const cpuSeconds = (cpuTicks() - ticks0) / clockTicks;
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpuPercent = (100 * cpuSeconds) / wallSeconds;

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
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(0);

  const lines = [
    `| measure | result | goal |`,
    `| --- | --- | --- |`,
    `| idle RSS, peak over ${seconds} s, 1 s polling | ${peakRss.toFixed(1)} MB | < 60 MB |`,
    `| idle CPU over ${seconds} s, 1 s polling | ${cpuPercent.toFixed(2)} % of one core | < 0.5 % |`,
    `| attach → finding queued, median of ${attaches} | ${pick(0.5)} ms | < 1000 ms |`,
    `| attach → finding queued, worst of ${attaches} | ${pick(1)} ms | < 1000 ms |`,
  ];
  console.log(lines.join("\n"));
} finally {
  agent.kill("SIGTERM");
  await new Promise((resolve) => agent.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}
