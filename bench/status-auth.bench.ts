// What the authenticated status exchange (agent/daemon/status-auth.ts, Windows' and statusAuth's)
// costs an `eca status` beside the plain socket it replaces, in one run on one machine: the same
// document from two servers in this process, each asked in turn, round after round. Measured per
// request: connect, key read (authenticated only), exchange, parse. On Windows `eca status` also
// runs icacls twice to check the key's ACL; that is not measured here (no Windows machine).
// Run: npx node bench/status-auth.bench.ts [--requests 300] [--rounds 5]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { requestStatus, serveStatus } from "../agent/daemon/status-socket.ts";
import type { DaemonStatus } from "../agent/daemon/status-types.ts";
import { silentLogger } from "../agent/log.ts";

const repo = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: { requests: { type: "string", default: "300" }, rounds: { type: "string", default: "5" } },
});
const requests = Number(values.requests);
const rounds = Number(values.rounds);

// A status of realistic size: 20 devices, as a laptop with a dock reports.
const device = {
  bus: "usb",
  vendorId: "0781",
  productId: "5581",
  name: "SanDisk Ultra",
  kind: "storage",
  verdict: "violation",
  findings: ["personal-storage"],
};
const status = {
  running: true,
  version: "bench",
  pid: process.pid,
  startedAt: new Date().toISOString(),
  uptimeSeconds: 1,
  compliant: false,
  policy: { id: "p", version: "1", source: "built-in", digest: "d" },
  devices: Array.from({ length: 20 }, (_, i) => ({ ...device, serial: `S${i}` })),
  findings: [],
  delivery: { outboxDepth: 0, pausedForAuth: false, deadLetters: 0, droppedEvents: 0 },
} as unknown as DaemonStatus;

const dir = mkdtempSync(join(tmpdir(), "eca-bench-status-auth-"));
const stateDir = join(dir, "state");
mkdirSync(stateDir, { mode: 0o700 });
const logger = silentLogger;
const plainPath = join(dir, "plain", "eca.sock");
const authPath = join(dir, "auth", "eca.sock");
const plain = await serveStatus(plainPath, undefined, () => status, logger);
const auth = await serveStatus(authPath, undefined, () => status, logger, { stateDir, authenticate: true });

async function median(ask: () => Promise<{ running: boolean | null }>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const began = process.hrtime.bigint();
    if ((await ask()).running !== true) throw new Error("no status");
    times.push(Number(process.hrtime.bigint() - began) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const rows: string[] = [];
for (let round = 1; round <= rounds; round++) {
  const p = await median(() => requestStatus(plainPath, 2000));
  const a = await median(() => requestStatus(authPath, 2000, { auth: { stateDir } }));
  rows.push(
    `| ${round} | ${p.toFixed(3)} | ${a.toFixed(3)} | ${(a - p).toFixed(3)} | ${(a / p).toFixed(2)}× |`,
  );
  console.log(rows.at(-1));
}
await new Promise<void>((resolve) => plain.close(() => resolve()));
await new Promise<void>((resolve) => auth.close(() => resolve()));
rmSync(dir, { recursive: true, force: true });

const lines = [
  "# Status exchange: authenticated vs plain socket",
  "",
  `\`npx node bench/status-auth.bench.ts --requests ${requests} --rounds ${rounds}\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${Buffer.byteLength(JSON.stringify(status))}-byte status (20 devices).`,
  "Median milliseconds per request, both servers in one process, asked in turn each round.",
  "",
  "| round | plain socket | authenticated | added | ratio |",
  "| --- | --- | --- | --- | --- |",
  ...rows,
  "",
];
writeFileSync(join(repo, "bench/results/status-auth.md"), lines.join("\n"));
