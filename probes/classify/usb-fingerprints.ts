// What USB devices are, as data: vendor/product ids, interface class triples and device classes
// mapped to a kind. Every entry says where the fact comes from, so it can be checked and updated.
// Sources:
// - "usb.ids": the Linux USB ID repository (usbutils' usb.ids), line "VID  vendor" / "\tPID  product".
// - "USB-IF class codes": usb.org "Defined Class Codes" (baseclass/subclass/protocol table).
// - "libmtp": libmtp src/music-players.h (the device list libmtp and udev's MTP rules use).
// - "Apple usbmux": libimobiledevice usbmuxd (Apple's usbmux interface is ff/fe/02; iOS PIDs 0x1290–0x12af).
// - "Android": Android's adb/fastboot source (adb interface ff/42/01, fastboot ff/42/03) and
//   android.googlesource.com USB ids for Pixel/Nexus.
// - "libfprint": libfprint's supported-device list (fingerprint readers found built into laptops).
// - "vendor docs": the vendor's own product documentation.

import type { DeviceKind } from "../types.ts";

/** A hex range, inclusive: ["1290", "12af"]. A single id is ["4ee1", "4ee1"]. */
export type ProductRange = readonly [first: string, last: string];

/** A laptop part that ships inside the chassis: these are never peripherals in the guidance's sense. */
export type BuiltInComponent =
  | "webcam"
  | "fingerprint-reader"
  | "bluetooth-controller"
  | "card-reader"
  | "chipset-hub";

export interface ProductFingerprint {
  vendorId: string;
  /** Absent: every product of the vendor (only for vendors that make nothing else). */
  products?: readonly ProductRange[];
  /** Only when the device also has an interface of this class (vendors that make several things). */
  interfaceClass?: string;
  kind: DeviceKind;
  label: string;
  /** Set for parts that are built into laptops; used when the port cannot say built-in or not. */
  builtInComponent?: BuiltInComponent;
  source: string;
}

export interface InterfaceFingerprint {
  class: string;
  subclass?: string;
  protocol?: string;
  /** The iInterface string must match (MTP declares itself only by name). */
  name?: RegExp;
  kind: DeviceKind;
  label: string;
  source: string;
}

export interface DeviceClassFingerprint {
  class: string;
  kind: DeviceKind;
  label: string;
  source: string;
}

/** Specific products: checked first, because ids are more specific than class codes. */
export const PRODUCT_FINGERPRINTS: readonly ProductFingerprint[] = [
  // --- Phones and tablets ---------------------------------------------------------------------
  {
    vendorId: "05ac",
    products: [["1290", "12af"]],
    kind: "phone",
    label: "Apple iPhone/iPad/iPod touch",
    source: "Apple usbmux; usb.ids 05ac:1290 iPhone … 05ac:12a8 iPhone 5/5C/5S/6/SE/7/8/X/XR",
  },
  {
    vendorId: "04e8",
    products: [
      ["6860", "6860"],
      ["6863", "6866"],
      ["685c", "685e"],
    ],
    kind: "phone",
    label: "Samsung Galaxy phone",
    source:
      "usb.ids 04e8:6860 Galaxy series, misc. (MTP mode), 04e8:6863 Galaxy (tethering), 04e8:685d GT-I9100 (Download mode); libmtp Samsung Galaxy",
  },
  {
    vendorId: "18d1",
    products: [
      ["4ee0", "4ee9"],
      ["d001", "d002"],
    ],
    kind: "phone",
    label: "Google Pixel/Nexus phone",
    source:
      "usb.ids 18d1:4ee0 Nexus/Pixel Device (fastboot), 4ee1 (MTP), 4ee2 (MTP + debug), 4ee7 (charging + debug); libmtp Google Nexus/Pixel",
  },
  {
    vendorId: "2717",
    products: [
      ["ff40", "ff40"],
      ["ff48", "ff48"],
      ["ff68", "ff68"],
      ["ff80", "ff88"],
    ],
    kind: "phone",
    label: "Xiaomi phone",
    source:
      "usb.ids 2717 Xiaomi Inc.: ff40 Mi/Redmi series (MTP), ff48 (MTP + ADB), ff80 (RNDIS); libmtp Xiaomi",
  },
  {
    vendorId: "2a70",
    products: [
      ["4ee7", "4ee7"],
      ["9011", "9011"],
      ["f003", "f003"],
    ],
    kind: "phone",
    label: "OnePlus phone",
    source:
      "usb.ids 2a70 OnePlus Technology (Shenzhen) Co., Ltd.: f003 OnePlus (MTP), 9011 (MTP + ADB); libmtp OnePlus",
  },
  {
    vendorId: "22b8",
    products: [["2e76", "2e84"]],
    kind: "phone",
    label: "Motorola phone",
    source: "usb.ids 22b8:2e76 Moto (ADB), 22b8:2e82 Moto (MTP); libmtp Motorola Moto",
  },
  {
    vendorId: "12d1",
    products: [
      ["107e", "107e"],
      ["1082", "1082"],
    ],
    kind: "phone",
    label: "Huawei phone",
    source: "usb.ids / libmtp 12d1:107e Huawei P-series (MTP), 12d1:1082 Huawei Mate (MTP)",
  },
  {
    vendorId: "0fce",
    products: [
      ["0166", "0166"],
      ["01f3", "01f3"],
      ["51e0", "51e0"],
    ],
    kind: "phone",
    label: "Sony Xperia phone",
    source: "libmtp 0fce:0166 SonyEricsson Xperia mini pro (MTP); usb.ids 0fce:51e0 Xperia (MTP)",
  },
  // --- Security keys (FIDO/U2F and smart-card tokens) ------------------------------------------
  // FIDO's HID usage page (0xF1D0) is in the report descriptor, which sysfs does not expose as an
  // attribute, so FIDO keys are recognised by id.
  {
    vendorId: "1050",
    kind: "security-key",
    label: "Yubico YubiKey",
    source:
      "usb.ids 1050 Yubico.com (makes only authentication tokens: 0010 Yubikey … 0407 Yubikey 4/5 OTP+U2F+CCID)",
  },
  {
    vendorId: "096e",
    products: [["0850", "085f"]],
    kind: "security-key",
    label: "Feitian FIDO security key",
    source:
      "usb.ids 096e Feitian Technologies: 0850 ePass FIDO, 0852/0853/0854 ePass/BioPass FIDO2; vendor docs",
  },
  {
    vendorId: "18d1",
    products: [["5026", "5026"]],
    kind: "security-key",
    label: "Google Titan Security Key",
    source: "usb.ids 18d1:5026 Titan Security Key",
  },
  {
    vendorId: "20a0",
    products: [
      ["4108", "4109"],
      ["4211", "4211"],
      ["4230", "4230"],
      ["42b1", "42b2"],
      ["42dd", "42dd"],
    ],
    kind: "security-key",
    label: "Nitrokey",
    source:
      "usb.ids 20a0:4108 Nitrokey Pro, 4109 Nitrokey Storage, 4211 Nitrokey Start, 4230 Nitrokey HSM, 42b1 Nitrokey 3",
  },
  {
    vendorId: "0483",
    products: [["a2ca", "a2ca"]],
    kind: "security-key",
    label: "SoloKeys Solo",
    source: "SoloKeys solo firmware (VID:PID 0483:a2ca)",
  },
  {
    vendorId: "1ea8",
    products: [["fc25", "fc25"]],
    kind: "security-key",
    label: "Thetis FIDO key",
    source: "usb.ids 1ea8 Thetis; vendor docs",
  },
  // --- Built-in laptop parts: fingerprint readers -----------------------------------------------
  {
    vendorId: "06cb",
    kind: "other",
    label: "Synaptics fingerprint reader",
    builtInComponent: "fingerprint-reader",
    source:
      "usb.ids 06cb Synaptics, Inc. (00bd/00c2/00f9/0123 Prometheus fingerprint readers); libfprint synaptics driver",
  },
  {
    vendorId: "138a",
    kind: "other",
    label: "Validity Sensors fingerprint reader",
    builtInComponent: "fingerprint-reader",
    source:
      "usb.ids 138a Validity Sensors, Inc. (0011 VFS5011, 0097 … fingerprint readers); libfprint vfs drivers",
  },
  {
    vendorId: "27c6",
    kind: "other",
    label: "Goodix fingerprint reader",
    builtInComponent: "fingerprint-reader",
    source:
      "usb.ids 27c6 Shenzhen Goodix Technology Co.,Ltd. (5110, 538c, 55b4 … fingerprint readers); libfprint goodixmoc",
  },
  {
    vendorId: "04f3",
    products: [["0c00", "0cff"]],
    kind: "other",
    label: "Elan fingerprint reader",
    builtInComponent: "fingerprint-reader",
    source: "libfprint elan/elanmoc drivers: 04f3:0c01 … 04f3:0c7e",
  },
  {
    vendorId: "08ff",
    kind: "other",
    label: "AuthenTec fingerprint reader",
    builtInComponent: "fingerprint-reader",
    source: "usb.ids 08ff AuthenTec, Inc. (1600 AES1600, 2580 AES2501 fingerprint sensors)",
  },
  {
    vendorId: "1c7a",
    kind: "other",
    label: "EgisTec fingerprint reader",
    builtInComponent: "fingerprint-reader",
    source: "usb.ids 1c7a LighTuning Technology Inc. (EgisTec); libfprint egis0570",
  },
  {
    vendorId: "0a5c",
    products: [["5800", "5865"]],
    kind: "other",
    label: "Broadcom ControlVault (fingerprint and smart-card security processor)",
    builtInComponent: "fingerprint-reader",
    source: "usb.ids 0a5c:5800 BCM5880 Secure Applications Processor … 0a5c:5834 ControlVault 2; Dell docs",
  },
  // --- Built-in laptop parts: hubs inside the chipset -------------------------------------------
  {
    vendorId: "8087",
    products: [
      ["0020", "0020"],
      ["0024", "0024"],
      ["8000", "8001"],
      ["8008", "8009"],
    ],
    kind: "hub",
    label: "Intel chipset rate-matching hub",
    builtInComponent: "chipset-hub",
    source:
      "usb.ids 8087 Intel Corp.: 0020/0024/8000/8008/8009 Integrated Rate Matching Hub, 8001 Integrated Hub (behind the EHCI controllers of Intel PCH chipsets)",
  },
  // --- Built-in laptop parts: Bluetooth controllers (the USB side of the Wi-Fi/Bluetooth module) --
  {
    vendorId: "8087",
    interfaceClass: "e0",
    kind: "network",
    label: "Intel Bluetooth controller",
    builtInComponent: "bluetooth-controller",
    source:
      "usb.ids 8087 Intel Corp.: 07dc/0a2a Bluetooth 7260/7265, 0a2b Bluetooth wireless interface (8260/8265), 0025 (9160/9260), 0026 AX201, 0029 AX200, 0032/0033 AX210/AX211",
  },
  {
    vendorId: "0bda",
    interfaceClass: "e0",
    kind: "network",
    label: "Realtek Bluetooth controller",
    builtInComponent: "bluetooth-controller",
    source:
      "usb.ids 0bda Realtek: b00a/b023/c123/c822/b85b … Bluetooth Radio (RTL8821/8822/8852 combo modules)",
  },
  {
    vendorId: "13d3",
    interfaceClass: "e0",
    kind: "network",
    label: "IMC Networks (AzureWave) Bluetooth controller",
    builtInComponent: "bluetooth-controller",
    source: "usb.ids 13d3 IMC Networks: 3496/3526/3548/3563 Bluetooth Radio (laptop M.2 modules)",
  },
  {
    vendorId: "0e8d",
    interfaceClass: "e0",
    kind: "network",
    label: "MediaTek Bluetooth controller",
    builtInComponent: "bluetooth-controller",
    source: "usb.ids 0e8d MediaTek Inc.: 0608/0616 Wireless_Device (MT7921/MT7922 Bluetooth)",
  },
  {
    vendorId: "0489",
    interfaceClass: "e0",
    kind: "network",
    label: "Foxconn Bluetooth controller",
    builtInComponent: "bluetooth-controller",
    source: "usb.ids 0489 Foxconn / Hon Hai: e0cd/e0d8/e0e2 Bluetooth (laptop combo modules)",
  },
  {
    vendorId: "0cf3",
    interfaceClass: "e0",
    kind: "network",
    label: "Qualcomm Atheros Bluetooth controller",
    builtInComponent: "bluetooth-controller",
    source: "usb.ids 0cf3 Qualcomm Atheros Communications: 3004 AR3012, e300/e500 QCA61x4 Bluetooth",
  },
  // --- Built-in laptop parts: webcams (the vendor alone is not enough: also needs a video interface) --
  {
    vendorId: "04f2",
    interfaceClass: "0e",
    kind: "camera",
    label: "Chicony integrated webcam",
    builtInComponent: "webcam",
    source:
      "usb.ids 04f2 Chicony Electronics Co., Ltd: b221 integrated camera, b5ce/b6dd Integrated Camera …",
  },
  {
    vendorId: "5986",
    interfaceClass: "0e",
    kind: "camera",
    label: "Bison/Acer integrated webcam",
    builtInComponent: "webcam",
    source: "usb.ids 5986 Acer, Inc (Bison): 0652/0706/2113 Integrated Camera (Lenovo/Acer laptops)",
  },
  {
    vendorId: "13d3",
    interfaceClass: "0e",
    kind: "camera",
    label: "IMC Networks integrated webcam",
    builtInComponent: "webcam",
    source: "usb.ids 13d3 IMC Networks: 5a07/56a2/5682 USB2.0 HD UVC WebCam (laptop modules)",
  },
  {
    vendorId: "0bda",
    interfaceClass: "0e",
    kind: "camera",
    label: "Realtek integrated webcam",
    builtInComponent: "webcam",
    source: "usb.ids 0bda Realtek: 5652/565a/58c2/5634 Integrated Webcam (laptop camera modules)",
  },
  {
    vendorId: "0c45",
    interfaceClass: "0e",
    kind: "camera",
    label: "Microdia integrated webcam",
    builtInComponent: "webcam",
    source: "usb.ids 0c45 Microdia: 6713/671d/6a06 Integrated Webcam",
  },
  {
    vendorId: "04ca",
    interfaceClass: "0e",
    kind: "camera",
    label: "Lite-On integrated webcam",
    builtInComponent: "webcam",
    source: "usb.ids 04ca Lite-On Technology Corp.: 7054/707f Integrated Camera",
  },
  {
    vendorId: "30c9",
    interfaceClass: "0e",
    kind: "camera",
    label: "Luxvisions integrated webcam",
    builtInComponent: "webcam",
    source: "usb.ids 30c9 Luxvisions Innotech Limited: 0030/00cd Integrated Camera",
  },
  {
    vendorId: "174f",
    interfaceClass: "0e",
    kind: "camera",
    label: "Syntek integrated webcam",
    builtInComponent: "webcam",
    source: "usb.ids 174f Syntek: 14xx/24xx/5212 Integrated Camera",
  },
  // --- Built-in laptop parts: card readers ------------------------------------------------------
  {
    vendorId: "0bda",
    products: [
      ["0129", "0129"],
      ["0138", "0139"],
      ["0153", "0153"],
      ["0158", "0158"],
      ["0177", "0177"],
      ["0184", "0184"],
    ],
    kind: "storage",
    label: "Realtek built-in card reader",
    builtInComponent: "card-reader",
    source:
      "usb.ids 0bda:0129 RTS5129 Card Reader Controller, 0138/0139 RTS5139, 0153 3-in-1 (SD/SDHC/SDXC) Card Reader, 0158/0177/0184 USB 2.0 multicard reader",
  },
];

/** Interface class triples. Order does not matter: classification applies kind precedence. */
export const INTERFACE_FINGERPRINTS: readonly InterfaceFingerprint[] = [
  {
    class: "ff",
    subclass: "fe",
    protocol: "02",
    kind: "phone",
    label: "Apple usbmux (iPhone/iPad sync)",
    source: "Apple usbmux (libimobiledevice usbmuxd: USB_INTERFACE_CLASS 0xff, SUBCLASS 0xfe, PROTOCOL 2)",
  },
  {
    class: "ff",
    subclass: "42",
    protocol: "01",
    kind: "phone",
    label: "Android Debug Bridge",
    source: "Android adb: ADB_CLASS 0xff, ADB_SUBCLASS 0x42, ADB_PROTOCOL 0x1",
  },
  {
    class: "ff",
    subclass: "42",
    protocol: "03",
    kind: "phone",
    label: "Android fastboot",
    source: "Android fastboot: class 0xff, subclass 0x42, protocol 0x3",
  },
  {
    class: "06",
    subclass: "01",
    protocol: "01",
    name: /\bMTP\b/i,
    kind: "phone",
    label: "MTP (Media Transfer Protocol: a phone or media player sharing its files)",
    source: 'USB-IF MTP spec (still image class 06/01/01, interface string "MTP"); libmtp',
  },
  {
    class: "ff",
    subclass: "ff",
    protocol: "00",
    name: /\bMTP\b/i,
    kind: "phone",
    label: "MTP on a vendor-specific interface (Android phone)",
    source: 'libmtp music-players.h / udev 69-libmtp rules: vendor interface ff/ff/00 named "MTP"',
  },
  {
    class: "08",
    kind: "storage",
    label: "mass storage",
    source: "USB-IF class codes: 08h Mass Storage",
  },
  {
    class: "0b",
    kind: "security-key",
    label: "smart card (CCID)",
    source: "USB-IF class codes: 0Bh Smart Card",
  },
  {
    class: "03",
    subclass: "01",
    protocol: "01",
    kind: "keyboard",
    label: "HID boot keyboard",
    source: "USB-IF HID 1.11 §4.2–4.3: subclass 01 boot interface, protocol 01 keyboard",
  },
  {
    class: "03",
    subclass: "01",
    protocol: "02",
    kind: "mouse",
    label: "HID boot mouse",
    source: "USB-IF HID 1.11 §4.2–4.3: subclass 01 boot interface, protocol 02 mouse",
  },
  {
    class: "01",
    kind: "audio",
    label: "audio",
    source: "USB-IF class codes: 01h Audio",
  },
  {
    class: "0e",
    kind: "camera",
    label: "video (webcam)",
    source: "USB-IF class codes: 0Eh Video",
  },
  {
    class: "06",
    kind: "camera",
    label: "still image (PTP camera)",
    source: "USB-IF class codes: 06h Image",
  },
  {
    class: "e0",
    subclass: "01",
    protocol: "01",
    kind: "network",
    label: "Bluetooth controller",
    source:
      "USB-IF class codes: E0h Wireless Controller, subclass 01 protocol 01 Bluetooth Programming Interface",
  },
  {
    class: "e0",
    subclass: "01",
    protocol: "03",
    kind: "network",
    label: "RNDIS network (USB tethering)",
    source: "USB-IF class codes: E0h/01h/03h RNDIS",
  },
  {
    class: "02",
    kind: "network",
    label: "communications (CDC: modem or network)",
    source: "USB-IF class codes: 02h Communications and CDC Control",
  },
  {
    class: "0a",
    kind: "network",
    label: "CDC data",
    source: "USB-IF class codes: 0Ah CDC-Data",
  },
  {
    class: "09",
    kind: "hub",
    label: "hub",
    source: "USB-IF class codes: 09h Hub",
  },
];

/** Device-level classes (bDeviceClass), for devices that declare their class there. */
export const DEVICE_CLASS_FINGERPRINTS: readonly DeviceClassFingerprint[] = [
  { class: "09", kind: "hub", label: "hub", source: "USB-IF class codes: 09h Hub (device class)" },
  { class: "08", kind: "storage", label: "mass storage", source: "USB-IF class codes: 08h Mass Storage" },
  {
    class: "e0",
    kind: "network",
    label: "wireless controller (Bluetooth)",
    source: "USB-IF class codes: E0h Wireless Controller (device class)",
  },
  { class: "02", kind: "network", label: "communications device", source: "USB-IF class codes: 02h CDC" },
  {
    class: "11",
    kind: "other",
    label: "billboard (USB-C alternate mode adapter)",
    source: "USB-IF class codes: 11h Billboard Device Class",
  },
  {
    class: "dc",
    kind: "other",
    label: "diagnostic device",
    source: "USB-IF class codes: DCh Diagnostic Device",
  },
];

// =============================================================================================
// Phones in every USB mode, and USB Ethernet adapters (issue 7: misses on new hardware recordings).
// Kept apart from the tables above so platform-specific additions (Apple built-in parts) merge
// cleanly. Sources, besides those at the top of the file:
// - "android-udev-rules": github.com/M0Rf30/android-udev-rules 51-android.rules (commit 35c52f9,
//   2025-11-24), whose comments list each phone's product id per USB mode (mtp, ptp, rndis, adb...).
// - "libmtp": libmtp src/music-players.h (commit 9be9963, 2026-07-01), counted per vendor.
// - "usb.ids": Debian usb.ids 2025.07.26.
// - "r8152" / "ax88179": Linux drivers/net/usb/r8152.c rtl8152_table and ax88179_178a.c products.
// =============================================================================================

/**
 * What a phone shows in each of its USB modes, beyond what says "phone" by itself (ADB, usbmux, an
 * interface named "MTP"). None of these proves a phone alone: a camera speaks PTP, a USB Ethernet
 * adapter uses ff/ff/00, a broadband stick RNDIS or NCM. Together with a phone maker's vendor id
 * (PHONE_VENDORS) they do.
 */
export type PhoneMode = "still-image" | "mtp-vendor" | "rndis" | "ncm" | "ecm";

export interface PhoneInterfaceHint {
  class: string;
  subclass: string;
  protocol?: string;
  mode: PhoneMode;
  label: string;
  source: string;
}

export const PHONE_INTERFACE_HINTS: readonly PhoneInterfaceHint[] = [
  {
    class: "06",
    subclass: "01",
    protocol: "01",
    mode: "still-image",
    label: "still image (PTP mode, or MTP where the interface name is not read)",
    source:
      'USB-IF class codes: 06h/01h/01h Still Image Capture, PTP; Android MTP and PTP functions both use it (libmtp; android-udev-rules "ptp" modes)',
  },
  {
    class: "ff",
    subclass: "ff",
    protocol: "00",
    mode: "mtp-vendor",
    label: "vendor-specific ff/ff/00 (Android MTP where the interface name is not read)",
    source: 'libmtp / udev 69-libmtp rules: Android MTP on vendor interface ff/ff/00 named "MTP"',
  },
  {
    class: "e0",
    subclass: "01",
    protocol: "03",
    mode: "rndis",
    label: "RNDIS (USB tethering)",
    source: "USB-IF class codes: E0h/01h/03h RNDIS; Linux rndis_host",
  },
  {
    class: "ef",
    subclass: "04",
    protocol: "01",
    mode: "rndis",
    label: "RNDIS over Ethernet (USB tethering)",
    source:
      "USB-IF class codes: EFh/04h/01h RNDIS over Ethernet; Linux rndis_host (added for Android phones, e.g. 22b8:2e24 moto g play)",
  },
  {
    class: "02",
    subclass: "02",
    protocol: "ff",
    mode: "rndis",
    label: "RNDIS as vendor-protocol CDC ACM (USB tethering)",
    source: "Linux rndis_host: USB_INTERFACE_INFO(USB_CLASS_COMM, 2 /* ACM */, 0x0ff) (Android's RNDIS)",
  },
  {
    class: "02",
    subclass: "0d",
    mode: "ncm",
    label: "CDC-NCM (USB tethering)",
    source:
      "USB-IF class codes: 02h/0Dh Network Control Model; android-udev-rules (Tensor Pixel 4eeb=cdc-ncm)",
  },
  {
    class: "02",
    subclass: "06",
    mode: "ecm",
    label: "CDC-ECM (USB tethering)",
    source: "USB-IF class codes: 02h/06h Ethernet Control Model",
  },
];

const ALL_PHONE_MODES: readonly PhoneMode[] = ["still-image", "mtp-vendor", "rndis", "ncm", "ecm"];
/** For makers that also sell cameras, broadband sticks or modems: only file-transfer modes count. */
const FILE_TRANSFER_MODES: readonly PhoneMode[] = ["still-image"];

export interface PhoneVendor {
  vendorId: string;
  maker: string;
  /** Only these products of the vendor (the phone division's range), when it also makes other things. */
  products?: readonly ProductRange[];
  /** The modes that make a device of this vendor a phone. */
  modes: readonly PhoneMode[];
  source: string;
}

/**
 * Phone makers. Where the vendor id also covers cameras, modems or broadband sticks, the modes are
 * narrowed (or the product range is), and those products are left to PHONE_PRODUCT_FINGERPRINTS.
 */
export const PHONE_VENDORS: readonly PhoneVendor[] = [
  {
    vendorId: "04e8",
    maker: "Samsung",
    // Samsung's id also covers NX/WB cameras (130c, 1323: PTP) and GT-B37xx LTE modems (6875–6889).
    products: [["6600", "68ff"]],
    modes: ["still-image", "mtp-vendor"],
    source:
      "usb.ids 04e8 Samsung Electronics: 6601 Mobile Phone … 689e Galaxy Fit, 130c NX100, 1323 WB700 Camera, 6876 GT-B3710 LTE Modem; libmtp 46 Samsung entries; android-udev-rules Samsung",
  },
  {
    vendorId: "18d1",
    maker: "Google",
    products: [
      ["4e11", "4eff"],
      ["d001", "d00d"],
    ],
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 18d1 Google: 4e11 Nexus One … 4ee9 Nexus/Pixel Device (MIDI + debug); android-udev-rules Google (4ee1=mtp 4ee3=rndis 4ee5=ptp, Tensor Pixel 4eeb=cdc-ncm)",
  },
  {
    vendorId: "2717",
    maker: "Xiaomi",
    products: [["ff00", "ffff"]],
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 2717 Xiaomi: ff08 Redmi Note 3 (ADB), ff10 (PTP), ff40 (MTP), ff80 (RNDIS) …; libmtp 19 Xiaomi entries; android-udev-rules XiaoMi",
  },
  {
    vendorId: "2a70",
    maker: "OnePlus",
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 2a70 OnePlus Technology: 4ee7, 904d A3000 phone (PTP mode); android-udev-rules OnePlus (9011=mtp 904d=ptp 9024=tethering)",
  },
  {
    vendorId: "12d1",
    maker: "Huawei",
    // Huawei's id also covers E-series broadband sticks (RNDIS, NCM, ECM): only file transfer counts.
    modes: FILE_TRANSFER_MODES,
    source:
      "usb.ids 12d1 Huawei: 1053 P7-L10 (PTP), 107e P10 smartphone, 360e Y330-U01 (MTP), 1436/1c05 Broadband stick; libmtp 22 Huawei entries; android-udev-rules Huawei",
  },
  {
    vendorId: "22b8",
    maker: "Motorola",
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 22b8 Motorola PCS (phones only: 2e82 Moto G, 2e83 PTP mode); libmtp 46 Motorola entries; android-udev-rules Motorola (2e82=mtp 2e83=ptp 2e24=rndis)",
  },
  {
    vendorId: "0fce",
    maker: "Sony (Ericsson) Mobile",
    // Also MD300/MD400 broadband modems (d0cf, d0e1).
    modes: FILE_TRANSFER_MODES,
    source:
      "usb.ids 0fce Sony Ericsson Mobile Communications: 00af V640i Phone [PTP Camera], d0cf MD300 Mobile Broadband Modem; libmtp 283 Sony entries; android-udev-rules Sony Ericsson",
  },
  {
    vendorId: "1004",
    maker: "LG",
    // Also a CDMA modem (6800).
    modes: FILE_TRANSFER_MODES,
    source:
      "usb.ids 1004 LG Electronics: 61f9 Optimus MTP Mode, 631d Optimus (Camera/PTP Mode), 6800 CDMA Modem; libmtp 23 LG entries; android-udev-rules LG",
  },
  {
    vendorId: "0bb4",
    maker: "HTC",
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 0bb4 HTC: 0a50 SmartPhone (MTP) …; libmtp 64 HTC entries; android-udev-rules HTC (0fb4=rndis 0ff8=tether)",
  },
  {
    vendorId: "22d9",
    maker: "Oppo / Realme",
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 22d9 OPPO Electronics: 2765 Oppo N1, 2767 Find 5; libmtp 5 Oppo entries; android-udev-rules Oppo",
  },
  {
    vendorId: "2d95",
    maker: "Vivo",
    modes: ALL_PHONE_MODES,
    source: 'android-udev-rules: "Vivo (Need product specific rules)" idVendor 2d95',
  },
  {
    vendorId: "2ae5",
    maker: "Fairphone",
    modes: ALL_PHONE_MODES,
    source: "android-udev-rules Fairphone 2 (f003=mtp f005=tether f00e=rndis 904d=ptp 9024=rndis,adb)",
  },
  {
    vendorId: "2e04",
    maker: "HMD Global (Nokia phones)",
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 2e04 HMD Global: c008 Tethering Network Interface, c025 Nokia 8 (MTP mode), c029 Nokia 8 (PTP mode), c031 Nokia 1 (PTP); libmtp Nokia 6/6.1/6.2",
  },
  {
    vendorId: "2b0e",
    maker: "LeEco",
    modes: ALL_PHONE_MODES,
    source:
      "usb.ids 2b0e LeEco: 171b Le2, 171e Le2 in USB tethering mode, 1830 Le1 Pro, 1844 Le Max2, 610b Lex720 [LePro 3] in Camera mode",
  },
];

/**
 * Phones by product id in the modes that show nothing phone-like (PTP, tethering, charging with
 * debug off), for makers whose vendor id alone is not enough. Checked like PRODUCT_FINGERPRINTS.
 */
export const PHONE_PRODUCT_FINGERPRINTS: readonly ProductFingerprint[] = [
  {
    vendorId: "04e8",
    // 6863–6866 (tethering, PTP) are in PRODUCT_FINGERPRINTS' "Samsung Galaxy phone" already.
    products: [["686c", "686c"]],
    kind: "phone",
    label: "Samsung Galaxy phone (MIDI mode)",
    source: "android-udev-rules Galaxy A5 (6863=rndis 6864=rndis,adb 6865=ptp 6866=ptp,adb 686c=midi)",
  },
  {
    vendorId: "12d1",
    products: [
      ["1038", "1039"],
      ["1051", "1054"],
      ["360e", "360e"],
    ],
    kind: "phone",
    label: "Huawei phone",
    source:
      "usb.ids 12d1:1038 Ideos (debug mode), 1039 Ideos (tethering mode), 1052 MT7-L09/P7-L10, 1053 P7-L10 (PTP), 1054 (PTP + debug), 360e Y330-U01 (MTP Mode); android-udev-rules Huawei (1051 Honor 6 mtp)",
  },
  {
    vendorId: "1004",
    products: [
      ["618e", "618e"],
      ["61da", "61da"],
      ["61f1", "61f1"],
      ["61f9", "61f9"],
      ["61fe", "61fe"],
      ["627f", "627f"],
      ["62ce", "62ce"],
      ["6300", "6300"],
      ["631c", "631f"],
      ["633a", "633a"],
      ["633e", "633e"],
      ["6344", "6344"],
      ["6348", "6348"],
      ["91c8", "91c8"],
    ],
    kind: "phone",
    label: "LG Android phone",
    source:
      "usb.ids 1004:61da G2 [tethering mode], 61fe Optimus [USB tethering mode], 631d/631e (PTP/camera mode), 6344 (USB tethering mode), 91c8 P880 / USB tethering …; android-udev-rules LG",
  },
  {
    vendorId: "0fce",
    products: [
      ["0186", "0186"],
      ["01af", "01af"],
      ["01bb", "01bb"],
      ["01f4", "01f4"],
      ["020d", "020d"],
    ],
    kind: "phone",
    label: "Sony Xperia phone",
    // 0166, 01f3 and 51e0 are in PRODUCT_FINGERPRINTS' "Sony Xperia phone".
    source:
      "libmtp 0fce:0186 LT25i Xperia V MTP, 01af Xperia Z2 MTP, 01bb Xperia Z3 Compact MTP, 01f4 Xperia XZ1 Compact, 020d Xperia 5 II Phone; usb.ids 0fce:01bb D5803 [Xperia Z3 Compact] (MTP mode)",
  },
  {
    vendorId: "2717",
    products: [
      ["ff08", "ff08"],
      ["ff10", "ff18"],
    ],
    kind: "phone",
    label: "Xiaomi phone (PTP, RNDIS or ADB mode)",
    source: "usb.ids 2717:ff08 Redmi Note 3 (ADB Interface), ff10 Mi/Redmi series (PTP), ff18 (PTP + ADB)",
  },
  {
    vendorId: "2a70",
    products: [
      ["904d", "904e"],
      ["9012", "9012"],
      ["9024", "9024"],
    ],
    kind: "phone",
    label: "OnePlus phone (PTP or tethering mode)",
    source:
      "usb.ids 2a70:904d A3000 phone (PTP mode), 904e (PTP mode, with debug); android-udev-rules OnePlus (9012=mtp,adb, Nord N10 9024 USB tethering)",
  },
  {
    vendorId: "22b8",
    products: [
      ["2e24", "2e25"],
      ["2e32", "2e33"],
      ["2e50", "2e51"],
      ["2ee5", "2ee8"],
    ],
    kind: "phone",
    label: "Motorola phone (MTP, PTP or tethering mode)",
    source:
      "android-udev-rules Motorola: 2e24=rndis 2e25=rndis,adb, Atrix/Razr HD 2e32/2e33=mtp, Razr M 2e50/2e51=mtp, BP TOOLS 2ee5–2ee8; usb.ids 22b8:2e83 XT1033 [Moto G], PTP mode",
  },
  {
    vendorId: "18d1",
    // 4ee0–4ee9 (MTP, tether, PTP, MIDI) are in PRODUCT_FINGERPRINTS' "Google Pixel/Nexus phone".
    products: [
      ["4e11", "4e13"],
      ["4e20", "4e24"],
      ["4e40", "4e44"],
      ["4eeb", "4eec"],
    ],
    kind: "phone",
    label: "Google Pixel/Nexus phone or tablet (CDC-NCM tethering, older Nexus modes)",
    source:
      "usb.ids 18d1:4e11 Nexus One, 4e13 Nexus One (tether), 4e21 Nexus S, 4e24 Nexus S (tether), 4e41 Nexus 7 (MTP), 4e43 Nexus 7 (PTP); android-udev-rules Tensor Pixel 4eeb=cdc-ncm, 4eec=cdc-ncm,adb",
  },
  {
    vendorId: "0bb4",
    products: [
      ["0c01", "0c02"],
      ["0ce5", "0ce5"],
      ["0fb4", "0fb4"],
      ["0ff8", "0ffe"],
    ],
    kind: "phone",
    label: "HTC Android phone",
    source:
      "android-udev-rules HTC: ADP1/Dream/G1/Magic 0c01/0c02, Desire/Hero (0ce5=debug 0fb4=rndis 0ff8=tether 0ff9=charge 0ffc=sync_manager 0ffe=modem)",
  },
];

/** USB Ethernet adapters: a vendor-specific ff/ff/00 interface (their default configuration) says nothing. */
export const NETWORK_ADAPTER_FINGERPRINTS: readonly ProductFingerprint[] = [
  {
    vendorId: "0bda",
    products: [
      ["8050", "8050"],
      ["8053", "8053"],
      ["8150", "8150"],
      ["8152", "8153"],
      ["8155", "8157"],
    ],
    kind: "network",
    label: "Realtek USB Ethernet adapter (RTL8150/8152/8153/8156/8157)",
    source:
      'usb.ids 0bda:8150 RTL8150 Fast Ethernet Adapter, 8152 RTL8152 Fast Ethernet Adapter, 8153 RTL8153 Gigabit Ethernet Adapter; r8152 rtl8152_table (VENDOR_ID_REALTEK 0x8050, 0x8053, 0x8152, 0x8153, 0x8155, 0x8156); 0bda:8157 "USB 10/100/1G/2.5G/5G LAN" (lsusb in github.com/awesometic/realtek-r8152-dkms/issues/30)',
  },
  {
    vendorId: "0b95",
    products: [
      ["1720", "1720"],
      ["1780", "1780"],
      ["1790", "1790"],
      ["7720", "7720"],
      ["772a", "772b"],
      ["7e2b", "7e2b"],
    ],
    kind: "network",
    label: "ASIX USB Ethernet adapter (AX88172/178/179/772)",
    source:
      "usb.ids 0b95 ASIX Electronics: 1720 10/100 Ethernet, 1780 AX88178, 1790 AX88179 Gigabit Ethernet, 7720 AX88772, 772a AX88772A, 772b AX88772B, 7e2b AX88772B Fast Ethernet Controller; ax88179 driver",
  },
  {
    vendorId: "17ef",
    products: [
      ["304b", "304b"],
      ["304f", "304f"],
      ["3054", "3054"],
      ["3062", "3062"],
      ["3069", "3069"],
      ["3082", "3082"],
      ["7205", "7205"],
      ["720c", "720c"],
      ["7214", "7214"],
      ["721e", "721e"],
      ["a387", "a387"],
    ],
    kind: "network",
    label: "Lenovo-branded USB Ethernet adapter or dock Ethernet (Realtek/ASIX inside)",
    source:
      "usb.ids 17ef:304b AX88179 Gigabit Ethernet [ThinkPad OneLink GigaLAN], 304f RTL8153 [ThinkPad OneLink Pro Dock], 3062 ThinkPad Dock Ethernet [RTL8153B], 3069 ThinkPad TBT3 LAN, 7205 Thinkpad LAN; r8152 rtl8152_table (VENDOR_ID_LENOVO 0x304f, 0x3054, 0x3062, 0x3069, 0x3082, 0x7205, 0x720c, 0x7214, 0x721e, 0xa387)",
  },
  {
    vendorId: "045e",
    products: [
      ["07ab", "07ab"],
      ["07c6", "07c6"],
      ["0927", "0927"],
      ["09a0", "09a0"],
    ],
    kind: "network",
    label: "Microsoft Surface Ethernet adapter (Realtek RTL8153/8153B)",
    source:
      "usb.ids 045e:07c6 RTL8153 GigE [Surface Ethernet Adapter], 0927/09a0 RTL8153B GigE [Surface Ethernet Adapter]; r8152 rtl8152_table (VENDOR_ID_MICROSOFT 0x07ab, 0x07c6, 0x0927)",
  },
  {
    vendorId: "04e8",
    products: [["a101", "a101"]],
    kind: "network",
    label: "Samsung-branded USB Ethernet adapter (Realtek RTL8153 inside)",
    source: "r8152 rtl8152_table: REALTEK_USB_DEVICE(VENDOR_ID_SAMSUNG, 0xa101)",
  },
];

/** Interface classes of tethering and USB Ethernet that the table above INTERFACE_FINGERPRINTS lacks. */
export const NETWORK_INTERFACE_FINGERPRINTS: readonly InterfaceFingerprint[] = [
  {
    class: "ef",
    subclass: "04",
    protocol: "01",
    kind: "network",
    label: "RNDIS over Ethernet (USB tethering)",
    source: "USB-IF class codes: EFh/04h/01h RNDIS over Ethernet",
  },
];
