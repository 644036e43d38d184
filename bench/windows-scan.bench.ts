// What one scan of a Windows laptop costs inside the agent, from the recorded PowerShell output to
// the report: parse (pnp-devices.json and bluetooth-registry.json into observations), then classify
// and evaluate, against a floor measured in the same run: JSON.parse of the same two texts, which
// any reader of them pays. On the recorded Lenovo P52 (test/fixtures/captures/win-lenovo-p52-intel,
// 37 nodes) and on a listing grown to the size of a busy laptop (the external devices repeated
// behind 30 more hubs, 757 nodes). What the collector costs on Windows is not measured here (no Windows
// machine): BENCHMARKS.md cites recorded PowerShell timings.
//
// Usage: npx node bench/windows-scan.bench.ts   (writes bench/results/windows-scan.md)

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { judgeSnapshot } from "../agent/scan.ts";
import { builtInPolicy } from "../policy/load.ts";
import { mergeBluetoothObservations } from "../probes/merge-bluetooth.ts";
import { mergeUsbObservations } from "../probes/merge-usb.ts";
import type { Observation, Snapshot } from "../probes/types.ts";
import {
  bluetoothObservationsFromWindows,
  parseBluetoothRegistry,
} from "../probes/windows/bluetooth-parse.ts";
import { type PnpDevice, parsePnpDocument } from "../probes/windows/pnp-document.ts";
import { usbObservationsFromPnp } from "../probes/windows/pnp-parse.ts";

const CAPTURE = join(import.meta.dirname, "../test/fixtures/captures/win-lenovo-p52-intel");
const NOW = new Date("2026-11-27T12:00:00.000Z");
const policy = builtInPolicy();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0
    ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
    : (sorted[middle] ?? 0);
}

function time(runs: number, warmup: number, task: () => unknown): number {
  for (let i = 0; i < warmup; i++) task();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    task();
    samples.push(performance.now() - began);
  }
  return median(samples);
}

/** The recorded listing with its external devices repeated behind `hubs` extra hubs, new ids each time. */
function grown(devices: PnpDevice[], hubs: number): PnpDevice[] {
  const root = devices.find((d) => d.InstanceId.startsWith("USB\\ROOT_HUB30\\"));
  const external = devices.filter(
    (d) => d.ContainerId !== undefined && !d.ContainerId.startsWith("{00000000"),
  );
  const out = [...devices];
  for (let copy = 0; copy < hubs; copy++) {
    const hubId = `USB\\VID_05E3&PID_0610\\9&${copy.toString(16)}&0&${copy}`;
    out.push({
      InstanceId: hubId,
      Class: "USB",
      FriendlyName: "Generic USB Hub",
      Present: true,
      Status: "OK",
      CompatibleID: ["USB\\Class_09&SubClass_00&Prot_02"],
      Parent: root?.InstanceId,
      LocationPaths: [`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(${4 + copy})`],
      ContainerId: `{${copy.toString(16).padStart(8, "0")}-0000-5000-8000-000000000000}`,
      Removable: true,
    });
    const rename = (id: string) => id.replace(/\\([^\\]+)$/, `\\$1X${copy}`);
    for (const device of external) {
      const parentIsRoot = device.Parent === root?.InstanceId;
      out.push({
        ...device,
        InstanceId: rename(device.InstanceId),
        Parent: parentIsRoot ? hubId : device.Parent ? rename(device.Parent) : undefined,
        LocationPaths: device.LocationPaths?.map((path) => `${path}#HUB${copy}`),
      });
    }
  }
  return out;
}

function parse(pnpText: string, registryText: string) {
  const document = parsePnpDocument(pnpText);
  const usb = usbObservationsFromPnp(document.devices, document.propertyWarnings).observations;
  const registry = parseBluetoothRegistry(registryText).registry;
  const bluetooth = bluetoothObservationsFromWindows(document.devices, registry).observations;
  return { usb, bluetooth };
}

function scan(pnpText: string, registryText: string) {
  const { usb, bluetooth } = parse(pnpText, registryText);
  const snapshot: Snapshot = {
    observations: [...mergeUsbObservations(usb), ...mergeBluetoothObservations(bluetooth)] as Observation[],
    unavailable: [],
  };
  return judgeSnapshot(snapshot, policy, NOW, "bench");
}

const registryText = readFileSync(join(CAPTURE, "bluetooth-registry.json"), "utf8");
const recordedText = readFileSync(join(CAPTURE, "pnp-devices.json"), "utf8");
const recorded = parsePnpDocument(recordedText).devices;
const listings = [
  { name: "recorded Lenovo P52", text: recordedText },
  {
    name: "grown: 30 more hubs, each with the laptop's external devices",
    text: JSON.stringify(grown(recorded, 30)),
  },
];

const rows: string[] = [];
for (const listing of listings) {
  const nodes = (JSON.parse(listing.text) as unknown[]).length;
  const runs = nodes > 100 ? 300 : 2000;
  const floor = time(runs, runs / 10, () => {
    JSON.parse(listing.text);
    JSON.parse(registryText);
  });
  const parsed = time(runs, runs / 10, () => parse(listing.text, registryText));
  const full = time(runs, runs / 10, () => scan(listing.text, registryText));
  const report = scan(listing.text, registryText);
  rows.push(
    `| ${listing.name} | ${nodes} | ${report.devices.length} | ${floor.toFixed(3)} ms | ${parsed.toFixed(3)} ms (${(parsed / floor).toFixed(1)}×) | ${full.toFixed(3)} ms (${(full / floor).toFixed(1)}×) |`,
  );
}

const text = [
  "# Windows scan benchmark",
  "",
  "Per-scan cost inside the agent of a Windows scan, from the collectors' JSON to the report, against",
  "JSON.parse of the same two texts in the same run (the floor any reader pays).",
  "",
  "| listing | PnP nodes | devices in report | floor: JSON.parse | parse into observations | parse + classify + evaluate + report |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
  `- Medians of 2000 runs (300 for the grown listing) after a tenth as many warm-up runs; Node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString().slice(0, 10)}.`,
  "- The collector's own cost on Windows (PowerShell start-up, Get-PnpDevice, Get-PnpDeviceProperty) is not",
  "  in these figures: there was no Windows machine to measure it on. BENCHMARKS.md gives recorded public",
  "  timings of PowerShell start-up and what they mean at the daemon's poll interval.",
  "",
].join("\n");
writeFileSync(join(import.meta.dirname, "results/windows-scan.md"), text);
process.stdout.write(text);
