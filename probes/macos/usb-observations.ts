// Pure: ioreg's USB devices plus system_profiler's facts → observations. The port decision is
// stated in macOS's own terms (portFact), from the first of these that says anything:
//   1. the host controller: every device on the T2's virtual controller (AppleUSBVHCIBCE) is inside;
//   2. IOKit's USBPortType when internal or captive (MACOS_PORT_TYPES);
//   3. ioreg "Built-In" = Yes/No, then USBPortType standard or expansion card;
//   4. system_profiler `Built-in_Device`, SPUSBHostDataType `USBKeyHardwareType`, `detachable_drive`;
//   5. ioreg "non-removable" = yes/no.
// None of them (Apple Silicon often prints none): the port is "unknown" and the evidence says so, so
// the classifier takes the safe verdict as on other platforms (storage and phones still judged).
// The hub chain comes first in the classifier anyway: behind an external hub is external, whatever
// the device's own flags say (an Apple keyboard's own hub makes its keyboard "non-removable").

import {
  MACOS_INTERNAL_CONTROLLERS,
  MACOS_KIND_HINTS,
  MACOS_PORT_TYPES,
} from "../classify/usb-fingerprints.ts";
import { usbObservationId } from "../linux/usb-sysfs-parse.ts";
import type { DeviceKind, UsbObservation } from "../types.ts";
import type { IoregUsbDevice } from "./ioreg-parse.ts";
import type { ProfilerUsbDevice } from "./system-profiler-usb-parse.ts";

interface PortDecision {
  removable: "fixed" | "removable" | "unknown";
  fact: string;
}

function hint(key: string, detail?: string): { kind: DeviceKind; fact: string } | undefined {
  const entry = MACOS_KIND_HINTS.find((candidate) => candidate.key === key);
  return entry ? { kind: entry.kind, fact: `${detail ?? "macOS says it is"} ${entry.label}` } : undefined;
}

function decidePort(device: IoregUsbDevice, profiler: ProfilerUsbDevice | undefined): PortDecision {
  const controller = MACOS_INTERNAL_CONTROLLERS.find((entry) => entry.className === device.controllerClass);
  if (controller) return { removable: "fixed", fact: `on ${controller.label}, ${controller.className}` };
  const portType = MACOS_PORT_TYPES.find((entry) => entry.value === device.portType);
  const portTypeFact = `ioreg USBPortType = ${portType?.value} (${portType?.name})`;
  // An internal or captive port is decisive; Apple's explicit "Built-In" outweighs a "standard" port
  // type, which is also what a port without any description reports.
  if (portType?.removable === "fixed") return { removable: "fixed", fact: portTypeFact };
  if (device.builtIn !== undefined) {
    return {
      removable: device.builtIn ? "fixed" : "removable",
      fact: `ioreg "Built-In" = ${device.builtIn ? "Yes" : "No"}`,
    };
  }
  if (portType?.removable === "removable") return { removable: "removable", fact: portTypeFact };
  if (profiler?.builtIn !== undefined) {
    const said =
      profiler.hardwareType !== undefined
        ? `system_profiler USBKeyHardwareType = ${profiler.hardwareType}`
        : `system_profiler Built-in_Device = ${profiler.builtIn ? "Yes" : "No"}`;
    return { removable: profiler.builtIn ? "fixed" : "removable", fact: said };
  }
  if (profiler?.detachableDrive === true) {
    return { removable: "removable", fact: "system_profiler detachable_drive = yes" };
  }
  if (device.nonRemovable !== undefined) {
    return {
      removable: device.nonRemovable ? "fixed" : "removable",
      fact: `ioreg "non-removable" = ${device.nonRemovable ? "yes" : "no"}`,
    };
  }
  return {
    removable: "unknown",
    fact: "neither ioreg (USBPortType, Built-In, non-removable) nor system_profiler says whether this port is inside the Mac",
  };
}

/** The system_profiler entry for a device: same location id, else the only one with its ids and serial. */
function profilerFor(
  device: IoregUsbDevice,
  profiled: readonly ProfilerUsbDevice[],
): ProfilerUsbDevice | undefined {
  if (device.locationId !== undefined) {
    const byLocation = profiled.filter((entry) => entry.locationId === device.locationId);
    if (byLocation.length > 0) return mergeEntries(byLocation);
  }
  const byIds = profiled.filter(
    (entry) =>
      entry.locationId === undefined &&
      entry.vendorId === device.vendorId &&
      entry.productId === device.productId &&
      (entry.serial === undefined || device.serial === undefined || entry.serial === device.serial),
  );
  return byIds.length === 1 ? byIds[0] : undefined;
}

/** SPUSBDataType and SPUSBHostDataType may both describe one device: keep what each adds. */
function mergeEntries(entries: ProfilerUsbDevice[]): ProfilerUsbDevice {
  const [first, ...rest] = entries as [ProfilerUsbDevice, ...ProfilerUsbDevice[]];
  const merged: ProfilerUsbDevice = { ...first, bsdNames: [...first.bsdNames] };
  for (const entry of rest) {
    for (const key of [
      "name",
      "serial",
      "builtIn",
      "hardwareType",
      "removableMedia",
      "detachableDrive",
    ] as const) {
      if (merged[key] === undefined && entry[key] !== undefined) Object.assign(merged, { [key]: entry[key] });
    }
    for (const name of entry.bsdNames) if (!merged.bsdNames.includes(name)) merged.bsdNames.push(name);
  }
  return merged;
}

export function observationFromIoreg(
  device: IoregUsbDevice,
  profiled: readonly ProfilerUsbDevice[] = [],
): UsbObservation {
  const profiler = device.isRootHub ? undefined : profilerFor(device, profiled);
  const serial = device.serial ?? profiler?.serial;
  const observation: UsbObservation = {
    bus: "usb",
    source: "macos-usb",
    id: usbObservationId(device.vendorId, device.productId, serial, device.portPath),
    interfaces: device.interfaces.map((usbInterface) => ({ ...usbInterface })),
    portPath: device.portPath,
    parents: [...device.parents],
    isRootHub: device.isRootHub,
  };
  if (device.vendorId !== undefined) observation.vendorId = device.vendorId;
  if (device.productId !== undefined) observation.productId = device.productId;
  if (serial !== undefined) observation.serial = serial;
  if (device.manufacturer !== undefined) observation.manufacturer = device.manufacturer;
  const product = device.product ?? profiler?.name ?? (device.isRootHub ? device.name : undefined);
  if (product !== undefined) observation.product = product;
  if (device.deviceClass) observation.deviceClass = { ...device.deviceClass };
  if (device.speedMbps !== undefined) observation.speedMbps = device.speedMbps;
  if (device.powerMilliamps !== undefined) observation.maxPowerMilliamps = device.powerMilliamps;
  if (!device.isRootHub) {
    const port = decidePort(device, profiler);
    observation.removable = port.removable;
    observation.portFact = port.fact;
    const hints = [
      device.supportsIPhoneOS ? hint("SupportsIPhoneOS", "ioreg: macOS says it is") : undefined,
      device.hasMassStorageInterface ? hint("kHasMSCInterface", "ioreg: macOS says it is") : undefined,
      profiler && profiler.bsdNames.length > 0
        ? hint("bsd_name", `system_profiler: ${profiler.bsdNames.join(", ")} on it,`)
        : undefined,
    ].filter((entry) => entry !== undefined);
    if (hints.length > 0) observation.kindHints = hints;
  }
  if (device.warnings.length > 0) observation.warnings = [...device.warnings];
  return observation;
}

/** Every device ioreg listed, with system_profiler's facts merged in by location id. */
export function macosUsbObservations(
  devices: readonly IoregUsbDevice[],
  profiled: readonly ProfilerUsbDevice[] = [],
): UsbObservation[] {
  return devices.map((device) => observationFromIoreg(device, profiled));
}
