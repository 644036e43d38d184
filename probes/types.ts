// The device model: one observation type per bus, shared by every OS and every source.
// Probes produce observations; they never judge them. Classification and policy come after.

export type Bus = "usb" | "bluetooth";

/** Which reader produced an observation, so IT support can tell where a fact came from. */
export type SourceName =
  | "linux-sysfs"
  | "linux-typec"
  | "bluez-dbus"
  | "bluez-store"
  | "hci"
  | "systeminformation"
  | "libusb"
  | "macos-ioreg"
  | "macos-usb"
  | "macos-bluetooth"
  | "windows-pnp"
  | "windows-bluetooth"
  | "replay";

/** A USB interface descriptor; class, subclass and protocol are lowercase 2-hex strings ("08", "ff"). */
export interface UsbInterface {
  class: string;
  subclass: string;
  protocol: string;
  name?: string;
}

export interface UsbObservation {
  bus: "usb";
  source: SourceName;
  /** Stable across scans and reboots: vendor:product:serial, or vendor:product@portPath without a serial. */
  id: string;
  /** Lowercase 4-hex, e.g. "05ac". Absent when the attribute could not be read. */
  vendorId?: string;
  productId?: string;
  serial?: string;
  manufacturer?: string;
  product?: string;
  /** bDeviceClass/SubClass/Protocol as lowercase 2-hex strings; class "00" means "see the interfaces". */
  deviceClass?: { class: string; subclass: string; protocol: string };
  interfaces: UsbInterface[];
  /** Link speed in Mbit/s (1.5, 12, 480, 5000 ...). */
  speedMbps?: number;
  /** Declared bMaxPower of the active configuration, in mA. */
  maxPowerMilliamps?: number;
  /** Kernel port path: "1-2.3" (bus 1, root port 2, hub port 3); "usb1" for a root hub. */
  portPath: string;
  /** Port paths of the hubs above this device, nearest last: ["usb1", "1-2"]. */
  parents: string[];
  isRootHub: boolean;
  /** Linux `removable`: "removable", "fixed" or "unknown" (the platform cannot tell). */
  removable?: "removable" | "fixed" | "unknown";
  /** Linux hub-port `connect_type`: "hotplug", "hardwired", "not used" or "unknown". */
  connectType?: "hotplug" | "hardwired" | "not used" | "unknown";
  /**
   * What the platform itself says about the port, in its own words, when it is not Linux's
   * removable/connect_type (macOS: `USBPortType = 2 (internal)`, `"Built-In" = No`). The
   * built-in evidence then quotes this instead of the Linux attributes.
   */
  portFact?: string;
  /** Kinds the platform states outright (macOS `SupportsIPhoneOS = Yes`), each with its fact. */
  kindHints?: { kind: DeviceKind; fact: string }[];
  /**
   * Windows: the device node, or the node of its storage or phone function, has problem code 22
   * (CM_PROB_DISABLED): Windows has it disabled, by whoever did it (an administrator, Group Policy,
   * another device-control product, or eca). Absent when not disabled or the platform cannot say.
   */
  disabledByOs?: true;
  /** Attributes that could not be read or made no sense: the device is still reported. */
  warnings?: string[];
}

/** A USB Type-C port where the laptop supplies power to an attached partner. */
export interface PowerObservation {
  bus: "usb";
  source: SourceName;
  kind: "typec-partner";
  /** e.g. "typec:port0". */
  id: string;
  port: string;
  /** The laptop's role on this port: "source" means the laptop is supplying power. */
  powerRole: "source" | "sink" | "unknown";
  dataRole?: "host" | "device" | "unknown";
  partnerPresent: boolean;
  /** Port paths of USB devices the kernel links to this Type-C port, when it says. */
  linkedUsbPorts: string[];
  warnings?: string[];
}

export interface BluetoothObservation {
  bus: "bluetooth";
  source: SourceName;
  /** "bt:" + address in uppercase: stable as long as the device keeps its public or bonded address. */
  id: string;
  /** "AA:BB:CC:DD:EE:FF", uppercase. */
  address: string;
  addressType?: "public" | "random";
  /** Adapter address or name ("hci0"). */
  adapter?: string;
  name?: string;
  alias?: string;
  /** 24-bit Class of Device (BR/EDR). */
  classOfDevice?: number;
  /** 16-bit GAP Appearance (LE). */
  appearance?: number;
  /** Service UUIDs, lowercase 128-bit form ("0000111e-0000-1000-8000-00805f9b34fb"). */
  uuids: string[];
  /** Device ID modalias, e.g. "bluetooth:v004Cp0320d0100". */
  modalias?: string;
  /**
   * The OS's own name for the device type where it gives no Class of Device: macOS system_profiler's
   * `device_minorType` ("Headphones", "Keyboard", "Car Audio"). Classified like the CoD it names.
   */
  minorType?: string;
  paired: boolean;
  bonded: boolean;
  connected: boolean;
  trusted?: boolean;
  warnings?: string[];
}

export type DeviceObservation = UsbObservation | BluetoothObservation;
export type Observation = DeviceObservation | PowerObservation;

export function isPowerObservation(o: Observation): o is PowerObservation {
  return "kind" in o && o.kind === "typec-partner";
}

/** What a probe sees at one moment. */
export interface Snapshot {
  observations: Observation[];
  /** Sources that were tried and could not answer, with the reason; the scan carries on without them. */
  unavailable: UnavailableSource[];
  /** Which collector read a live source where there is a choice (Windows: in process or PowerShell). */
  collectors?: CollectorUse[];
}

/** The collector a probe's live source was read with, for `eca status`: absent for captures. */
export interface CollectorUse {
  source: SourceName;
  /** e.g. "CfgMgr32 in process", "PowerShell (collect-pnp.ps1)". */
  collector: string;
  /** Why the preferred collector is not used (koffi cannot load, ECA_WINDOWS_PNP=powershell). */
  fallbackReason?: string;
  /** Whether device notifications reach the probe now (else the poll finds changes). */
  notifications?: boolean;
}

/**
 * A source that gave no (complete) answer. `absent: true` means the stack is not installed (no BlueZ
 * on the system bus, no Bluetooth adapter, no /var/lib/bluetooth): a complete observation of "none
 * here", not a failure. Without it the source failed, and what it covers could not be checked.
 */
export interface UnavailableSource {
  source: SourceName;
  reason: string;
  absent?: true;
}

// ---------------------------------------------------------------------------------------------
// Classification: what a device is. Pure functions of an observation (see probes/classify/).

export type DeviceKind =
  | "phone"
  | "storage"
  | "keyboard"
  | "mouse"
  | "security-key"
  | "hub"
  | "camera"
  | "audio"
  | "network"
  | "vehicle"
  | "computer"
  | "charger"
  | "wearable"
  | "other";

/** How sure the classifier is. Policy only raises violations on "medium" or better. */
export type Confidence = "certain" | "strong" | "medium" | "low";

export interface Classification {
  kind: DeviceKind;
  builtIn: boolean;
  confidence: Confidence;
  /** Facts that led to the kind and the built-in decision, in words IT support can check. */
  evidence: string[];
}

export type ClassifiedDevice = { observation: Observation } & Classification;
