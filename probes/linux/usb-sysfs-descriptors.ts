// Pure parsing of a USB device's sysfs `descriptors` file (no I/O here: see usb-sysfs.ts).
//
// The kernel's `descriptors` attribute (drivers/usb/core/sysfs.c, read_descriptors; documented in
// Documentation/ABI/stable/sysfs-bus-usb) is the 18-byte device descriptor followed by the raw
// descriptors of each configuration: the configuration descriptor and, inside its wTotalLength,
// the interface, endpoint and class descriptors, as the device sent them (USB 2.0 specification
// §9.6.1, §9.6.3, §9.6.5). libusb and USBGuard read devices this way: one file instead of one per
// attribute. It holds the ids, classes, string indices, bMaxPower and every interface's class;
// it lacks the strings themselves, the speed (which bMaxPower needs at SuperSpeed), `removable` and
// the hub port's `connect_type`.
//
// The bytes come from the device, so nothing here trusts them: a descriptor that runs past the end,
// a length under 2, an interface outside any configuration, and a first descriptor that is not a
// device descriptor all make the whole file "garbled" (collection then reads the attributes, with a
// warning), never a partial answer.

import {
  interfaceAddress,
  type RawAttribute,
  type RawUsbInterface,
  type UeventIdentity,
} from "./usb-sysfs-parse.ts";

/** USB 2.0 §9.4 Table 9-5. */
const DEVICE = 1;
const CONFIGURATION = 2;
const INTERFACE = 4;
const DEVICE_LENGTH = 18;

export interface DescriptorInterface {
  number: number;
  alternate: number;
  class: number;
  subclass: number;
  protocol: number;
  /** iInterface: 0 means no name (and sysfs no `interface` attribute). */
  nameIndex: number;
}

export interface DescriptorConfiguration {
  /** bConfigurationValue: the "C" of the interface directories' names ("1-2:C.I"). */
  value: number;
  /** bMaxPower in the descriptor's units (2 mA, or 8 mA at SuperSpeed and faster). */
  maxPowerUnits: number;
  interfaces: DescriptorInterface[];
}

export interface UsbDescriptors {
  /** bcdUSB: 0x0300 and up for a device that can run at SuperSpeed (USB 3.2 §9.6.1). */
  usbVersion: number;
  vendorId: number;
  productId: number;
  deviceClass: number;
  deviceSubClass: number;
  deviceProtocol: number;
  /** String descriptor indices; 0 means the device has no such string (and sysfs no such attribute). */
  manufacturerIndex: number;
  productIndex: number;
  serialIndex: number;
  configurations: DescriptorConfiguration[];
}

/** Parses the file's bytes, or says why they cannot be trusted. Never throws. */
export function parseDescriptors(bytes: Uint8Array): UsbDescriptors | { problem: string } {
  if (bytes.length === 0) return { problem: "empty" };
  if (bytes.length < DEVICE_LENGTH)
    return { problem: `truncated: ${bytes.length} bytes, a device descriptor is 18` };
  if (bytes[0] !== DEVICE_LENGTH || bytes[1] !== DEVICE)
    return { problem: "does not start with a device descriptor" };
  const le16 = (at: number) => (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
  const parsed: UsbDescriptors = {
    usbVersion: le16(2),
    vendorId: le16(8),
    productId: le16(10),
    deviceClass: bytes[4] ?? 0,
    deviceSubClass: bytes[5] ?? 0,
    deviceProtocol: bytes[6] ?? 0,
    manufacturerIndex: bytes[14] ?? 0,
    productIndex: bytes[15] ?? 0,
    serialIndex: bytes[16] ?? 0,
    configurations: [],
  };
  let configuration: DescriptorConfiguration | undefined;
  let configurationEnd = DEVICE_LENGTH;
  for (let at = DEVICE_LENGTH; at < bytes.length; ) {
    const length = bytes[at] ?? 0;
    const type = bytes[at + 1];
    if (length < 2 || type === undefined || at + length > bytes.length)
      return { problem: `truncated or garbled at byte ${at}` };
    if (type === CONFIGURATION) {
      if (length < 9 || at < configurationEnd)
        return { problem: `configuration descriptor at byte ${at} is malformed` };
      configurationEnd = at + le16(at + 2);
      if (configurationEnd > bytes.length)
        return { problem: `configuration at byte ${at} is truncated (wTotalLength ${le16(at + 2)})` };
      configuration = { value: bytes[at + 5] ?? 0, maxPowerUnits: bytes[at + 8] ?? 0, interfaces: [] };
      parsed.configurations.push(configuration);
    } else if (type === INTERFACE) {
      if (length < 9 || !configuration || at >= configurationEnd)
        return { problem: `interface descriptor at byte ${at} is outside a configuration` };
      configuration.interfaces.push({
        number: bytes[at + 2] ?? 0,
        alternate: bytes[at + 3] ?? 0,
        class: bytes[at + 5] ?? 0,
        subclass: bytes[at + 6] ?? 0,
        protocol: bytes[at + 7] ?? 0,
        nameIndex: bytes[at + 8] ?? 0,
      });
    }
    at += length;
  }
  return parsed;
}

const HEX2 = Array.from({ length: 256 }, (_, value) => value.toString(16).padStart(2, "0"));
/** Each byte's attribute as sysfs prints it, made once: a scan needs eight or so a device. */
const HEX2_ATTRIBUTES: readonly RawAttribute[] = HEX2.map((text) => Object.freeze({ text }));
const hex2 = (value: number) => HEX2_ATTRIBUTES[value] as RawAttribute;
const hex4 = (value: number) => ({ text: `${HEX2[value >> 8]}${HEX2[value & 0xff]}` });

/** The five identity attributes, as sysfs would print them. */
export function identityFromDescriptors(parsed: UsbDescriptors): UeventIdentity {
  return {
    idVendor: hex4(parsed.vendorId),
    idProduct: hex4(parsed.productId),
    bDeviceClass: hex2(parsed.deviceClass),
    bDeviceSubClass: hex2(parsed.deviceSubClass),
    bDeviceProtocol: hex2(parsed.deviceProtocol),
  };
}

/** The configuration the kernel has active, known from the interface directories' names. */
export function activeConfiguration(
  parsed: UsbDescriptors,
  interfaceNames: readonly string[],
): DescriptorConfiguration | undefined {
  const first = interfaceNames.length > 0 ? interfaceAddress(interfaceNames[0] ?? "") : undefined;
  return first ? parsed.configurations.find((c) => c.value === first.configuration) : undefined;
}

/** An interface directory's class, subclass and protocol, and whether the kernel can have named it. */
export type DescribedInterface = Pick<
  RawUsbInterface,
  "bInterfaceClass" | "bInterfaceSubClass" | "bInterfaceProtocol"
> & {
  /**
   * False when no alternate setting of the interface has an iInterface: the kernel then makes no
   * `interface` attribute (drivers/usb/core/sysfs.c usb_create_sysfs_intf_files creates it only for
   * the current setting's cached string, and usb_cache_string gives none for index 0).
   */
  named: boolean;
};

/**
 * An interface directory's class, subclass and protocol (of its first alternate setting, which is
 * what the kernel shows unless a driver selected another), or undefined when the descriptors do
 * not describe it (then collection reads its attributes).
 */
export function interfaceClassFromDescriptors(
  configuration: DescriptorConfiguration | undefined,
  name: string,
): DescribedInterface | undefined {
  const address = interfaceAddress(name);
  if (!configuration || !address || address.configuration !== configuration.value) return undefined;
  let found: DescriptorInterface | undefined;
  let named = false;
  for (const entry of configuration.interfaces) {
    if (entry.number !== address.number) continue;
    if (entry.nameIndex !== 0) named = true;
    if (!found || entry.alternate < found.alternate) found = entry;
  }
  if (!found) return undefined;
  return {
    bInterfaceClass: hex2(found.class),
    bInterfaceSubClass: hex2(found.subclass),
    bInterfaceProtocol: hex2(found.protocol),
    named,
  };
}

/**
 * Whether bMaxPower needs the device's speed: the kernel's usb_get_max_power multiplies the
 * descriptor's value by 8 at SuperSpeed and faster (5000 Mbit/s and up), else by 2. A device whose
 * bcdUSB is under 3.0 does not run at SuperSpeed (a device there reports 0x0300 or later, USB 3.2
 * §9.6.1), and zero is zero either way.
 */
export function maxPowerNeedsSpeed(parsed: UsbDescriptors, configuration: DescriptorConfiguration): boolean {
  return configuration.maxPowerUnits > 0 && parsed.usbVersion >= 0x0300;
}

/**
 * `bMaxPower` as sysfs prints it ("500mA"), by usb_get_max_power's rule (maxPowerNeedsSpeed).
 * `speed` is undefined where it is not needed; undefined when it was needed and is not known, so
 * collection reads the attribute.
 */
export function maxPowerFromDescriptors(
  configuration: DescriptorConfiguration | undefined,
  speed: RawAttribute | undefined,
): RawAttribute | undefined {
  if (!configuration) return undefined;
  if (speed === undefined) return { text: `${configuration.maxPowerUnits * 2}mA` };
  if (!("text" in speed)) return undefined;
  const mbps = Number(speed.text.trim());
  if (!Number.isFinite(mbps) || mbps <= 0) return undefined;
  return { text: `${configuration.maxPowerUnits * (mbps >= 5000 ? 8 : 2)}mA` };
}
