// The window between attach and block: `eca run` as a real process, enforcing on a recorded laptop
// (test/fixtures/usb/enforce-laptop.umockdev as a tree, test/fixtures/enforce/policy.yaml), then
// USB sticks plugged in one at a time (sysfs directory with `authorized` files + a /dev/bus/usb
// node, which is what inotify sees on a laptop). Measured per stick, from the node's creation:
//   attach → blocked: the stick's storage interface `authorized` reads 0 (polled every 1 ms);
//   attach → queued:  its finding is committed to the outbox, as the status socket reports (the
//                     report-only path the daemon benchmark measures, the peer in the same run).
// The floor to beat is the kernel's: usb-storage waits `delay_use` (1 s by default) before it
// scans the SCSI bus, so no block device (and no automount) exists before that.
// Run: npx node bench/enforce.bench.ts [--attaches 10]

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { requestStatus } from "../agent/daemon/status-socket.ts";
import { umockdevToTree } from "../test/tools/umockdev-to-tree.ts";

const repo = join(import.meta.dirname, "..");
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const { values } = parseArgs({ options: { attaches: { type: "string", default: "10" } } });
const attaches = Number(values.attaches);

const dir = mkdtempSync(join(tmpdir(), "eca-bench-enforce-"));
const root = join(dir, "root");
await umockdevToTree(readFileSync(join(repo, "test/fixtures/usb/enforce-laptop.umockdev"), "latin1"), root);
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
    "--policy",
    join(repo, "test/fixtures/enforce/policy.yaml"),
    "--poll-interval",
    "3600",
  ],
  { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ECA_LOG_LEVEL: "error" } },
);

async function openFindings(): Promise<number> {
  const answer = await requestStatus(socket, 1000);
  return answer.running ? answer.status.findings.length : -1;
}

const blocked: number[] = [];
const queued: number[] = [];
try {
  for (let i = 0; i < 200 && (await openFindings()) < 0; i++) await sleep(50);
  await sleep(1000);
  const template = JSON.parse(readFileSync(join(repo, "bench/fixtures/attach-template.json"), "utf8")) as {
    device: Record<string, string>;
    interface: Record<string, string>;
  };
  for (let i = 0; i < attaches; i++) {
    const before = await openFindings();
    const port = `1-${20 + i}`;
    const device = join(root, "sys/devices/pci0000:00/0000:00:14.0/usb1", port);
    const storage = join(device, `${port}:1.0`);
    mkdirSync(storage, { recursive: true });
    for (const [name, value] of Object.entries(template.device))
      writeFileSync(join(device, name), value.replace("SERIAL", `BENCH${i}`));
    writeFileSync(join(device, "authorized"), "1\n");
    for (const [name, value] of Object.entries(template.interface)) writeFileSync(join(storage, name), value);
    writeFileSync(join(storage, "authorized"), "1\n");
    symlinkSync(device, join(root, "sys/bus/usb/devices", port));
    symlinkSync(storage, join(root, "sys/bus/usb/devices", `${port}:1.0`));
    const began = performance.now();
    writeFileSync(join(root, "dev/bus/usb/001", String(100 + i).padStart(3, "0")), "");
    let sawBlock = false;
    for (;;) {
      if (!sawBlock && readFileSync(join(storage, "authorized"), "utf8").trim() === "0") {
        blocked.push(performance.now() - began);
        sawBlock = true;
      }
      if (sawBlock && (await openFindings()) > before) {
        queued.push(performance.now() - began);
        break;
      }
      if (performance.now() - began > 5000) throw new Error(`stick ${i} was not blocked within 5 s`);
      await sleep(1);
    }
  }
} finally {
  agent.kill("SIGTERM");
  await new Promise((done) => agent.once("exit", done));
  rmSync(dir, { recursive: true, force: true });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? 0, worst: s[s.length - 1] ?? 0 };
};
const b = stats(blocked);
const q = stats(queued);
const lines = [
  "# Enforcement: attach → block",
  "",
  `\`npx node bench/enforce.bench.ts --attaches ${attaches}\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, TypeScript sources.`,
  "",
  "| what | median | worst | goal |",
  "| --- | ---: | ---: | --- |",
  `| attach → storage interface deauthorized (\`authorized\` = 0) | ${b.median.toFixed(1)} ms | ${b.worst.toFixed(1)} ms | < 1000 ms (usb-storage \`delay_use\`) |`,
  `| attach → finding queued (report only, same run) | ${q.median.toFixed(1)} ms | ${q.worst.toFixed(1)} ms | |`,
  "",
  `${attaches} sticks, each plugged into a new root-hub port of the enforce-laptop tree. Most of the window is the daemon's 150 ms debounce (DEBOUNCE_MS); the scan, judgement and the write take the rest.`,
  "",
];
writeFileSync(join(repo, "bench/results/enforce.md"), `${lines.join("\n")}`);
process.stdout.write(`${lines.join("\n")}\n`);
