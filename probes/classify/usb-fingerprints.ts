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
  | "chipset-hub"
  /** A part only found inside Macs (internal keyboard/trackpad, Touch Bar, T1/T2, FaceTime camera). */
  | "mac-internal";

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

// --- macOS --------------------------------------------------------------------------------------
// Apple's own internal parts, and what macOS itself states about a device. Kept apart from the
// tables above (other platforms' entries go there). Sources:
// - "hid-ids.h": Linux drivers/hid/hid-ids.h and drivers/input/mouse/bcm5974.c (Apple internal
//   keyboard/trackpad "WELLSPRING" ids, USB_DEVICE_ID_APPLE_TOUCHBAR_BACKLIGHT 0x8102 and
//   USB_DEVICE_ID_APPLE_TOUCHBAR_DISPLAY 0x8302); FreeBSD sys/dev/usb/usbdevs (0x0223-0x0225
//   "Apple Internal Keyboard/Trackpad (Wellspring)").
// - "apple-ibridge.c": Linux apple-ibridge driver comment (t2linux/apple-ib-drv): the T1 "iBridge"
//   05ac:8600 exposes the Touch Bar, the built-in webcam, the ambient light sensor and the SEP.
// - "T2 capture": a public system_profiler SPUSBDataType of a T2 MacBook Pro (test/fixtures/macos/
//   README.md): "Apple T2 Bus" (Host Controller Driver AppleUSBVHCIBCE) with Apple T2 Controller
//   0x8233, FaceTime HD Camera (Built-in) 0x8514, Ambient Light Sensor 0x8262, Headset 0x8103,
//   Apple Internal Keyboard / Trackpad 0x0340, Touch Bar Display 0x8302, Touch Bar Backlight
//   0x8102, each "Built-In: Yes" or on that bus; the same devices under "AppleUSBVHCIBCE Root Hub
//   Simulation" in a public `ioreg -p IOUSB -w0`.
// - "IOUSBHostFamily": Apple's IOUSBHostFamilyDefinitions.h (MacOSX SDK) tIOUSBHostPortType and
//   developer.apple.com/documentation/usbdriverkit/tiousbhostporttype.

/** Apple parts only found inside Macs: built in wherever the port looks removable. */
export const MACOS_PRODUCT_FINGERPRINTS: readonly ProductFingerprint[] = [
  {
    vendorId: "05ac",
    products: [
      ["0223", "0225"],
      ["0249", "024e"],
      ["0252", "0254"],
      ["0259", "025b"],
      ["0262", "0264"],
      ["0272", "0274"],
      ["027a", "027d"],
      ["0290", "0292"],
      ["0340", "0340"],
    ],
    kind: "keyboard",
    label: "Apple internal keyboard/trackpad",
    builtInComponent: "mac-internal",
    source:
      "hid-ids.h / bcm5974.c WELLSPRING 0x0223-0x0225, 6A/6 0x0249-0x024e, 5A 0x0252-0x0254, 7A 0x0259-0x025b, 7 0x0262-0x0264, 9 0x0272-0x0274, 8 0x0290-0x0292; T2 Macs 0x027a-0x027d (0x027b in github.com/Dunedan/mbp-2016-linux/issues/110, 0x027d 'Apple T2 USB trackpad' in imbushuo/mac-precision-touchpad); 0x0340 T2 capture",
  },
  {
    vendorId: "05ac",
    products: [
      ["8102", "8102"],
      ["8302", "8302"],
    ],
    kind: "other",
    label: "Apple Touch Bar (backlight, display)",
    builtInComponent: "mac-internal",
    source:
      "hid-ids.h USB_DEVICE_ID_APPLE_TOUCHBAR_BACKLIGHT 0x8102, USB_DEVICE_ID_APPLE_TOUCHBAR_DISPLAY 0x8302; T2 capture",
  },
  {
    vendorId: "05ac",
    products: [["8262", "8262"]],
    kind: "other",
    label: "Apple ambient light sensor",
    builtInComponent: "mac-internal",
    source: "T2 capture: Ambient Light Sensor 0x8262",
  },
  {
    vendorId: "05ac",
    products: [["8103", "8103"]],
    kind: "audio",
    label: "Apple internal headset jack (T2)",
    builtInComponent: "mac-internal",
    source: "T2 capture: Headset 0x8103 on the Apple T2 Bus",
  },
  {
    vendorId: "05ac",
    products: [["8509", "8514"]],
    kind: "camera",
    label: "Apple FaceTime HD Camera (Built-in)",
    builtInComponent: "mac-internal",
    source:
      "usb.ids 05ac:8509 FaceTime HD Camera … 05ac:8514 FaceTime HD Camera (Built-in); public captures: 0x8509 (Built-In: Yes, github.com/banyanshade-software/train_ctl_sw file t), 0x8514 (T2 capture)",
  },
  {
    vendorId: "05ac",
    products: [["8600", "8600"]],
    kind: "camera",
    label: "Apple T1 iBridge (Touch Bar, FaceTime camera, ambient light sensor)",
    builtInComponent: "mac-internal",
    source: "apple-ibridge.c; usb.ids 05ac:8600 iBridge",
  },
  {
    vendorId: "05ac",
    products: [["8233", "8233"]],
    kind: "network",
    label: "Apple T2 Controller",
    builtInComponent: "mac-internal",
    source: "T2 capture (Apple T2 Controller 0x8233; SPEthernetDataType lists it as a USB NCM Ethernet en5)",
  },
  {
    vendorId: "05ac",
    products: [["8406", "8406"]],
    kind: "storage",
    label: "Apple Internal Memory Card Reader",
    builtInComponent: "mac-internal",
    source:
      "usb.ids 05ac:8406 Internal Memory Card Reader; github.com/exelban/stats/issues/279 (system_profiler SPUSBDataType)",
  },
  {
    vendorId: "05ac",
    products: [["8296", "8296"]],
    kind: "network",
    label: "Apple Bluetooth USB Host Controller",
    builtInComponent: "bluetooth-controller",
    source: "usb.ids 05ac:8296 Bluetooth USB Host Controller (lsusb on a Mac in a public STM32 write-up)",
  },
  {
    vendorId: "0a5c",
    products: [["4500", "4500"]],
    kind: "hub",
    label: 'Broadcom BCM20702 Bluetooth module hub ("BRCM20702 Hub" inside Macs)',
    builtInComponent: "mac-internal",
    source:
      "usb.ids 0a5c:4500 BCM2046B1 USB 2.0 Hub (part of BCM2046 Bluetooth); BRCM20702 Hub under the internal hub in github.com/Philantrop/calibre-ios-reader-applications/issues/160",
  },
];

/**
 * Host controllers whose every device is inside the Mac. On T2 Macs the T2's functions reach
 * macOS through a virtual controller over the T2 link, never through a port.
 */
export const MACOS_INTERNAL_CONTROLLERS: readonly { className: string; label: string; source: string }[] = [
  {
    className: "AppleUSBVHCIBCE",
    label: "the T2 chip's virtual USB host controller (Apple T2 Bus)",
    source:
      'T2 capture: "Apple T2 Bus: Host Controller Driver: AppleUSBVHCIBCE", every device on it Built-In',
  },
];

/** IOKit's USBPortType values (tIOUSBHostPortType) and what each says about the port. */
export const MACOS_PORT_TYPES: readonly {
  value: number;
  name: string;
  removable: "fixed" | "removable" | "unknown";
  source: string;
}[] = [
  {
    value: 0,
    name: "standard",
    removable: "removable",
    source: "IOUSBHostFamily: kIOUSBHostPortTypeStandard, a general-purpose USB port",
  },
  {
    value: 1,
    name: "captive",
    removable: "fixed",
    source:
      "IOUSBHostFamily: kIOUSBHostPortTypeCaptive, the device cannot be physically disconnected from the port",
  },
  {
    value: 2,
    name: "internal",
    removable: "fixed",
    source:
      "IOUSBHostFamily: kIOUSBHostPortTypeInternal, the device cannot be physically disconnected from the host machine",
  },
  {
    value: 3,
    name: "accessory",
    removable: "unknown",
    source: "IOUSBHostFamily: kIOUSBHostPortTypeAccessory, the device may need authentication first",
  },
  {
    value: 4,
    name: "expansion card",
    removable: "removable",
    source: "IOUSBHostFamily: kIOUSBHostPortTypeExpressCard, a port on an expansion card",
  },
];

/** What macOS states outright about a device's kind. */
export const MACOS_KIND_HINTS: readonly { key: string; kind: DeviceKind; label: string; source: string }[] = [
  {
    key: "SupportsIPhoneOS",
    kind: "phone",
    label: "an iPhone, iPad or iPod (SupportsIPhoneOS = Yes)",
    source:
      "set by macOS on iOS devices in the IORegistry (public ioreg pastes, e.g. github.com/apache/cordova-ios/issues/639)",
  },
  {
    key: "kHasMSCInterface",
    kind: "storage",
    label: "a device with a mass-storage interface (kHasMSCInterface = Yes)",
    source: "IOUSBHostFamily sets kHasMSCInterface on devices with a USB mass storage (08h) interface",
  },
  {
    key: "bsd_name",
    kind: "storage",
    label: "a disk macOS mounted",
    source:
      "system_profiler SPUSBDataType Media[].bsd_name (github.com/munkireport/munkireport-php/pull/614)",
  },
];
