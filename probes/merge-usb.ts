// One observation per USB device when libusb and systeminformation both answered (macOS, Windows).
// libusb (or sysfs) gives the base: descriptors, interfaces and the port path classification needs.
// systeminformation only fills what libusb cannot read without opening the device: names, serial,
// and on macOS whether IOKit calls the port non-removable.

import { usbObservationId } from "./linux/usb-sysfs-parse.ts";
import type { UsbObservation } from "./types.ts";

function vendorProduct(observation: UsbObservation): string | undefined {
  const { vendorId, productId } = observation;
  return vendorId !== undefined && productId !== undefined ? `${vendorId}:${productId}` : undefined;
}

function fill(base: UsbObservation, filler: UsbObservation): void {
  base.manufacturer ??= filler.manufacturer;
  base.product ??= filler.product;
  base.maxPowerMilliamps ??= filler.maxPowerMilliamps;
  if ((base.removable ?? "unknown") === "unknown" && filler.removable && filler.removable !== "unknown") {
    base.removable = filler.removable;
  }
  if (base.serial === undefined && filler.serial !== undefined) {
    base.serial = filler.serial;
    // With a serial the id follows the contract (vendor:product:serial): the same id as on Linux.
    base.id = usbObservationId(base.vendorId, base.productId, base.serial, base.portPath);
  }
  for (const key of ["manufacturer", "product", "maxPowerMilliamps"] as const) {
    if (base[key] === undefined) delete base[key];
  }
}

function addWarning(observation: UsbObservation, warning: string): void {
  const warnings = observation.warnings ?? [];
  if (!warnings.includes(warning)) warnings.push(warning);
  observation.warnings = warnings;
}

/**
 * Pairs each systeminformation observation with the descriptor-based one for the same device:
 * same VID:PID and serial, else the only one with that VID:PID. When several devices share a
 * VID:PID and nothing tells them apart, no names or serials are guessed (a serial on the wrong
 * port would approve the wrong stick): the devices are kept with a warning. systeminformation
 * observations with no descriptor-based counterpart are kept (a device libusb missed); those
 * without VID:PID (macOS) are dropped when descriptor sources answered, since nothing pairs them
 * and they could only duplicate a device already reported. Pure: the input is not modified.
 */
export function mergeUsbObservations(list: UsbObservation[]): UsbObservation[] {
  const bases = list
    .filter((observation) => observation.source !== "systeminformation")
    .map((observation): UsbObservation => {
      const copy: UsbObservation = { ...observation, interfaces: [...observation.interfaces] };
      if (observation.warnings) copy.warnings = [...observation.warnings];
      return copy;
    });
  const fillers = list.filter((observation) => observation.source === "systeminformation");
  if (bases.length === 0) return fillers;

  // Bases without VID:PID land under `undefined`, which no filler is looked up by.
  const byVendorProduct = Map.groupBy(bases, vendorProduct);

  const unmatched: UsbObservation[] = [];
  for (const filler of fillers) {
    const key = vendorProduct(filler);
    if (key === undefined) continue;
    const candidates = byVendorProduct.get(key) ?? [];
    const bySerial = candidates.find(
      (candidate) => filler.serial !== undefined && candidate.serial === filler.serial,
    );
    if (bySerial) {
      fill(bySerial, filler);
    } else if (candidates.length === 1 && candidates[0]) {
      fill(candidates[0], filler);
    } else if (candidates.length > 1) {
      for (const candidate of candidates) {
        addWarning(
          candidate,
          `${candidates.length} devices share ${key}: names and serials from systeminformation could not be matched to ports`,
        );
      }
    } else {
      unmatched.push(filler);
    }
  }
  return [...bases, ...unmatched];
}
