// Pure parsers for system_profiler's USB reports, which add what ioreg lacks: the disks a device
// carries (`bsd_name`, `removable_media`, `detachable_drive`), `Built-in_Device`, and on macOS 26
// SPUSBHostDataType's `USBKeyHardwareType` ("Built-in" / "Removable"). Three shapes:
// - `system_profiler -json SPUSBDataType` (10.15+): { "SPUSBDataType": [ bus { _items: [ device ] } ] },
//   devices nested under their hubs in `_items`, `location_id` "0x14200000 / 3", ids "0x05ac (Apple Inc.)".
// - `system_profiler -xml SPUSBDataType` (before 10.15): the same keys in an XML plist, wrapped in
//   [ { _dataType: "SPUSBDataType", _items: [...] } ].
// - `system_profiler -json SPUSBHostDataType` (macOS 26, where SPUSBDataType is empty):
//   { "SPUSBHostDataType": [ bus { _items: [ device ] } ] }, keys USBDeviceKeyVendorID,
//   USBDeviceKeyProductID, USBDeviceKeySerialNumber, USBKeyLocationID, USBKeyHardwareType.
// Facts are merged into ioreg's devices by location id (usb-observations.ts).

import { type PlistValue, parsePlistXml } from "./system-profiler-plist.ts";

export interface ProfilerUsbDevice {
  report: "SPUSBDataType" | "SPUSBHostDataType";
  name?: string;
  locationId?: number;
  vendorId?: string;
  productId?: string;
  serial?: string;
  /** `Built-in_Device: Yes`, or USBKeyHardwareType "Built-in" / "Removable". */
  builtIn?: boolean;
  hardwareType?: string;
  /** BSD names of the disks on it ("disk4"): macOS mounted storage from it. */
  bsdNames: string[];
  removableMedia?: boolean;
  detachableDrive?: boolean;
}

type Item = { [key: string]: PlistValue };

const isItem = (value: unknown): value is Item =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (item: Item, key: string): string | undefined => {
  const value = item[key];
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
};

/** "0x05ac (Apple Inc.)", "0x05ac", "apple_vendor_id" → "05ac". */
function hexId(value: string | undefined): string | undefined {
  if (value === "apple_vendor_id") return "05ac";
  const match = /^0x([0-9a-f]{1,4})\b/i.exec(value ?? "");
  return match ? (match[1] ?? "").toLowerCase().padStart(4, "0") : undefined;
}

/** "0x14200000 / 3" or "0x14200000" → 0x14200000. */
function locationId(value: string | undefined): number | undefined {
  const match = /^0x([0-9a-f]{1,8})\b/i.exec(value ?? "");
  return match ? Number.parseInt(match[1] ?? "", 16) >>> 0 : undefined;
}

const yesNo = (value: string | undefined): boolean | undefined =>
  value === undefined ? undefined : /^yes$/i.test(value) ? true : /^no$/i.test(value) ? false : undefined;

function mediaFacts(item: Item, device: ProfilerUsbDevice): void {
  const media = item.Media;
  for (const medium of Array.isArray(media) ? media : []) {
    if (!isItem(medium)) continue;
    const bsdName = text(medium, "bsd_name");
    if (bsdName) device.bsdNames.push(bsdName);
    device.removableMedia ??= yesNo(text(medium, "removable_media"));
    device.detachableDrive ??= yesNo(text(medium, "detachable_drive"));
  }
  // 10.11-era reports put the disk's keys on the device itself.
  const own = text(item, "bsd_name");
  if (own && !device.bsdNames.includes(own)) device.bsdNames.push(own);
  device.removableMedia ??= yesNo(text(item, "removable_media"));
  device.detachableDrive ??= yesNo(text(item, "detachable_drive"));
}

function fromUsbDataItem(item: Item): ProfilerUsbDevice {
  const device: ProfilerUsbDevice = { report: "SPUSBDataType", bsdNames: [] };
  const set = <K extends keyof ProfilerUsbDevice>(key: K, value: ProfilerUsbDevice[K] | undefined) => {
    if (value !== undefined) device[key] = value;
  };
  set("name", text(item, "_name"));
  set("locationId", locationId(text(item, "location_id")));
  set("vendorId", hexId(text(item, "vendor_id")));
  set("productId", hexId(text(item, "product_id")));
  set("serial", text(item, "serial_num"));
  set("builtIn", yesNo(text(item, "Built-in_Device")));
  mediaFacts(item, device);
  return device;
}

function fromUsbHostItem(item: Item): ProfilerUsbDevice {
  const device: ProfilerUsbDevice = { report: "SPUSBHostDataType", bsdNames: [] };
  const set = <K extends keyof ProfilerUsbDevice>(key: K, value: ProfilerUsbDevice[K] | undefined) => {
    if (value !== undefined) device[key] = value;
  };
  set("name", text(item, "_name"));
  set("locationId", locationId(text(item, "USBKeyLocationID") ?? text(item, "USBDeviceKeyLocationID")));
  set("vendorId", hexId(text(item, "USBDeviceKeyVendorID")));
  set("productId", hexId(text(item, "USBDeviceKeyProductID")));
  set("serial", text(item, "USBDeviceKeySerialNumber"));
  const hardwareType = text(item, "USBKeyHardwareType");
  set("hardwareType", hardwareType);
  set("builtIn", hardwareType === "Built-in" ? true : hardwareType === "Removable" ? false : undefined);
  mediaFacts(item, device);
  return device;
}

/** Devices (anything with a vendor id) at every depth below the buses; buses themselves are skipped. */
function collect(
  items: PlistValue | undefined,
  read: (item: Item) => ProfilerUsbDevice,
): ProfilerUsbDevice[] {
  const found: ProfilerUsbDevice[] = [];
  const visit = (list: PlistValue | undefined) => {
    for (const item of Array.isArray(list) ? list : []) {
      if (!isItem(item)) continue;
      const device = read(item);
      if (device.vendorId !== undefined) found.push(device);
      visit(item._items);
    }
  };
  visit(items);
  return found;
}

/** An empty answer (the report does not exist on this macOS) is no devices, not an error. */
function parseJsonReport(textIn: string, report: string): PlistValue | undefined {
  if (textIn.trim() === "") return undefined;
  const document = JSON.parse(textIn) as unknown;
  if (!isItem(document)) throw new Error(`expected a JSON object with "${report}"`);
  return document[report];
}

/** `system_profiler -json SPUSBDataType`. Throws when the text is not JSON. */
export function parseSpUsbJson(textIn: string): ProfilerUsbDevice[] {
  return collect(parseJsonReport(textIn, "SPUSBDataType"), fromUsbDataItem);
}

/** `system_profiler -xml SPUSBDataType` (macOS before 10.15). Throws when it is not a plist. */
export function parseSpUsbXml(textIn: string): ProfilerUsbDevice[] {
  if (textIn.trim() === "") return [];
  const root = parsePlistXml(textIn);
  const reports = Array.isArray(root) ? root : [root];
  return reports.flatMap((report) =>
    isItem(report) && report._dataType === "SPUSBDataType" ? collect(report._items, fromUsbDataItem) : [],
  );
}

/** `system_profiler -json SPUSBHostDataType` (macOS 26). Throws when the text is not JSON. */
export function parseSpUsbHostJson(textIn: string): ProfilerUsbDevice[] {
  return collect(parseJsonReport(textIn, "SPUSBHostDataType"), fromUsbHostItem);
}
