// What the in-process Windows collector (probes/windows/cfgmgr32.ts, CfgMgr32 through koffi) costs
// the agent, measured where it can be without Windows, each against a floor in the same run:
// - loading koffi: time and resident memory added (this machine's addon; the Windows one is the
//   same code, 1.05 MB against 1.14 MB);
// - koffi's cost per foreign call: strlen() on a Buffer through koffi, against the same scan done
//   in JavaScript (Buffer.indexOf);
// - the collector's JavaScript side (listing, property decoding, building the objects) over the
//   grown 757-node listing of bench/windows-scan.bench.ts, with CfgMgr32 answered from memory,
//   against JSON.parse of the listing PowerShell would have written (what that path pays anyway);
//   and how many CfgMgr32 calls a listing makes, to put koffi's per-call cost on it.
// What CfgMgr32 itself takes per call is not here: there is no Windows machine (BENCHMARKS.md).
//
// Usage, under the daemon's V8 flags (packaging/build-sea.ts EXEC_ARGV and DAEMON_V8_FLAGS):
//   npx node --no-opt --no-maglev --max-semi-space-size=1 bench/windows-collector.bench.ts
// (writes bench/results/windows-collector.md)

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { collectPnpDevices, type DevNodeApi } from "../probes/windows/cfgmgr32.ts";
import {
  DEVPKEYS,
  DEVPROP_TYPE,
  type DevPKeyName,
  devPropKeyBytes,
} from "../probes/windows/cfgmgr32-parse.ts";
import { type PnpDevice, parsePnpDocument } from "../probes/windows/pnp-document.ts";

// Static imports are evaluated first: this measures koffi alone.
const rssBefore = process.memoryUsage().rss;
const loadStarted = performance.now();
const koffi = (await import("koffi")).default;
const loadMs = performance.now() - loadStarted;
const rssAfter = process.memoryUsage().rss;

const CAPTURE = join(import.meta.dirname, "../test/fixtures/captures/win-lenovo-p52-intel");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(runs: number, task: () => unknown): number {
  for (let i = 0; i < Math.max(1, runs / 10); i++) task();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    task();
    samples.push(performance.now() - began);
  }
  return median(samples);
}

// koffi per call.
const libc = koffi.load(process.platform === "linux" ? "libc.so.6" : null);
const strlen = libc.func("size_t strlen(const uint8_t *s)");
const id = Buffer.from("USB\\VID_0781&PID_5581\\4C530001230516115381\0", "utf8");
const CALLS = 100_000;
const koffiNs =
  (time(15, () => {
    for (let i = 0; i < CALLS; i++) strlen(id);
  }) *
    1e6) /
  CALLS;
const jsNs =
  (time(15, () => {
    for (let i = 0; i < CALLS; i++) id.indexOf(0);
  }) *
    1e6) /
  CALLS;

// The collector's JavaScript side, CfgMgr32 answered from memory.
function encode(device: PnpDevice, name: DevPKeyName): { type: number; bytes: Uint8Array } | undefined {
  const record = device as unknown as Record<string, unknown>;
  const value =
    name === "Capabilities"
      ? device.Removable === undefined
        ? undefined
        : device.Removable
          ? 0x204
          : 0x200
      : record[name];
  if (value === undefined) return undefined;
  if (typeof value === "string")
    return { type: DEVPROP_TYPE.STRING, bytes: Buffer.from(`${value}\0`, "utf16le") };
  if (Array.isArray(value))
    return { type: DEVPROP_TYPE.STRING_LIST, bytes: Buffer.from(`${value.join("\0")}\0\0`, "utf16le") };
  if (typeof value === "boolean")
    return { type: DEVPROP_TYPE.BOOLEAN, bytes: new Uint8Array([value ? 0xff : 0]) };
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value as number, true);
  return { type: DEVPROP_TYPE.UINT32, bytes };
}

const recorded = parsePnpDocument(readFileSync(join(CAPTURE, "pnp-devices.json"), "utf8")).devices;
// The same growth as bench/windows-scan.bench.ts: the external devices again behind 30 more hubs.
const external = recorded.filter(
  (d) => d.ContainerId !== undefined && !d.ContainerId.startsWith("{00000000"),
);
const listing: PnpDevice[] = [...recorded];
for (let copy = 0; copy < 30; copy++) {
  listing.push({
    InstanceId: `USB\\VID_05E3&PID_0610\\9&${copy}`,
    Class: "USB",
    Present: true,
    Status: "OK",
  });
  for (const device of external) listing.push({ ...device, InstanceId: `${device.InstanceId}X${copy}` });
}
const keyNames = new Map(
  (Object.keys(DEVPKEYS) as DevPKeyName[]).map((name) => [
    Buffer.from(devPropKeyBytes(DEVPKEYS[name])).toString("hex"),
    name,
  ]),
);
// The collector passes the same key objects every time: their hex is worked out once, so the
// stand-in for CfgMgr32 costs next to nothing.
const hexes = new WeakMap<Uint8Array, string>();
function hexOf(key: Uint8Array): string {
  let hex = hexes.get(key);
  if (hex === undefined) {
    hex = Buffer.from(key).toString("hex");
    hexes.set(key, hex);
  }
  return hex;
}

/** CfgMgr32 answering from memory for `devices`, counting the calls the collector makes. */
function memoryApi(devices: PnpDevice[]): { api: DevNodeApi; calls: () => number } {
  const answers = devices.map((device) => {
    const byKey = new Map<string, { type: number; bytes: Uint8Array }>();
    for (const [hex, name] of keyNames) {
      const raw = encode(device, name);
      if (raw) byKey.set(hex, raw);
    }
    return byKey;
  });
  const byId = new Map(devices.map((d, i) => [d.InstanceId, i]));
  let calls = 0;
  const api: DevNodeApi = {
    presentIds: () => {
      calls += 2; // CM_Get_Device_ID_List_SizeW, CM_Get_Device_ID_ListW
      return devices.map((d) => d.InstanceId);
    },
    locate: (instanceId) => {
      calls++;
      return byId.get(instanceId);
    },
    property: (devinst, key) => {
      const raw = answers[devinst]?.get(hexOf(key));
      calls += raw ? 2 : 1; // the size query, then the read when there is something to read
      return raw;
    },
    problem: () => {
      calls++;
      return 0;
    },
  };
  return { api, calls: () => calls };
}

const collectorRows: string[] = [];
for (const [name, devices] of [
  ["recorded Lenovo P52", recorded],
  ["grown: 30 more hubs of its external devices", listing],
] as const) {
  const { api, calls } = memoryApi(devices);
  collectPnpDevices(api);
  const perListing = calls();
  const json = JSON.stringify(devices);
  const floor = time(100, () => JSON.parse(json));
  const collector = time(100, () => collectPnpDevices(api));
  collectorRows.push(
    `| collector JavaScript, ${name} (${devices.length} nodes), CfgMgr32 from memory | ${collector.toFixed(2)} ms | JSON.parse of the PowerShell listing: ${floor.toFixed(2)} ms (${(collector / floor).toFixed(1)}×) |`,
    `| its ${perListing} CfgMgr32 calls × koffi's cost per call | ${((perListing * koffiNs) / 1e6).toFixed(1)} ms | — |`,
  );
}

const rows = [
  `| loading koffi (import, addon) | ${loadMs.toFixed(1)} ms, +${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB RSS | — |`,
  `| one foreign call (strlen of a 44-byte Buffer) | ${koffiNs.toFixed(0)} ns | Buffer.indexOf: ${jsNs.toFixed(0)} ns |`,
  ...collectorRows,
];
const text = [
  "# Windows collector benchmark",
  "",
  "What the in-process CfgMgr32 collector costs the agent, measured without Windows (koffi's Linux addon).",
  "",
  "| what | measured | floor in the same run |",
  "| --- | ---: | ---: |",
  ...rows,
  "",
  `- Medians of 15 rounds of ${CALLS} calls, and of 100 listings; Node ${process.version} ${process.execArgv.join(" ")}, ${process.platform}/${process.arch}, ${new Date().toISOString().slice(0, 10)}.`,
  "- CfgMgr32's own time per call is not included: no Windows machine (BENCHMARKS.md, Windows scan).",
  "",
].join("\n");
writeFileSync(join(import.meta.dirname, "results", "windows-collector.md"), text);
process.stdout.write(text);
