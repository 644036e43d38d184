// Prints the Linux USB probe's snapshot and each device's classification as JSON, for golden
// tests: run it at "/" under umockdev-run, or with a --root tree, and the output must match.
// Usage: npx node test/tools/print-usb-snapshot.ts [ROOT]

import { classifyUsb } from "../../probes/classify/usb.ts";
import { createLinuxUsbProbe } from "../../probes/linux/usb-sysfs.ts";
import { isPowerObservation, type UsbObservation } from "../../probes/types.ts";

const snapshot = await createLinuxUsbProbe({ root: process.argv[2] ?? "/" }).snapshot();
const usb = snapshot.observations.filter(
  (observation): observation is UsbObservation =>
    observation.bus === "usb" && !isPowerObservation(observation),
);
const classifications = Object.fromEntries(usb.map((device) => [device.id, classifyUsb(device, usb)]));
process.stdout.write(`${JSON.stringify({ snapshot, classifications }, null, 2)}\n`);
