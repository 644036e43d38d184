// What `eca capture` copies on Linux: the subset of sysfs and the BlueZ store the probes read,
// laid out as under "/" so the folder works as `--root` (docs/CAPTURE.md). Symlinks in sysfs are
// followed and written as plain directories, except the Type-C port links, whose targets the
// probe reads (typec.ts) and which are kept as links with the same target text.
// Files are read through sysfs-read.ts, so a capture taken under umockdev-run sees what the probe sees.

import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readBoundedText } from "../../agent/bounded-read.ts";
import { listDirectorySync, readAttribute, readBinaryAttribute } from "../linux/sysfs-read.ts";
import { hubPortAttributePath, isUsbDeviceName } from "../linux/usb-sysfs-parse.ts";
import type { CaptureSourceEntry } from "./manifest.ts";

/** Attributes usb-sysfs.ts reads from a device directory (uevent stands in for the identity five). */
const DEVICE_FILES = [
  "uevent",
  "idVendor",
  "idProduct",
  "bDeviceClass",
  "bDeviceSubClass",
  "bDeviceProtocol",
  "serial",
  "manufacturer",
  "product",
  "speed",
  "bMaxPower",
  "removable",
  "port/connect_type",
];
/** Attributes it reads from an interface directory. */
const INTERFACE_FILES = [
  "modalias",
  "bInterfaceClass",
  "bInterfaceSubClass",
  "bInterfaceProtocol",
  "interface",
];
/** A BlueZ info file is a few kilobytes; anything larger is not copied. */
const STORE_FILE_MAX_BYTES = 64 * 1024;
const ADDRESS = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;

const elapsedSince = (began: bigint) => Math.round(Number(process.hrtime.bigint() - began) / 1e5) / 10;

function copyAttribute(from: string, to: string): boolean {
  const raw = readAttribute(from);
  if (!("text" in raw)) return false;
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, raw.text);
  return true;
}

/** The device's binary `descriptors`, copied as it is: the probe takes ids, classes and power from it. */
function copyDescriptors(from: string, to: string): void {
  const raw = readBinaryAttribute(from);
  if (!("bytes" in raw)) return;
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, raw.bytes);
}

function captureUsb(root: string, out: string): CaptureSourceEntry {
  const began = process.hrtime.bigint();
  const relative = "sys/bus/usb/devices";
  const from = join(root, relative);
  const to = join(out, relative);
  const entry: CaptureSourceEntry = { file: relative, path: `/${relative}` };
  let names: string[];
  try {
    names = listDirectorySync(from).map((e) => e.name);
  } catch (error) {
    entry.error = `cannot list ${from}: ${(error as NodeJS.ErrnoException).code ?? error}`;
    return entry;
  }
  for (const name of names) {
    mkdirSync(join(to, name), { recursive: true });
    if (isUsbDeviceName(name)) {
      for (const file of DEVICE_FILES) copyAttribute(`${from}/${name}/${file}`, `${to}/${name}/${file}`);
      copyDescriptors(`${from}/${name}/descriptors`, `${to}/${name}/descriptors`);
      // Older kernels have no `port` link: the probe then reads the hub port under the parent hub.
      const fallback = hubPortAttributePath(name, "connect_type");
      if (fallback) copyAttribute(`${from}/${fallback}`, `${to}/${fallback}`);
      // Whether firmware describes the port: the probe only asks whether the link is there (a
      // port behind a non-root hub without one is "unknown", unread: usb-sysfs.ts PortKnowledge).
      if (existsSync(`${from}/${name}/port/firmware_node`))
        mkdirSync(`${to}/${name}/port/firmware_node`, { recursive: true });
      continue;
    }
    for (const file of INTERFACE_FILES) copyAttribute(`${from}/${name}/${file}`, `${to}/${name}/${file}`);
  }
  entry.durationMs = elapsedSince(began);
  return entry;
}

function captureTypec(root: string, out: string): CaptureSourceEntry | undefined {
  const began = process.hrtime.bigint();
  // umockdev files typec recordings as a bus; real kernels list ports in the class (typec.ts).
  for (const relative of ["sys/class/typec", "sys/bus/typec/devices"]) {
    const from = join(root, relative);
    let ports: string[];
    try {
      ports = listDirectorySync(from)
        .map((e) => e.name)
        .filter((name) => /^port\d+$/.test(name));
    } catch {
      continue;
    }
    for (const port of ports) {
      const portFrom = `${from}/${port}`;
      const portTo = join(out, relative, port);
      mkdirSync(portTo, { recursive: true });
      for (const file of ["power_role", "data_role"])
        copyAttribute(`${portFrom}/${file}`, `${portTo}/${file}`);
      let entries: ReturnType<typeof listDirectorySync> = [];
      try {
        entries = listDirectorySync(portFrom);
      } catch {
        // No listing: no partner, no links, as the probe sees it.
      }
      for (const child of entries) {
        if (child.name === `${port}-partner`) mkdirSync(join(portTo, child.name), { recursive: true });
        else if (child.isSymbolicLink && /port/.test(child.name)) {
          try {
            symlinkSync(readlinkSync(`${portFrom}/${child.name}`), join(portTo, child.name));
          } catch {
            // An unreadable link is left out, as the probe would read no target.
          }
        }
      }
    }
    return { file: relative, path: `/${relative}`, durationMs: elapsedSince(began) };
  }
  return undefined;
}

/** Link keys and long-term keys are secrets that let a device impersonate the laptop: never copied. */
export function redactBluezInfo(text: string): string {
  let group = "";
  return text
    .split("\n")
    .map((line) => {
      const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
      if (header) group = header[1] ?? "";
      if (/Key$/.test(group) && /^\s*Key\s*=/.test(line)) return "Key=REDACTED";
      return line;
    })
    .join("\n");
}

function captureBluezStore(root: string, out: string): CaptureSourceEntry {
  const began = process.hrtime.bigint();
  const relative = "var/lib/bluetooth";
  const from = join(root, relative);
  const entry: CaptureSourceEntry = { file: relative, path: `/${relative}` };
  const addresses = (directory: string) =>
    readdirSync(directory, { withFileTypes: true })
      .filter((e) => e.isDirectory() && ADDRESS.test(e.name))
      .map((e) => e.name);
  let adapters: string[];
  try {
    adapters = addresses(from);
  } catch (error) {
    entry.error = `cannot list ${from}: ${(error as NodeJS.ErrnoException).code ?? error}`;
    return entry;
  }
  for (const adapter of adapters) {
    let devices: string[] = [];
    try {
      devices = addresses(join(from, adapter));
    } catch {
      // An unreadable adapter directory stays empty in the capture, as the probe would report it.
    }
    mkdirSync(join(out, relative, adapter), { recursive: true });
    for (const device of devices) {
      const read = readBoundedText(join(from, adapter, device, "info"), STORE_FILE_MAX_BYTES);
      const target = join(out, relative, adapter, device);
      mkdirSync(target, { recursive: true });
      if (read.ok) writeFileSync(join(target, "info"), redactBluezInfo(read.text));
    }
  }
  entry.durationMs = elapsedSince(began);
  return entry;
}

/** Copies the Linux file sources under `root` into `out`; returns their manifest entries. */
export function captureLinuxFiles(root: string, out: string): CaptureSourceEntry[] {
  const entries = [captureUsb(root, out)];
  const typec = captureTypec(root, out);
  if (typec) entries.push(typec);
  entries.push(captureBluezStore(root, out));
  return entries;
}
