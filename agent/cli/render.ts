// Human output for IT support at the laptop: what is connected, what is wrong, why, what to do.
// Every value shown passes through sanitizeForTerminal: device names and serials are chosen by
// whoever made or named the device, and a terminal acts on control characters in them.

import type { DeviceRef, DeviceVerdict, Finding } from "../../policy/types.ts";
import type { ScanReport } from "../report.ts";
import { sanitizeForTerminal as shown } from "../text/sanitize.ts";

function table(headers: string[], unsafeRows: string[][]): string {
  const rows = unsafeRows.map((row) => row.map(shown));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Some sticks report 64-character serials: keep the table readable; --json has them whole. */
function shortSerial(serial: string): string {
  return serial.length > 20 ? `${serial.slice(0, 19)}…` : serial;
}

function ids(device: DeviceRef): string {
  if (device.address) return device.address;
  if (device.vendorId) {
    return `${device.vendorId}:${device.productId ?? "????"}${device.serial ? ` ${shortSerial(device.serial)}` : ""}`;
  }
  return device.id;
}

const VERDICT_WORDS: Record<DeviceVerdict["verdict"], string> = {
  allowed: "allowed",
  approved: "approved",
  exempt: "exempt",
  violation: "VIOLATION",
  review: "REVIEW",
};

/** Root hubs are the laptop's own plumbing: shown in --json, left out here to keep the table readable. */
function isRootHub(device: DeviceVerdict): boolean {
  return device.builtIn && device.kind === "hub" && device.bus === "usb" && !device.portPath?.includes("-");
}

export function renderDevices(devices: DeviceVerdict[]): string {
  const shown = devices.filter((d) => !isRootHub(d));
  if (shown.length === 0) return "No USB or Bluetooth devices found.";
  const rows = shown.map((d) => [
    d.bus,
    d.kind,
    d.name,
    ids(d),
    d.builtIn ? "yes" : "no",
    VERDICT_WORDS[d.verdict],
    d.reason,
  ]);
  return table(["BUS", "KIND", "NAME", "IDS", "BUILT-IN", "VERDICT", "WHY"], rows);
}

export function renderFinding(finding: Finding, index: number): string {
  const device = `${finding.device.name} (${finding.device.bus} ${ids(finding.device)})`;
  return [
    `${index + 1}. [${shown(finding.severity)}] ${shown(finding.title)}: ${shown(device)}`,
    `   rule:      ${shown(finding.rule)}   id: ${shown(finding.id)}`,
    `   guidance:  ${shown(finding.statement)}`,
    `   evidence:  ${shown(finding.evidence.join("; "))}`,
    `   what to do: ${shown(finding.remediation)}`,
  ].join("\n");
}

/** `partial`: some sources could not answer, so "no findings" only covers what was checked. */
export function renderFindings(findings: Finding[], partial = false): string {
  if (findings.length === 0) {
    return partial
      ? "No findings in what could be checked; some sources did not answer (see below)."
      : "No findings: this laptop is compliant.";
  }
  return [
    `${findings.length} finding${findings.length === 1 ? "" : "s"}:`,
    ...findings.map(renderFinding),
  ].join("\n\n");
}

export function renderReport(report: ScanReport): string {
  const header = [
    `eca ${report.agent.version} on ${report.host.hostname}, ${report.scannedAt}`,
    `policy ${report.policy.id} ${report.policy.version} (${report.policy.source})`,
  ]
    .map(shown)
    .join("\n");
  // A source whose stack is absent (no BlueZ) answered "none here": it leaves nothing unchecked.
  const failed = report.unavailable.filter((u) => !u.absent);
  const absent = report.unavailable.filter((u) => u.absent);
  const list = (entries: typeof failed) =>
    entries.map((u) => `  - ${shown(`${u.source}: ${u.reason}`)}`).join("\n");
  const sections = [
    header,
    renderDevices(report.devices),
    renderFindings(report.findings, failed.length > 0),
  ];
  if (failed.length > 0) sections.push(`Not checked (source unavailable):\n${list(failed)}`);
  if (absent.length > 0) sections.push(`Not installed here (nothing to check):\n${list(absent)}`);
  return `${sections.join("\n\n")}\n`;
}
