// The idle agent beside its floor and its peer, in one window: `eca run` with the default
// configuration (no pollIntervalSeconds: the default applies) and the USB and Bluetooth sources
// (mock BlueZ on a private bus), delivering to a loopback HTTPS receiver; a bare Node process
// idling (the same runtime: the pinned node, whose binary the SEA carries); and usbguard-daemon
// (Debian's usbguard) under umockdev-run on the 30-device recording of bench/usb-scan.bench.ts.
// All three are sampled together once a second: RSS, CPU (schedstat run time of every thread) and
// wake-ups: every 250 ms, whether any thread of the process ran (its context switches, voluntary
// and involuntary, summed over every thread, moved); a poll wakes the main thread and V8's GC
// helpers together, dozens of context switches for one wake-up, so both are reported.
//
// Then the churn: --cycles USB sticks attached and detached in batches (each an attach-detach
// cycle: its finding opened and resolved, each event delivered), then more in batches of
// --event-batch until --events events have been delivered since the baseline. RSS is read after a
// full garbage collection of the measured process itself, at the baseline (after a first warm-up
// batch, so `node:https` and TLS, loaded on the first delivery, are in every reading), after the
// cycles and after the events. The GC is forced through Node's inspector, which every Node process
// (the SEA too) opens on SIGUSR1 on 127.0.0.1:9229: nothing in eca exposes it; the bench checks it
// is talking to the agent's pid, and keeps the session open from the baseline on, so the
// inspector's own memory is in every reading. Should that fail (the port taken by another
// process), it says so and reads RSS after 8 s idle instead (the V8 memory reducer's full GC runs
// once allocation stops).
//
// Usage: npx node bench/idle.bench.ts [--binary dist/eca] [--seconds 30] [--settle 15] [--cycles 1000] [--batch 250]
//          [--events 10000] [--event-batch 1000] [--against other/eca ...]
// (--against: another build idling beside the agent in the same window, on its own copy of the
// laptop; sampled like the others, left out of the churn)
// (--cycles 0: the idle part alone, printed, not written)
// Writes bench/results/idle.md.

import { spawn, spawnSync } from "node:child_process";
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
import { createTestPki, endpointConfigLines, startReceiver } from "../test/helpers/https-receiver.ts";
import { startMockBluez } from "../test/helpers/mock-bluez.ts";
import { cpuSeconds, dropFromPageCache, populateBluez, statusField } from "./daemon.bench.ts";
import { benchRecording } from "./usb-scan.bench.ts";

const repo = join(import.meta.dirname, "..");
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const { values } = parseArgs({
  options: {
    binary: { type: "string" },
    seconds: { type: "string", default: "30" },
    cycles: { type: "string", default: "1000" },
    batch: { type: "string", default: "250" },
    events: { type: "string", default: "10000" },
    "event-batch": { type: "string", default: "1000" },
    settle: { type: "string", default: "15" },
    against: { type: "string", multiple: true },
  },
});
const seconds = Number(values.seconds);
const cycles = Number(values.cycles);
const batch = Number(values.batch);
const events = Number(values.events);
const eventBatch = Number(values["event-batch"]);

/** NAME=VALUE of each Environment= line in packaging/linux/eca.service. */
function unitEnvironment(): Record<string, string> {
  const unit = readFileSync(join(import.meta.dirname, "../packaging/linux/eca.service"), "utf8");
  const pairs = [...unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)];
  return Object.fromEntries(pairs.map((m) => [m[1] as string, m[2] as string]));
}

/** Context switches by thread name (comm), to see which threads wake. */
function wakeUpsByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8").trim();
      const text = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
      let count = 0;
      for (const match of text.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm))
        count += Number(match[1]);
      byName.set(name, (byName.get(name) ?? 0) + count);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return byName;
}

/** Voluntary + involuntary context switches of every thread of `pid`. */
function wakeUps(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
      for (const match of text.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm))
        total += Number(match[1]);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return total;
}

const rssMB = (pid: number) => statusField(pid, "VmRSS") / 1024;

/**
 * Diagnosis only: glibc's malloc_trim(0) called inside process `pid` by gdb (when installed), to
 * tell memory the process still holds from memory it freed and malloc kept. RSS before and after.
 */
function mallocTrim(pid: number): { before: number; after: number } | undefined {
  if (spawnSync("gdb", ["--version"]).error !== undefined) return undefined;
  const before = rssMB(pid);
  const gdb = spawnSync("gdb", ["-p", String(pid), "-batch", "-ex", "call (int)malloc_trim(0)"], {
    encoding: "utf8",
  });
  if (gdb.status !== 0) return undefined;
  return { before, after: rssMB(pid) };
}

/**
 * A full GC of process `pid`, forced through Node's inspector (SIGUSR1 opens it on
 * 127.0.0.1:9229); undefined, with the reason, when the inspector there is not that process's.
 */
interface InspectorGc {
  collect(): Promise<void>;
  /** process.memoryUsage() of the agent, in MB. */
  usage(): Promise<Record<string, number>>;
  close(): void;
}

async function inspectorGc(pid: number): Promise<InspectorGc | string> {
  process.kill(pid, "SIGUSR1");
  let targets: { webSocketDebuggerUrl: string }[] = [];
  for (let i = 0; i < 40 && targets.length === 0; i++) {
    await sleep(50);
    try {
      targets = (await (await fetch("http://127.0.0.1:9229/json/list")).json()) as typeof targets;
    } catch {
      // not listening yet
    }
  }
  const target = targets[0];
  if (!target) return "the inspector did not open on 127.0.0.1:9229";
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((opened, failed) => {
    socket.addEventListener("open", opened);
    socket.addEventListener("error", failed);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((answered) => {
      pending.set(++id, answered);
      socket.send(JSON.stringify({ id, method, params }));
    });
  const answer = (await call("Runtime.evaluate", { expression: "process.pid", returnByValue: true })) as {
    result?: { value?: unknown };
  };
  if (answer.result?.value !== pid) {
    socket.close();
    return `127.0.0.1:9229 is another process's inspector (pid ${String(answer.result?.value)})`;
  }
  return {
    async collect() {
      await call("HeapProfiler.collectGarbage");
      await sleep(500);
      await call("HeapProfiler.collectGarbage");
      await sleep(500);
    },
    async usage() {
      const expression = "JSON.stringify(process.memoryUsage())";
      const reply = (await call("Runtime.evaluate", { expression, returnByValue: true })) as {
        result?: { value?: string };
      };
      const bytes = JSON.parse(reply.result?.value ?? "{}") as Record<string, number>;
      return Object.fromEntries(Object.entries(bytes).map(([k, v]) => [k, v / 1024 / 1024]));
    },
    close: () => socket.close(),
  };
}

interface Sampled {
  label: string;
  pid: number;
  rss: number[];
  cpu0: number;
  wake0: number;
  cpu?: number;
  wakes?: number;
  /** Quarter-seconds in which the process ran at all. */
  episodes?: number;
  last?: number;
}

const dir = mkdtempSync(join(tmpdir(), "eca-bench-idle-"));
const children: { kill(signal?: NodeJS.Signals): boolean }[] = [];
let usbguardPid: number | undefined;
const pki = createTestPki();
const receiver = await startReceiver({ pki, requireClientCert: true });
const bluez = await startMockBluez();
try {
  await populateBluez(bluez);
  // The daemon as shipped: a systemd service's environment, which is not the shell's (PATH and the
  // unit's Environment= lines: glibc's fixed mmap threshold). This machine's shell has
  // NODE_EXTRA_CA_CERTS and SSL_CERT_FILE, which a service never gets: Node would load and parse
  // those certificate files too, 1-2 MB a laptop does not spend.
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...unitEnvironment(),
    ECA_LOG_LEVEL: "error",
    DBUS_SYSTEM_BUS_ADDRESS: bluez.address,
  };
  /** An agent on its own copy of the recorded laptop, state and socket, delivering to the receiver. */
  function startAgent(binary: string | undefined, name: string) {
    const home = join(dir, name);
    const root = join(home, "root");
    cpSync(join(repo, "examples/laptop-with-phone-and-stick"), root, {
      recursive: true,
      verbatimSymlinks: true,
    });
    mkdirSync(join(root, "dev/bus/usb/001"), { recursive: true });
    const socket = join(home, "eca.sock");
    const configFile = join(home, "config.yaml");
    // The default configuration: only what says where things are (no pollIntervalSeconds).
    writeFileSync(
      configFile,
      [
        ...endpointConfigLines(pki, [`url: ${receiver.url}`]),
        `stateDir: ${join(home, "state")}`,
        `socketPath: ${socket}`,
        `root: ${root}`,
        "backends: [linux-sysfs, bluez-dbus, bluez-store]",
        "",
      ].join("\n"),
    );
    const [command, args] = binary
      ? [resolve(binary), ["run", "--config", configFile]]
      : [process.execPath, [join(repo, "agent/bin/eca.ts"), "run", "--config", configFile]];
    dropFromPageCache(realpathSync(command));
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"], env });
    children.push(child);
    return { root, socket, child };
  }
  dropFromPageCache(process.execPath);
  const { root, socket, child: agent } = startAgent(values.binary, "agent");
  // Other builds beside it in the same window (--against), idle only: a cut measured side by side.
  const others = (values.against ?? []).map((binary, i) => ({
    binary,
    ...startAgent(binary, `against-${i}`),
  }));
  const bare = spawn(process.execPath, ["-e", "setTimeout(() => {}, 2 ** 31 - 1)"], { stdio: "ignore" });
  children.push(bare);
  // The floor for the same technique: a bare Node that gives back its start-up pages as eca does
  // (agent/daemon/startup-pages.ts: koffi's madvise over its read-only file mappings, 10 s after
  // start), in plain JavaScript (TypeScript would load Node's type stripper), run from a private
  // copy of the binary: the kernel keeps pages another process maps, and this bench runs on it.
  const privateNode = join(dir, "node");
  cpSync(process.execPath, privateNode);
  const releasing = join(dir, "bare-releasing.mjs");
  writeFileSync(
    releasing,
    [
      `import koffi from ${JSON.stringify(join(repo, "node_modules/koffi/index.js"))};`,
      "import { readFileSync } from 'node:fs';",
      "setTimeout(() => {",
      "  const madvise = koffi.load(null).func('int madvise(uintptr_t addr, size_t length, int advice)');",
      "  for (const line of readFileSync('/proc/self/maps', 'latin1').split('\\n')) {",
      "    const [range = '', perms = '', , , , path = ''] = line.split(/\\s+/);",
      "    const [start, end] = range.split('-').map((hex) => Number.parseInt(hex, 16));",
      "    if (perms.startsWith('r-') && path.startsWith('/')) madvise(start, end - start, 21);",
      "  }",
      "}, 10_000);",
      "setTimeout(() => {}, 2 ** 31 - 1);",
      "",
    ].join("\n"),
  );
  const bareReleasing = spawn(privateNode, [releasing], { stdio: ["ignore", "ignore", "inherit"] });
  children.push(bareReleasing);

  // usbguard-daemon on the bench recording, under umockdev-run (this VM has no USB of its own).
  const usbguardNote: string[] = [];
  if (spawnSync("usbguard-daemon", ["-h"]).error === undefined) {
    const recording = join(dir, "bench-30.umockdev");
    writeFileSync(recording, benchRecording());
    const conf = join(dir, "usbguard");
    mkdirSync(conf);
    writeFileSync(join(conf, "rules.conf"), "", { mode: 0o600 });
    writeFileSync(
      join(conf, "usbguard-daemon.conf"),
      [
        `RuleFile=${join(conf, "rules.conf")}`,
        "ImplicitPolicyTarget=allow",
        "PresentDevicePolicy=keep",
        "InsertedDevicePolicy=apply-policy",
        "DeviceManagerBackend=uevent",
        "IPCAllowedUsers=root",
        "AuditBackend=FileAudit",
        `AuditFilePath=${join(conf, "audit.log")}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const wrapper = spawn(
      "umockdev-run",
      ["--device", recording, "--", "usbguard-daemon", "-K", "-P", "-c", join(conf, "usbguard-daemon.conf")],
      { stdio: "ignore" },
    );
    children.push(wrapper);
    for (let i = 0; i < 50 && usbguardPid === undefined; i++) {
      await sleep(100);
      const kids = existsSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`)
        ? readFileSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`, "utf8").trim()
        : "";
      if (kids) usbguardPid = Number(kids.split(" ")[0]);
    }
  } else usbguardNote.push("usbguard-daemon not installed (apt-get install usbguard)");

  for (const waited of [socket, ...others.map((other) => other.socket)]) {
    for (let i = 0; i < 200; i++) {
      if ((await requestStatus(waited, 200)).running) break;
      await sleep(50);
    }
  }
  // Past start-up work, the first delivery and the garbage collections that follow them (V8's
  // memory reducer collects a few times in the seconds after allocation stops): the steady idle.
  await sleep(Number(values.settle) * 1000);
  const targets: Sampled[] = [
    {
      label: values.binary ? `eca run (${values.binary})` : "eca run (node agent/bin/eca.ts)",
      pid: agent.pid as number,
    },
    { label: "bare node (`node -e` idling)", pid: bare.pid as number },
    {
      label: "bare node giving back its start-up pages as eca does (the floor for that technique)",
      pid: bareReleasing.pid as number,
    },
    ...others.map((other) => ({
      label: `eca run (${other.binary}), beside it`,
      pid: other.child.pid as number,
    })),
    ...(usbguardPid ? [{ label: "usbguard-daemon (under umockdev-run)", pid: usbguardPid }] : []),
  ].map((t) => {
    const wake0 = wakeUps(t.pid);
    return { ...t, rss: [], cpu0: cpuSeconds(t.pid), wake0, last: wake0 };
  });
  const threads0 = wakeUpsByThread(agent.pid as number);
  const began = performance.now();
  // Every 250 ms: a quarter-second in which any thread of a process ran counts as one wake-up (a
  // poll wakes the main thread and V8's GC helpers together: dozens of context switches, one wake).
  for (let tick = 1; tick <= seconds * 4; tick++) {
    await sleep(250);
    for (const t of targets) {
      const switches = wakeUps(t.pid);
      if (switches !== t.last) t.episodes = (t.episodes ?? 0) + 1;
      t.last = switches;
      if (tick % 4 === 0) t.rss.push(rssMB(t.pid));
    }
  }
  const window = (performance.now() - began) / 1000;
  const threads1 = wakeUpsByThread(agent.pid as number);
  const byThread = [...threads1]
    .map(([name, count]) => [name, count - (threads0.get(name) ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");
  for (const t of targets) {
    t.cpu = ((cpuSeconds(t.pid) - t.cpu0) / window) * 100;
    t.wakes = (wakeUps(t.pid) - t.wake0) / window;
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const bareRss = median(targets[1]?.rss ?? []);
  const rows = () =>
    targets.map(
      (t) =>
        `| ${t.label} | ${median(t.rss).toFixed(1)} MB | ${(median(t.rss) / bareRss).toFixed(2)}× | ${(t.cpu ?? 0).toFixed(3)} % | ${t.episodes ?? 0} in ${window.toFixed(0)} s (${(((t.episodes ?? 0) / window) * 10).toFixed(2)} per 10 s) | ${(t.wakes ?? 0).toFixed(2)} /s |`,
    );

  if (cycles === 0) process.stdout.write(`${rows().join("\n")}\nby thread: ${byThread}\n`);
  else await churnAndReport();

  async function churnAndReport(): Promise<void> {
    // Churn: sticks attached and detached in batches; every finding opened and resolved is delivered.
    const template = JSON.parse(readFileSync(join(repo, "bench/fixtures/attach-template.json"), "utf8")) as {
      device: Record<string, string>;
      interface: Record<string, string>;
    };
    const devices = join(root, "sys/bus/usb/devices");
    const pid = agent.pid as number;
    const openFindings = async () => {
      const answer = await requestStatus(socket, 2000);
      return answer.running ? answer.status.findings.length : -1;
    };
    const baseline = await openFindings();
    let serial = 0;
    const latencies: number[] = [];
    async function cycle(count: number, timed = true): Promise<void> {
      const ports: string[] = [];
      for (let i = 0; i < count; i++) {
        const port = `1-${20 + i}`;
        const target = join(root, "sys/devices/pci0000:00/0000:00:14.0/usb1", port);
        mkdirSync(join(target, `${port}:1.0`), { recursive: true });
        for (const [name, value] of Object.entries(template.device))
          writeFileSync(join(target, name), value.replace("SERIAL", `CHURN${serial++}`));
        for (const [name, value] of Object.entries(template.interface))
          writeFileSync(join(target, `${port}:1.0`, name), value);
        symlinkSync(target, join(devices, port));
        symlinkSync(join(target, `${port}:1.0`), join(devices, `${port}:1.0`));
        ports.push(port);
      }
      const attached = performance.now();
      // Timed cycles watch the status socket (finding queued); the events phase watches the
      // receiver instead (finding delivered), which costs the agent no status answers of 1,000 findings.
      const received = receiver.events().length;
      const deliveredAtLeast = async (wanted: number) => {
        for (let i = 0; i < 1200 && receiver.events().length < wanted; i++) await sleep(25);
      };
      writeFileSync(join(root, "dev/bus/usb/001", "200"), "");
      if (timed) {
        while ((await openFindings()) < baseline + count) await sleep(5);
        latencies.push(performance.now() - attached);
      } else await deliveredAtLeast(received + count);
      for (const port of ports) {
        rmSync(join(devices, port));
        rmSync(join(devices, `${port}:1.0`));
        rmSync(join(root, "sys/devices/pci0000:00/0000:00:14.0/usb1", port), { recursive: true });
      }
      rmSync(join(root, "dev/bus/usb/001", "200"));
      if (timed) while ((await openFindings()) > baseline) await sleep(5);
      else await deliveredAtLeast(received + 2 * count);
    }
    await cycle(batch); // warm-up: the largest scan the cycles make, delivered
    const gc = await inspectorGc(pid);
    const gcNote =
      typeof gc === "string"
        ? `RSS read after 8 s idle, no GC forced: ${gc}.`
        : "RSS read after a full GC of the agent forced through its inspector (HeapProfiler.collectGarbage, twice, SIGUSR1 on 127.0.0.1:9229, the session open from the baseline on).";
    const usages: Record<string, number>[] = [];
    const rssParts: [anon: number, file: number][] = [];
    const settledRss = async () => {
      if (typeof gc === "string") await sleep(8_000);
      else {
        await gc.collect();
        usages.push(await gc.usage());
      }
      rssParts.push([statusField(pid, "RssAnon") / 1024, statusField(pid, "RssFile") / 1024]);
      return rssMB(pid);
    };
    const delivered0 = receiver.events().length;
    const rssBefore = await settledRss();
    const churnBegan = performance.now();
    for (let done = 0; done < cycles; done += batch) await cycle(Math.min(batch, cycles - done));
    const churnSeconds = (performance.now() - churnBegan) / 1000;
    const allDelivered = async (wanted: number) => {
      for (let i = 0; i < 600 && receiver.events().length < wanted; i++) await sleep(50);
      return receiver.events().length - delivered0;
    };
    const delivered = await allDelivered(delivered0 + 2 * cycles);
    const rssAfter = await settledRss();
    // Then events: more cycles, in larger batches, until --events have been delivered.
    const eventsBegan = performance.now();
    let eventCycles = 0;
    while (receiver.events().length - delivered0 < events) {
      const count = Math.min(eventBatch, Math.ceil((events - (receiver.events().length - delivered0)) / 2));
      await cycle(count, false);
      eventCycles += count;
      const before = receiver.events().length;
      await allDelivered(delivered0 + Math.min(events, 2 * (cycles + eventCycles)));
      if (receiver.events().length === before && before - delivered0 < 2 * (cycles + eventCycles)) {
        throw new Error(`delivery stalled at ${before - delivered0} events`);
      }
    }
    const eventsSeconds = (performance.now() - eventsBegan) / 1000;
    const deliveredAll = receiver.events().length - delivered0;
    const rssEvents = await settledRss();
    if (typeof gc !== "string") gc.close();
    const trimmed = mallocTrim(pid);

    const report = [
      "# Idle agent beside a bare Node and usbguard-daemon, and memory after churn",
      "",
      `\`npx node bench/idle.bench.ts${values.binary ? ` --binary ${values.binary}` : ""} --seconds ${seconds} --settle ${values.settle} --cycles ${cycles} --batch ${batch} --events ${events} --event-batch ${eventBatch}${(values.against ?? []).map((other) => ` --against ${other}`).join("")}\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}-${process.arch}.`,
      "",
      `Idle window: ${window.toFixed(0)} s, from ${values.settle} s after the agent answered on its socket; all sampled together once a second (RSS: median of the samples).`,
      "",
      `Every agent runs under a service's environment: PATH and the systemd unit's Environment= lines, not the shell's (packaging/linux/eca.service: ${Object.entries(
        unitEnvironment(),
      )
        .map(([name, value]) => `${name}=${value}`)
        .join(
          ", ",
        )}); ECA_LOG_LEVEL=error here); the bare node without it (MALLOC_MMAP_THRESHOLD_ leaves a bare node's idle RSS where it is).`,
      "",
      "On Linux `eca run` gives back its start-up pages 10 s after it starts (agent/daemon/startup-pages.ts: madvise(MADV_PAGEOUT) over its read-only file mappings, through koffi); the plain bare node does not, so the row after it is a bare node that does the same from a private copy of the binary: the floor for that technique.",
      "",
      "| what runs | idle RSS | vs bare node | idle CPU, one core | wake-ups (quarter-seconds with any thread running) | context switches |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...rows(),
      "",
      `The agent's context switches in the window, by thread: ${byThread || "none"}.`,
      "",
      `Churn: ${cycles} attach/detach cycles in batches of ${batch} in ${churnSeconds.toFixed(1)} s; ${delivered} events delivered to the loopback HTTPS receiver (mutual TLS).`,
      `Attach of a batch → all its findings queued: median ${median(latencies).toFixed(0)} ms, worst ${Math.max(...latencies).toFixed(0)} ms.`,
      "",
      `Then ${eventCycles} more cycles in batches of up to ${eventBatch} in ${eventsSeconds.toFixed(1)} s: ${deliveredAll} events delivered since the baseline in all.`,
      "",
      gcNote,
      "",
      `| RSS at the baseline (after the warm-up batch) | after ${cycles} cycles | growth | after ${deliveredAll} delivered events | growth |`,
      "| ---: | ---: | ---: | ---: | ---: |",
      `| ${rssBefore.toFixed(1)} MB | ${rssAfter.toFixed(1)} MB | ${(rssAfter - rssBefore).toFixed(1)} MB | ${rssEvents.toFixed(1)} MB | ${(rssEvents - rssBefore).toFixed(1)} MB |`,
      "",
      `Of the RSS, anonymous memory ${rssParts.map(([anon]) => anon.toFixed(1)).join(" → ")} MB and the executable's and libraries' file pages ${rssParts.map(([, file]) => file.toFixed(1)).join(" → ")} MB (RssAnon, RssFile).`,
      ...(trimmed
        ? [
            "",
            `Then glibc's malloc_trim(0), called in the agent by gdb (a diagnosis, nothing eca does): RSS ${trimmed.before.toFixed(1)} → ${trimmed.after.toFixed(1)} MB (${(trimmed.after - rssBefore).toFixed(1)} MB from the baseline). Memory malloc_trim gives back was freed by the agent and kept by malloc, not leaked.`,
          ]
        : []),
      ...(usages.length === 3
        ? [
            "",
            "Inside the agent at the same three points (`process.memoryUsage()`, after the GC): " +
              ["heapUsed", "heapTotal", "external", "arrayBuffers"]
                .map((key) => `${key} ${usages.map((u) => (u[key] ?? 0).toFixed(1)).join(" → ")} MB`)
                .join("; ") +
              "; the rest of the RSS is the executable's pages and native memory (SQLite, OpenSSL, malloc).",
          ]
        : []),
      ...usbguardNote.map((note) => `\n${note}`),
      "",
    ].join("\n");
    process.stdout.write(report);
    writeFileSync(join(repo, "bench/results/idle.md"), report);
  }
} finally {
  for (const child of children) child.kill("SIGTERM");
  if (usbguardPid) process.kill(usbguardPid, "SIGTERM");
  await sleep(500);
  await bluez.stop();
  await receiver.close();
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
