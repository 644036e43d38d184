// Parser for BlueZ's per-device store file, /var/lib/bluetooth/<adapter>/<device>/info
// (format per BlueZ doc/settings-storage.txt: INI groups [General], [DeviceID], [LinkKey], [LongTermKey]...).
// Pure: text in, facts and warnings out. Garbled lines become warnings, never exceptions.

export interface BluezInfo {
  name?: string;
  alias?: string;
  classOfDevice?: number;
  appearance?: number;
  addressType?: "public" | "random";
  uuids: string[];
  technologies: string[];
  trusted?: boolean;
  blocked?: boolean;
  /** A stored link key (BR/EDR) or long-term key (LE): the device was paired and bonded. */
  bonded: boolean;
  modalias?: string;
  warnings: string[];
}

/** Garbled lines reported one by one, then counted: a garbage file must not flood the report. */
const MAX_LINE_WARNINGS = 10;

// The group and number checks are character tests, not regular expressions: V8 compiles each regular
// expression on its first use (~20-40 µs), and a one-shot `eca scan` runs each of them a few times a
// file on a handful of files. test/bluez-info-checks.test.ts holds them to the expressions they replace.

/** A `[group]` line (trimmed): /^\[([^\]]+)\]$/, the name, or undefined. */
export function groupName(line: string): string | undefined {
  if (line.length < 3 || line[0] !== "[" || line[line.length - 1] !== "]") return undefined;
  const name = line.slice(1, -1);
  return name.includes("]") ? undefined : name;
}

const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
const isHexDigit = (code: number) =>
  isDigit(code) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);

/** From `start` on, at least one character and all of them digits: /^\d+$/, or with hex /^[0-9a-f]+$/i. */
function allDigits(value: string, start: number, hex: boolean): boolean {
  if (value.length <= start) return false;
  for (let i = start; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!(hex ? isHexDigit(code) : isDigit(code))) return false;
  }
  return true;
}

/**
 * A service UUID as BlueZ writes it. This one stays a regular expression: a store lists dozens of
 * them, and checked character by character in V8's interpreter they cost more than its compiling.
 */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type IniGroups = Map<string, Map<string, string>>;

/** Splits INI text into groups of key=value; reports lines that are neither. */
export function parseIni(text: string): { groups: IniGroups; warnings: string[] } {
  const groups: IniGroups = new Map();
  const warnings: string[] = [];
  let current: Map<string, string> | undefined;
  let skipped = 0;
  // Lines end in \n or \r\n: the trim takes the \r.
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const name = groupName(line);
    if (name !== undefined) {
      current = groups.get(name) ?? new Map();
      groups.set(name, current);
      return;
    }
    const equals = line.indexOf("=");
    if (equals <= 0 || !current) {
      skipped++;
      if (skipped <= MAX_LINE_WARNINGS)
        warnings.push(`line ${index + 1} is not a [group] or key=value: "${line.slice(0, 60)}"`);
      return;
    }
    current.set(line.slice(0, equals).trim(), line.slice(equals + 1).trim());
  });
  if (skipped > MAX_LINE_WARNINGS)
    warnings.push(`${skipped - MAX_LINE_WARNINGS} more lines are not a [group] or key=value`);
  return { groups, warnings };
}

/** A number written 0x… (/^0x[0-9a-f]+$/i) or in decimal (/^\d+$/); anything else is undefined. */
export function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number =
    value.startsWith("0x") || value.startsWith("0X")
      ? allDigits(value, 2, true)
        ? Number.parseInt(value, 16)
        : NaN
      : allDigits(value, 0, false)
        ? Number(value)
        : NaN;
  return Number.isNaN(number) ? undefined : number;
}

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

const hex4 = (value: number) => value.toString(16).toUpperCase().padStart(4, "0");

export function parseBluezInfo(text: string): BluezInfo {
  const { groups, warnings } = parseIni(text);
  const general = groups.get("General") ?? new Map<string, string>();
  if (!groups.has("General")) warnings.push("no [General] group");
  const info: BluezInfo = { uuids: [], technologies: [], bonded: false, warnings };

  const name = general.get("Name");
  if (name) info.name = name;
  const alias = general.get("Alias");
  if (alias) info.alias = alias;

  const numeric = (key: string, max: number): number | undefined => {
    const raw = general.get(key);
    if (raw === undefined) return undefined;
    const value = parseNumber(raw);
    if (value === undefined || value > max) {
      warnings.push(`${key}="${raw}" is not a number`);
      return undefined;
    }
    return value;
  };
  const classOfDevice = numeric("Class", 0xffffff);
  if (classOfDevice !== undefined) info.classOfDevice = classOfDevice;
  const appearance = numeric("Appearance", 0xffff);
  if (appearance !== undefined) info.appearance = appearance;

  const addressType = general.get("AddressType");
  if (addressType === "public") info.addressType = "public";
  else if (addressType === "static") info.addressType = "random"; // BlueZ stores LE static random as "static"

  // Newer BlueZ writes Services=, the original settings-storage.txt says Profiles=.
  for (const uuid of (general.get("Services") ?? general.get("Profiles") ?? "").split(";")) {
    const trimmed = uuid.trim().toLowerCase();
    if (trimmed === "") continue;
    if (uuidPattern.test(trimmed)) info.uuids.push(trimmed);
    else warnings.push(`Services holds "${uuid.trim()}", which is not a UUID`);
  }
  info.technologies = (general.get("SupportedTechnologies") ?? "").split(";").filter((t) => t.trim() !== "");

  const trusted = parseBoolean(general.get("Trusted"));
  if (trusted !== undefined) info.trusted = trusted;
  const blocked = parseBoolean(general.get("Blocked"));
  if (blocked !== undefined) info.blocked = blocked;

  const keyGroups = ["LinkKey", "LongTermKey", "PeripheralLongTermKey", "SlaveLongTermKey"];
  info.bonded = keyGroups.some((group) => groups.get(group)?.has("Key"));

  const deviceId = groups.get("DeviceID");
  if (deviceId) {
    const source = parseNumber(deviceId.get("Source"));
    const vendor = parseNumber(deviceId.get("Vendor"));
    const product = parseNumber(deviceId.get("Product"));
    const version = parseNumber(deviceId.get("Version"));
    if (vendor === undefined || product === undefined || version === undefined) {
      warnings.push("[DeviceID] lacks a numeric Vendor, Product or Version");
    } else {
      // Source 1: Bluetooth SIG company id; source 2: USB-IF vendor id (Device ID profile 1.3).
      const prefix = source === 2 ? "usb" : "bluetooth";
      info.modalias = `${prefix}:v${hex4(vendor)}p${hex4(product)}d${hex4(version)}`;
    }
  }
  return info;
}
