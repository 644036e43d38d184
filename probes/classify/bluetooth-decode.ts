// Turns the raw numbers of a Bluetooth observation into named facts, using the tables in bluetooth-data.ts.

import {
  appearanceCategories,
  appearanceValues,
  bluetoothCompanies,
  headUnitNamePatterns,
  headUnitOuis,
  majorDeviceClasses,
  majorServiceClasses,
  minorDeviceClasses,
  mixedAutomotiveOuis,
  peripheralKeyboardPointing,
  peripheralTypes,
  serviceUuids,
} from "./bluetooth-data.ts";

export interface DecodedClassOfDevice {
  value: number;
  major: number;
  minor: number;
  majorName: string;
  minorName: string;
  services: string[];
}

const hex = (value: number, digits: number) => `0x${value.toString(16).toUpperCase().padStart(digits, "0")}`;

export function decodeClassOfDevice(value: number): DecodedClassOfDevice {
  const major = (value >> 8) & 0x1f;
  const minor = (value >> 2) & 0x3f;
  const services: string[] = [];
  for (let bit = 13; bit <= 23; bit++) {
    const name = majorServiceClasses[bit];
    if (name && value & (1 << bit)) services.push(name);
  }
  let minorName: string;
  if (major === 0x05) {
    const parts = [peripheralKeyboardPointing[minor >> 4], peripheralTypes[minor & 0x0f]].filter(
      (part): part is string => Boolean(part),
    );
    minorName = parts.join(", ") || "Uncategorized";
  } else {
    minorName = minorDeviceClasses[major]?.[minor] ?? `minor ${hex(minor, 2)}`;
  }
  return {
    value,
    major,
    minor,
    majorName: majorDeviceClasses[major] ?? `major ${hex(major, 2)}`,
    minorName,
    services,
  };
}

/** "Class of Device 0x240420: Audio/Video, Car audio" */
export function describeClassOfDevice(value: number): string {
  const decoded = decodeClassOfDevice(value);
  return `Class of Device ${hex(value, 6)}: ${decoded.majorName}, ${decoded.minorName}`;
}

export interface DecodedAppearance {
  value: number;
  category: number;
  categoryName: string;
  name: string;
}

export function decodeAppearance(value: number): DecodedAppearance {
  const category = value >> 6;
  const categoryName = appearanceCategories[category] ?? `category ${hex(category, 3)}`;
  return { value, category, categoryName, name: appearanceValues[value] ?? categoryName };
}

/** "Appearance 0x08C1: Motorized Vehicle, Car" */
export function describeAppearance(value: number): string {
  const decoded = decodeAppearance(value);
  const detail = decoded.name === decoded.categoryName ? "" : `, ${decoded.name}`;
  return `Appearance ${hex(value, 4)}: ${decoded.categoryName}${detail}`;
}

const baseUuidSuffix = "-0000-1000-8000-00805f9b34fb";

/** The 16-bit short form of a UUID built on the Bluetooth Base UUID, else undefined. */
export function shortUuid(uuid: string): number | undefined {
  const lower = uuid.toLowerCase();
  if (/^[0-9a-f]{4}$/.test(lower)) return Number.parseInt(lower, 16);
  if (lower.length === 36 && lower.startsWith("0000") && lower.endsWith(baseUuidSuffix)) {
    const short = Number.parseInt(lower.slice(4, 8), 16);
    return Number.isNaN(short) ? undefined : short;
  }
  return undefined;
}

export function uuidName(short: number): string {
  return serviceUuids[short] ?? `service ${hex(short, 4)}`;
}

export interface DeviceIdVendor {
  source: "bluetooth" | "usb";
  vendor: number;
  product: number;
  version: number;
  vendorName?: string;
  automotive: boolean;
}

/** Parses a Device ID modalias: "bluetooth:v004Cp0320d0100" (SIG company id) or "usb:v05ACp...". */
export function decodeModalias(modalias: string): DeviceIdVendor | undefined {
  const match = /^(bluetooth|usb):v([0-9A-Fa-f]{4})p([0-9A-Fa-f]{4})d([0-9A-Fa-f]{4})$/.exec(modalias.trim());
  if (!match) return undefined;
  const [, source, vendorHex, productHex, versionHex] = match;
  const vendor = Number.parseInt(vendorHex as string, 16);
  const company = source === "bluetooth" ? bluetoothCompanies[vendor] : undefined;
  const decoded: DeviceIdVendor = {
    source: source as "bluetooth" | "usb",
    vendor,
    product: Number.parseInt(productHex as string, 16),
    version: Number.parseInt(versionHex as string, 16),
    automotive: company?.automotive === true,
  };
  if (company) decoded.vendorName = company.name;
  return decoded;
}

/** The address's OUI ("00:1E:AE") and who the IEEE registry assigns it to, if an automotive maker. */
export function lookUpOui(
  address: string,
  addressType?: "public" | "random",
): { oui: string; organisation: string; tier: "head-unit" | "mixed" } | undefined {
  if (addressType === "random") return undefined; // random addresses carry no OUI
  const oui = address.toUpperCase().slice(0, 8);
  const headUnit = headUnitOuis.get(oui);
  if (headUnit) return { oui, organisation: headUnit, tier: "head-unit" };
  const mixed = mixedAutomotiveOuis.get(oui);
  if (mixed) return { oui, organisation: mixed, tier: "mixed" };
  return undefined;
}

/**
 * The head-unit naming convention a name follows, if any: the first pattern that matches, tested only
 * when the name begins as that pattern's names do (a headset's or a phone's compiles none of them).
 */
export function matchHeadUnitName(name: string): string | undefined {
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();
  for (const { starts, pattern, label } of headUnitNamePatterns) {
    if (starts.some((start) => lower.startsWith(start)) && pattern.test(trimmed)) return label;
  }
  return undefined;
}
