// Pure parsing of Windows Plug and Play device nodes (pnp-devices.json) into USB observations, the
// same shape the Linux sysfs probe fills, so classification and policy never learn the OS.
//
// Windows splits one USB device into several nodes: the device (USB\VID_v&PID_p\serial), one
// interface node per function of a composite device (USB\VID_v&PID_p&MI_nn\...), and the function
// nodes drivers create below those (WPD "Apple iPhone", USBSTOR\Disk..., HID\VID_...&MI_00\...,
// SCSI\Disk... for UAS). Here they are grouped back under their device through the Parent chain;
// interface classes come from the interface nodes' compatible ids (USB\Class_08&SubClass_06&Prot_50).
// The built-in facts map onto the Linux ones: the computer's own container, or a device without the
// removable capability, is removable=fixed; a removable one is removable=removable.

import { INTERFACE_NAME_CLASSES, usbObservationId } from "../linux/usb-sysfs-parse.ts";
import type { UsbInterface, UsbObservation } from "../types.ts";
import {
  CM_PROB_DISABLED,
  COMPOSITE_ID,
  DEVICE_CLASS_ID,
  DRIVER_MANUFACTURERS,
  INTERFACE_CLASS_ID,
  LOCAL_MACHINE_CONTAINER_ID,
  MS_OS_COMPATIBLE_NAMES,
  REMOVAL_POLICY,
  ROOT_HUB_HARDWARE_ID,
  ROOT_HUB_INSTANCE,
  STORAGE_ENUMERATED,
  STORAGE_INTERFACE_CLASSES,
  STORAGE_SETUP_CLASSES,
  USB_ENUMERATORS,
  USB_INSTANCE,
} from "./pnp-data.ts";
import type { PnpDevice } from "./pnp-document.ts";

/** Enumerators of the Bluetooth stack (BTHENUM, BTHLE, BTHLEDEVICE, BTHHFENUM, BTH\MS_...). */
const BLUETOOTH_ENUMERATED = /^BTH[A-Z]*\\/i;

/** Deepest Parent chain followed; a longer or looping chain is reported, not followed. */
const MAX_DEPTH = 32;

interface UsbNode {
  node: PnpDevice;
  kind: "root-hub" | "device" | "interface";
  vendorId?: string;
  productId?: string;
  /** Interface number of an MI_xx node. */
  interfaceNumber?: number;
  /** Last instance id segment. */
  instance: string;
}

/** What kind of USB node an instance id names, if any. `enumerators` are those that name USB devices. */
export function usbNodeOf(node: PnpDevice, enumerators: ReadonlySet<string>): UsbNode | undefined {
  const id = node.InstanceId;
  if (ROOT_HUB_INSTANCE.test(id)) {
    const parsed: UsbNode = { node, kind: "root-hub", instance: id.slice(id.lastIndexOf("\\") + 1) };
    for (const hardwareId of node.HardwareID ?? []) {
      const match = ROOT_HUB_HARDWARE_ID.exec(hardwareId);
      if (match?.[1] && match[2]) {
        parsed.vendorId = match[1].toLowerCase();
        parsed.productId = match[2].toLowerCase();
        break;
      }
    }
    return parsed;
  }
  const match = USB_INSTANCE.exec(id);
  if (!match || !enumerators.has((match[1] ?? "").toUpperCase())) return undefined;
  const parsed: UsbNode = {
    node,
    kind: match[4] === undefined ? "device" : "interface",
    vendorId: (match[2] ?? "").toLowerCase(),
    productId: (match[3] ?? "").toLowerCase(),
    instance: match[5] ?? "",
  };
  if (match[4] !== undefined) parsed.interfaceNumber = Number.parseInt(match[4], 16);
  return parsed;
}

/** The class triple a node's compatible ids give, lowercase: USB\Class_08&SubClass_06&Prot_50 → 08/06/50. */
export function classTriple(
  compatibleIds: readonly string[] | undefined,
  pattern: RegExp = INTERFACE_CLASS_ID,
): { class: string; subclass: string; protocol: string } | undefined {
  for (const id of compatibleIds ?? []) {
    const match = pattern.exec(id);
    if (match?.[1] && match[2] && match[3]) {
      return {
        class: match[1].toLowerCase(),
        subclass: match[2].toLowerCase(),
        protocol: match[3].toLowerCase(),
      };
    }
  }
  return undefined;
}

/** Windows uses the iSerialNumber as instance id when usable; a generated one always contains "&". */
export function serialFromInstance(instance: string): string | undefined {
  return instance !== "" && !instance.includes("&") ? instance : undefined;
}

function clean(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const cleaned = text.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return cleaned === "" ? undefined : cleaned;
}

function msOsName(node: PnpDevice): string | undefined {
  for (const id of node.CompatibleID ?? []) {
    const name = MS_OS_COMPATIBLE_NAMES.get(id.toUpperCase());
    if (name) return name;
  }
  return undefined;
}

/** An MI_xx node's name: what its MS OS compatible id says, else its iInterface string. */
function interfaceName(node: PnpDevice): string | undefined {
  return msOsName(node) ?? clean(node.BusReportedDeviceDesc);
}

function toInterface(node: PnpDevice, name: string | undefined): UsbInterface | undefined {
  const triple = classTriple(node.CompatibleID);
  if (!triple) return undefined;
  const parsed: UsbInterface = { ...triple };
  if (name !== undefined && INTERFACE_NAME_CLASSES.has(triple.class)) parsed.name = name;
  return parsed;
}

/** Windows' built-in facts as the Linux `removable` attribute says them. */
export function removableOf(node: PnpDevice): UsbObservation["removable"] {
  if (
    node.ContainerId?.toUpperCase() === LOCAL_MACHINE_CONTAINER_ID ||
    node.InLocalMachineContainer === true
  ) {
    return "fixed";
  }
  if (node.Removable === true) return "removable";
  if (node.Removable === false) return "fixed";
  if (node.RemovalPolicy === REMOVAL_POLICY.expectNoRemoval) return "fixed";
  if (
    node.RemovalPolicy === REMOVAL_POLICY.surpriseRemoval ||
    node.RemovalPolicy === REMOVAL_POLICY.orderlyRemoval
  ) {
    return "removable";
  }
  return "unknown";
}

/** Whether an interface or function node carries a storage or phone function (pnp-data.ts). */
function isStorageFunction(node: PnpDevice): boolean {
  if (node.Class !== undefined && STORAGE_SETUP_CLASSES.has(node.Class.toUpperCase())) return true;
  if (STORAGE_ENUMERATED.test(node.InstanceId) || msOsName(node) === "MTP") return true;
  const triple = classTriple(node.CompatibleID);
  return triple !== undefined && STORAGE_INTERFACE_CLASSES.has(triple.class);
}

/**
 * Problem codes on a device's nodes: disabled when the device node, or a node of its storage or
 * phone function, has CM_PROB_DISABLED; every other code (and 22 elsewhere) is only said.
 */
function problemsOf(
  node: PnpDevice,
  children: readonly PnpDevice[],
): { disabled: boolean; warnings: string[] } {
  let disabled = false;
  const warnings: string[] = [];
  for (const [index, each] of [node, ...children].entries()) {
    const code = each.ProblemCode;
    if (code === undefined || code === 0) continue;
    const which = index === 0 ? "this device node" : `its node ${each.InstanceId}`;
    if (code === CM_PROB_DISABLED && (index === 0 || isStorageFunction(each))) {
      disabled = true;
      warnings.push(`Windows has ${which} disabled (problem code ${CM_PROB_DISABLED})`);
    } else {
      warnings.push(`Windows reports problem code ${code} on ${which}`);
    }
  }
  return { disabled, warnings };
}

function portPathOf(node: PnpDevice): string {
  return clean(node.LocationPaths?.[0]) ?? node.InstanceId;
}

export interface PnpUsbResult {
  observations: UsbObservation[];
  warnings: string[];
}

/**
 * Every present USB device and root hub in the listing → one observation each, its interface and
 * function nodes folded in. Host controllers, PCI and ACPI nodes only serve the Parent chain. Pure.
 */
export function usbObservationsFromPnp(
  devices: readonly PnpDevice[],
  propertyWarnings: ReadonlyMap<string, readonly string[]> = new Map(),
): PnpUsbResult {
  const warnings: string[] = [];
  // Instance ids compare case-insensitively; each is upper-cased once per scan.
  const keys = new Map<string, string>();
  const key = (instanceId: string): string => {
    let upper = keys.get(instanceId);
    if (upper === undefined) {
      upper = instanceId.toUpperCase();
      keys.set(instanceId, upper);
    }
    return upper;
  };
  // One node per instance id: a listing that repeats one keeps the first (and says so).
  const byId = new Map<string, PnpDevice>();
  for (const device of devices) {
    if (device.Present === false) continue;
    if (byId.has(key(device.InstanceId))) {
      warnings.push(`${device.InstanceId} is listed more than once; the first is used`);
      continue;
    }
    byId.set(key(device.InstanceId), device);
  }
  const present = [...byId.values()];

  // Enumerators that own a root hub in this listing also name the devices below it.
  const enumerators = new Set(USB_ENUMERATORS);
  for (const device of present) {
    const match = ROOT_HUB_INSTANCE.exec(device.InstanceId);
    if (match?.[1]) enumerators.add(match[1].toUpperCase());
  }
  const usbNodes = new Map<string, UsbNode>();
  for (const device of present) {
    const parsed = usbNodeOf(device, enumerators);
    if (parsed) usbNodes.set(key(device.InstanceId), parsed);
  }

  /** Ancestors of a node, nearest first, stopping at a missing parent or a loop. Asked once per node. */
  const ancestorsOf = new Map<PnpDevice, PnpDevice[]>();
  const ancestors = (device: PnpDevice): PnpDevice[] => {
    let known = ancestorsOf.get(device);
    if (!known) {
      known = walkUp(device);
      ancestorsOf.set(device, known);
    }
    return known;
  };
  const walkUp = (device: PnpDevice): PnpDevice[] => {
    const chain: PnpDevice[] = [];
    const seen = new Set([key(device.InstanceId)]);
    let parentId = device.Parent;
    while (parentId) {
      const parentKey = key(parentId);
      if (seen.has(parentKey)) {
        // Nodes on a loop are no one's ancestors: otherwise two devices would each sit behind the other.
        warnings.push(`${device.InstanceId}: its Parent chain loops at ${parentId}; the loop is left out`);
        const start = chain.findIndex((node) => key(node.InstanceId) === parentKey);
        return start < 0 ? [] : chain.slice(0, start);
      }
      if (chain.length >= MAX_DEPTH) {
        warnings.push(`${device.InstanceId}: Parent chain deeper than ${MAX_DEPTH}; followed no further`);
        break;
      }
      seen.add(parentKey);
      const parent = byId.get(parentKey);
      if (!parent) break;
      chain.push(parent);
      parentId = parent.Parent;
    }
    return chain;
  };

  /**
   * The USB device or root hub a node belongs to: itself, or the nearest one above it. Nodes the
   * Bluetooth stack enumerates below a radio (BTHENUM, BTHLE, their HID children) are remote
   * devices, not functions of the radio: they belong to no USB device.
   */
  const ownerOf = (device: PnpDevice): UsbNode | undefined => {
    const own = usbNodes.get(key(device.InstanceId));
    if (own && own.kind !== "interface") return own;
    if (BLUETOOTH_ENUMERATED.test(device.InstanceId)) return undefined;
    for (const ancestor of ancestors(device)) {
      if (BLUETOOTH_ENUMERATED.test(ancestor.InstanceId)) return undefined;
      const usb = usbNodes.get(key(ancestor.InstanceId));
      if (usb && usb.kind !== "interface") return usb;
    }
    return undefined;
  };

  // Interface nodes and function nodes, grouped under the device that owns them.
  const interfacesOf = new Map<string, UsbNode[]>();
  const functionsOf = new Map<string, PnpDevice[]>();
  for (const device of present) {
    const usb = usbNodes.get(key(device.InstanceId));
    if (usb && usb.kind !== "interface") continue;
    const owner = ownerOf(device);
    if (!owner) {
      if (usb?.kind === "interface") {
        warnings.push(
          `${device.InstanceId}: interface node whose device is not above it in the listing; left out`,
        );
      }
      continue;
    }
    if (owner.kind === "root-hub") continue;
    const ownerKey = key(owner.node.InstanceId);
    if (usb?.kind === "interface") {
      interfacesOf.set(ownerKey, [...(interfacesOf.get(ownerKey) ?? []), usb]);
    } else {
      functionsOf.set(ownerKey, [...(functionsOf.get(ownerKey) ?? []), device]);
    }
  }

  // Port paths identify devices to the classifier (a hub above is found by its port path): a
  // LocationPaths entry two devices share is no identity, so those fall back to their instance id.
  const locationCounts = new Map<string, number>();
  for (const usb of usbNodes.values()) {
    if (usb.kind === "interface") continue;
    const path = portPathOf(usb.node);
    locationCounts.set(path, (locationCounts.get(path) ?? 0) + 1);
  }
  const instanceIds = new Set([...usbNodes.values()].map((usb) => key(usb.node.InstanceId)));
  const uniquePortPath = (node: PnpDevice): string => {
    const path = portPathOf(node);
    if (path === node.InstanceId) return path;
    return (locationCounts.get(path) ?? 0) > 1 || instanceIds.has(key(path)) ? node.InstanceId : path;
  };

  const observations: UsbObservation[] = [];
  for (const usb of usbNodes.values()) {
    if (usb.kind === "interface") continue;
    const ownKey = key(usb.node.InstanceId);
    const nodeWarnings = [
      ownKey,
      ...(interfacesOf.get(ownKey) ?? []).map((child) => key(child.node.InstanceId)),
      ...(functionsOf.get(ownKey) ?? []).map((child) => key(child.InstanceId)),
    ].flatMap((id) => propertyWarnings.get(id) ?? []);
    observations.push(
      observationOf(
        nodeWarnings,
        uniquePortPath(usb.node),
        usb,
        interfacesOf.get(key(usb.node.InstanceId)) ?? [],
        functionsOf.get(key(usb.node.InstanceId)) ?? [],
        ancestors(usb.node).flatMap((ancestor) => {
          const above = usbNodes.get(key(ancestor.InstanceId));
          return above && above.kind !== "interface" ? [uniquePortPath(above.node)] : [];
        }),
      ),
    );
  }
  // What is wrong with the listing as a whole (loops, repeats) is said on the root hubs, the
  // entries IT support reads for the machine's own USB, so it reaches the report.
  if (warnings.length > 0) {
    for (const observation of observations) {
      if (observation.isRootHub) observation.warnings = [...(observation.warnings ?? []), ...warnings];
    }
  }
  return { observations, warnings };
}

function observationOf(
  documentWarnings: readonly string[],
  portPath: string,
  usb: UsbNode,
  interfaceNodes: UsbNode[],
  functions: PnpDevice[],
  parentsNearestFirst: string[],
): UsbObservation {
  const { node } = usb;
  const warnings: string[] = [...documentWarnings];
  const isRootHub = usb.kind === "root-hub";
  const serial = isRootHub ? undefined : serialFromInstance(usb.instance);

  const interfaces: UsbInterface[] = [];
  const composite = (node.CompatibleID ?? []).some((id) => id.toUpperCase() === COMPOSITE_ID);
  if (composite || interfaceNodes.length > 0) {
    for (const child of [...interfaceNodes].sort(
      (a, b) => (a.interfaceNumber ?? 0) - (b.interfaceNumber ?? 0),
    )) {
      const parsed = toInterface(child.node, interfaceName(child.node));
      if (parsed) interfaces.push(parsed);
      else
        warnings.push(
          `interface ${child.node.InstanceId}: no USB\\Class_ compatible id, so its class is unknown`,
        );
    }
  } else if (!isRootHub) {
    // A single-function device has no MI_xx nodes: its own compatible ids carry the class codes
    // (of the device descriptor, or of its only interface when the device class is 00). Its
    // BusReportedDeviceDesc is the iProduct, not an iInterface: only an MS OS compatible id names it.
    const parsed = toInterface(node, msOsName(node));
    if (parsed) interfaces.push(parsed);
  }

  const observation: UsbObservation = {
    bus: "usb",
    source: "windows-pnp",
    id: usbObservationId(usb.vendorId, usb.productId, serial, portPath),
    interfaces,
    portPath,
    parents: [...parentsNearestFirst].reverse().filter((path) => path !== portPath),
    isRootHub,
  };
  if (usb.vendorId !== undefined) observation.vendorId = usb.vendorId;
  if (usb.productId !== undefined) observation.productId = usb.productId;
  if (serial !== undefined) observation.serial = serial;
  const manufacturer = clean(node.Manufacturer);
  if (manufacturer !== undefined && !DRIVER_MANUFACTURERS.test(manufacturer)) {
    observation.manufacturer = manufacturer;
  }
  // The iProduct string where Windows kept it, else a function node's name ("Apple iPhone",
  // "SanDisk Ultra USB Device"), else the device node's own (often the driver's generic) name.
  const functionName = [...functions, ...interfaceNodes.map((child) => child.node)]
    .map((f) => clean(f.FriendlyName))
    .find((name) => name !== undefined);
  const product = clean(node.BusReportedDeviceDesc) ?? functionName ?? clean(node.FriendlyName);
  if (product !== undefined) observation.product = product;
  const deviceClass = composite ? classTriple(node.CompatibleID, DEVICE_CLASS_ID) : undefined;
  if (deviceClass) observation.deviceClass = deviceClass;
  observation.removable = isRootHub ? "fixed" : removableOf(node);
  if (node.Status !== undefined && node.Status !== "OK") {
    warnings.push(`Windows reports the device's status as ${node.Status}`);
  }
  const problems = problemsOf(node, [...interfaceNodes.map((child) => child.node), ...functions]);
  if (problems.disabled) observation.disabledByOs = true;
  warnings.push(...problems.warnings);
  if (warnings.length > 0) observation.warnings = warnings;
  return observation;
}
