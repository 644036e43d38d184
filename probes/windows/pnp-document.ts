// The pnp-devices.json document (probes/windows/README.md): what collect-pnp.ps1 writes, one object per
// present Plug and Play device node, properties under Windows' own names. Pure: text in, records
// out. A record with a property of the wrong type keeps its other properties and gets a warning
// naming the record and the property, so one odd node never hides the rest of the machine.

/** One device node as collect-pnp.ps1 records it. Missing properties are absent, never invented. */
export interface PnpDevice {
  /** Device instance id: "USB\VID_05AC&PID_12A8\00008030001A35E43C02802E". */
  InstanceId: string;
  /** Setup class name (Win32_PnPEntity.PNPClass): "USB", "WPD", "DiskDrive", "Bluetooth" ... */
  Class?: string;
  FriendlyName?: string;
  /** The driver package's manufacturer, often a placeholder such as "(Standard USB HUBs)". */
  Manufacturer?: string;
  Present?: boolean;
  /** "OK", "Error", "Degraded", "Unknown". */
  Status?: string;
  HardwareID?: string[];
  CompatibleID?: string[];
  Service?: string;
  /** DEVPKEY_Device_Parent: the parent node's instance id. */
  Parent?: string;
  /** DEVPKEY_Device_ContainerId, "{...}". */
  ContainerId?: string;
  /** DEVPKEY_Device_InLocalMachineContainer. */
  InLocalMachineContainer?: boolean;
  /** DEVPKEY_Device_LocationPaths: "PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)". */
  LocationPaths?: string[];
  /** DEVPKEY_Device_RemovalPolicy: 1 expect no removal, 2 orderly removal, 3 surprise removal. */
  RemovalPolicy?: number;
  /** CM_DEVCAP_REMOVABLE (0x4) of DEVPKEY_Device_Capabilities. */
  Removable?: boolean;
  /** DEVPKEY_Device_BusReportedDeviceDesc: the USB iProduct string (iInterface on an MI_xx node). */
  BusReportedDeviceDesc?: string;
  /**
   * DEVPKEY_Device_ProblemCode, recorded only when not 0: the node's CM_PROB_* code (cfgmgr32.h;
   * Microsoft Learn "Device Manager error messages"). 22, CM_PROB_DISABLED, is a disabled node.
   */
  ProblemCode?: number;
  /** DEVPKEY_Bluetooth_DeviceAddress: 12 hex digits, no separators. */
  BluetoothAddress?: string;
  /** DEVPKEY_Bluetooth_ClassOfDevice. */
  BluetoothClassOfDevice?: number;
  /** LE GAP appearance of a BTHLE device node, where a collector can read it (collect-pnp.ps1 does not yet). */
  BluetoothAppearance?: number;
  /** DEVPKEY_Bluetooth_DeviceVIDSource (1 Bluetooth SIG, 2 USB-IF), _DeviceVID, _DevicePID, _DeviceProductVersion. */
  BluetoothDeviceVIDSource?: number;
  BluetoothDeviceVID?: number;
  BluetoothDevicePID?: number;
  BluetoothDeviceProductVersion?: number;
}

type FieldType = "string" | "boolean" | "number" | "string[]";

const FIELDS: Record<Exclude<keyof PnpDevice, "InstanceId">, FieldType> = {
  Class: "string",
  FriendlyName: "string",
  Manufacturer: "string",
  Present: "boolean",
  Status: "string",
  HardwareID: "string[]",
  CompatibleID: "string[]",
  Service: "string",
  Parent: "string",
  ContainerId: "string",
  InLocalMachineContainer: "boolean",
  LocationPaths: "string[]",
  RemovalPolicy: "number",
  Removable: "boolean",
  BusReportedDeviceDesc: "string",
  ProblemCode: "number",
  BluetoothAddress: "string",
  BluetoothClassOfDevice: "number",
  BluetoothAppearance: "number",
  BluetoothDeviceVIDSource: "number",
  BluetoothDeviceVID: "number",
  BluetoothDevicePID: "number",
  BluetoothDeviceProductVersion: "number",
};

export interface PnpDocument {
  devices: PnpDevice[];
  /** Records left out whole (no InstanceId, not an object), each naming the file and the place. */
  warnings: string[];
  /** Properties ignored, by the upper-case InstanceId of their record: they go on that device. */
  propertyWarnings: Map<string, string[]>;
}

export class PnpDocumentError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "PnpDocumentError";
  }
}

/**
 * A property's value in the type the record promises, or undefined. PowerShell's ConvertTo-Json
 * writes a one-element list as a bare string, so a string stands for a list of one.
 */
function coerce(value: unknown, type: FieldType): unknown {
  switch (type) {
    case "string":
      return typeof value === "string" ? value : undefined;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "number":
      return typeof value === "number" && Number.isInteger(value) ? value : undefined;
    case "string[]":
      if (typeof value === "string") return [value];
      if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
      return undefined;
  }
}

/**
 * What a collector writes instead of its document when it fails: {"CollectorError": "...",
 * "LanguageMode": "ConstrainedLanguage"} (collect-*.ps1 catch blocks). The reason for a failure,
 * with the language mode explained when AppLocker or WDAC constrained it; undefined for anything else.
 */
export function collectorFailure(parsed: unknown): string | undefined {
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  if (typeof record.CollectorError !== "string") return undefined;
  const mode = typeof record.LanguageMode === "string" ? record.LanguageMode : undefined;
  // Under an enforced AppLocker or WDAC policy, -EncodedCommand text runs in ConstrainedLanguage.
  const explained =
    mode === undefined
      ? ""
      : mode === "FullLanguage"
        ? " (PowerShell in FullLanguage mode)"
        : ` (PowerShell ran in ${mode} mode, as it does under an enforced AppLocker or WDAC policy; the in-process CfgMgr32 collector needs no PowerShell)`;
  return `the collector failed: ${record.CollectorError}${explained}`;
}

/** Parses pnp-devices.json. Throws PnpDocumentError only when the document as a whole is unusable. */
export function parsePnpDocument(text: string, file = "pnp-devices.json"): PnpDocument {
  let parsed: unknown;
  try {
    // PowerShell 5.1's Out-File writes a byte order mark.
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new PnpDocumentError(
      file,
      `is not JSON (${(error as Error).message}); record it again with probes/windows/collect-pnp.ps1`,
    );
  }
  const failure = collectorFailure(parsed);
  if (failure !== undefined) throw new PnpDocumentError(file, failure);
  // ConvertTo-Json unwraps a list of one into the object itself.
  const list = Array.isArray(parsed) ? parsed : parsed !== null && typeof parsed === "object" ? [parsed] : [];
  if (!Array.isArray(parsed) && list.length === 0) {
    throw new PnpDocumentError(file, "must be a JSON array of device objects (see probes/windows/README.md)");
  }
  const devices: PnpDevice[] = [];
  const warnings: string[] = [];
  const propertyWarnings = new Map<string, string[]>();
  list.forEach((entry: unknown, index) => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      warnings.push(`${file}: [${index}] is not an object; left out`);
      return;
    }
    const record = entry as Record<string, unknown>;
    if (typeof record.InstanceId !== "string" || record.InstanceId.trim() === "") {
      warnings.push(`${file}: [${index}] has no InstanceId string; left out (every node needs one)`);
      return;
    }
    const device: PnpDevice = { InstanceId: record.InstanceId.trim() };
    for (const name in record) {
      const type = Object.hasOwn(FIELDS, name) ? FIELDS[name as keyof typeof FIELDS] : undefined;
      const raw = record[name];
      if (type === undefined || raw === undefined || raw === null) continue;
      const value = coerce(raw, type);
      if (value === undefined) {
        const key = device.InstanceId.toUpperCase();
        propertyWarnings.set(key, [
          ...(propertyWarnings.get(key) ?? []),
          `${file}: [${index}].${name} of ${device.InstanceId} should be a ${type}, found ${JSON.stringify(raw).slice(0, 40)}; ignored`,
        ]);
        continue;
      }
      (device as unknown as Record<string, unknown>)[name] = value;
    }
    devices.push(device);
  });
  return { devices, warnings, propertyWarnings };
}
