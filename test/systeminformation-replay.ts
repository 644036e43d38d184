// Runs systeminformation's OWN parsers on recorded OS command outputs and prints what si.usb() and
// si.bluetoothDevices() return, as JSON: how the macOS and Windows fixtures are made and checked.
// si reads process.platform when its modules load and runs commands through child_process.exec
// (ioreg, system_profiler, lsusb) or util.powerShell (Windows), so both are replaced before loading.
// Usage: npx node test/systeminformation-replay.ts PLATFORM USB_OUTPUT_FILE|- BLUETOOTH_OUTPUT_FILE|-

import childProcess from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [platform, usbFile, bluetoothFile] = process.argv.slice(2);
if (!platform || !usbFile || !bluetoothFile) {
  process.stderr.write("usage: systeminformation-replay.ts linux|darwin|win32 USB_FILE|- BT_FILE|-\n");
  process.exit(2);
}
const recorded = (file: string) => (file === "-" ? "" : readFileSync(file, "utf8"));
const usbOutput = recorded(usbFile);
const bluetoothOutput = recorded(bluetoothFile);

/** Which recording answers which command si runs. */
function answer(command: string): string {
  if (/lsusb|ioreg|CIM_LogicalDevice/.test(command)) return usbOutput;
  if (/system_profiler SPBluetoothDataType|Win32_PNPEntity/.test(command)) return bluetoothOutput;
  throw new Error(`systeminformation ran a command with no recording: ${command}`);
}

Object.defineProperty(process, "platform", { value: platform });
const mutableChildProcess = childProcess as unknown as { exec: unknown };
mutableChildProcess.exec = (command: string, ...rest: unknown[]) => {
  const callback = rest.at(-1) as (error: Error | null, stdout: string, stderr: string) => void;
  process.nextTick(() => callback(null, answer(command), ""));
};
const require = createRequire(import.meta.url);
const util = require("systeminformation/lib/util.js") as { powerShell: unknown };
util.powerShell = (command: string) => Promise.resolve(answer(command));

const { usb } = require("systeminformation/lib/usb.js") as { usb(): Promise<unknown> };
const { bluetoothDevices } = require("systeminformation/lib/bluetooth.js") as {
  bluetoothDevices(): Promise<unknown>;
};
const result = {
  usb: usbFile === "-" ? null : await usb(),
  bluetooth: bluetoothFile === "-" ? null : await bluetoothDevices(),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
