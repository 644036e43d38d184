// Turns a umockdev recording (*.umockdev) into a plain sysfs directory tree that `--root DIR` reads,
// laid out as umockdev-run presents the same recording at "/": one recording serves both the
// umockdev tests and the examples.
//
// Usage: npx node test/tools/umockdev-to-tree.ts RECORDING.umockdev OUTPUT_DIR
//
// Format (umockdev's docs/script-format and the recordings it ships): blocks separated by blank
// lines; "P: /devices/..." the sysfs path; "A: name=value" a text attribute (C escapes as GLib's
// g_strcompress: \n \t \\ \NNN, any other "\c" is "c"); "H: name=HEX" a binary attribute;
// "L: name=target" a symlink; "N: bus/usb/001/002[=HEX]" a /dev node; "E: KEY=value" udev
// properties (SUBSYSTEM decides the /sys/bus or /sys/class link); "S:" /dev symlinks (ignored).

import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";

/** Subsystems the kernel registers as buses (linked from /sys/bus/NAME/devices); others are classes. */
const BUS_SUBSYSTEMS = new Set(["usb", "pci", "platform"]);
/** Subsystems with no link in real sysfs (hub ports are plain devices). */
const UNLINKED_SUBSYSTEMS = new Set(["usb_port"]);

export interface RecordedDevice {
  path: string;
  subsystem?: string;
  attributes: { name: string; value: Buffer }[];
  links: { name: string; target: string }[];
  node?: { name: string; contents: Buffer };
  /** udev properties in recorded order, which umockdev writes to the device's `uevent`. */
  properties: string[];
}

/** GLib g_strcompress, which umockdev applies to "A:" values. */
export function unescapeAttribute(text: string): string {
  const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v" };
  return text.replace(/\\([0-7]{1,3}|.)/g, (_match, escaped: string) => {
    if (/^[0-7]+$/.test(escaped)) return String.fromCharCode(Number.parseInt(escaped, 8));
    return simple[escaped] ?? escaped;
  });
}

export function parseRecording(text: string): RecordedDevice[] {
  const devices: RecordedDevice[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((line) => line.length > 0 && !line.startsWith("#"));
    if (lines.length === 0) continue;
    const device: RecordedDevice = { path: "", attributes: [], links: [], properties: [] };
    for (const line of lines) {
      const type = line.slice(0, 2);
      const rest = line.slice(3);
      const equals = rest.indexOf("=");
      const name = equals === -1 ? rest : rest.slice(0, equals);
      const value = equals === -1 ? "" : rest.slice(equals + 1);
      if (type === "P:") device.path = rest.trim();
      else if (type === "A:")
        device.attributes.push({ name, value: Buffer.from(unescapeAttribute(value), "latin1") });
      else if (type === "H:") device.attributes.push({ name, value: Buffer.from(value, "hex") });
      else if (type === "L:") device.links.push({ name, target: value });
      else if (type === "N:") device.node = { name, contents: Buffer.from(value, "hex") };
      else if (type === "E:") {
        if (name === "SUBSYSTEM") device.subsystem = value;
        device.properties.push(name === "DEVNAME" ? `${name}=${value.replace(/^\/dev\//, "")}` : rest);
      }
    }
    if (device.path) devices.push(device);
  }
  return devices;
}

export async function writeTree(devices: RecordedDevice[], outputDirectory: string): Promise<void> {
  await rm(join(outputDirectory, "sys"), { recursive: true, force: true });
  await rm(join(outputDirectory, "dev"), { recursive: true, force: true });
  for (const device of devices) {
    const directory = join(outputDirectory, "sys", device.path);
    await mkdir(directory, { recursive: true });
    if (device.properties.length > 0 && !device.attributes.some((attribute) => attribute.name === "uevent")) {
      await writeFile(join(directory, "uevent"), device.properties.map((line) => `${line}\n`).join(""));
    }
    for (const attribute of device.attributes) {
      await mkdir(dirname(join(directory, attribute.name)), { recursive: true });
      await writeFile(join(directory, attribute.name), attribute.value);
    }
    for (const link of device.links) {
      await mkdir(dirname(join(directory, link.name)), { recursive: true });
      await symlink(link.target, join(directory, link.name));
    }
    if (device.node) {
      const nodePath = join(outputDirectory, "dev", device.node.name);
      await mkdir(dirname(nodePath), { recursive: true });
      await writeFile(nodePath, device.node.contents);
    }
    const subsystem = device.subsystem;
    if (subsystem && !UNLINKED_SUBSYSTEMS.has(subsystem)) {
      const linkDirectory = BUS_SUBSYSTEMS.has(subsystem)
        ? join(outputDirectory, "sys/bus", subsystem, "devices")
        : join(outputDirectory, "sys/class", subsystem);
      await mkdir(linkDirectory, { recursive: true });
      await symlink(relative(linkDirectory, directory), join(linkDirectory, basename(device.path)));
    }
  }
}

export async function umockdevToTree(recordingText: string, outputDirectory: string): Promise<void> {
  await writeTree(parseRecording(recordingText), outputDirectory);
}

if (import.meta.main) {
  const [recording, output] = process.argv.slice(2);
  if (!recording || !output) {
    console.error("usage: umockdev-to-tree.ts RECORDING.umockdev OUTPUT_DIR");
    process.exit(2);
  }
  const { readFile } = await import("node:fs/promises");
  await umockdevToTree(await readFile(recording, "latin1"), output);
}
