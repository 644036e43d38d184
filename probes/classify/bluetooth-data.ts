// Bluetooth facts as data, each table with where it comes from. Decoding lives in bluetooth-decode.ts,
// decisions in bluetooth.ts.
//
// "Assigned Numbers" below is the Bluetooth SIG's Assigned Numbers document (2023 and later editions):
//   section 2.8 Class of Device, section 2.6 Appearance Values, section 3.3/3.4 Service Class and
//   Profile UUIDs, section 7 Company Identifiers. The Device ID vendor table is also checked against
//   BlueZ's lib/bluetooth.c bt_compidtostr(), which copies the SIG's company list.

/** CoD bits 8-12, Major Device Classes (Assigned Numbers 2.8.2). */
export const majorDeviceClasses: Record<number, string> = {
  0: "Miscellaneous",
  1: "Computer",
  2: "Phone",
  3: "LAN/Network Access Point",
  4: "Audio/Video",
  5: "Peripheral",
  6: "Imaging",
  7: "Wearable",
  8: "Toy",
  9: "Health",
  31: "Uncategorized",
};

/** CoD bits 2-7 per major class (Assigned Numbers 2.8.2.1 to 2.8.2.9). */
export const minorDeviceClasses: Record<number, Record<number, string>> = {
  // 2.8.2.1 Computer
  1: {
    0: "Uncategorized",
    1: "Desktop workstation",
    2: "Server-class computer",
    3: "Laptop",
    4: "Handheld PC/PDA",
    5: "Palm-size PC/PDA",
    6: "Wearable computer",
    7: "Tablet",
  },
  // 2.8.2.2 Phone
  2: {
    0: "Uncategorized",
    1: "Cellular",
    2: "Cordless",
    3: "Smartphone",
    4: "Wired modem or voice gateway",
    5: "Common ISDN access",
  },
  // 2.8.2.4 Audio/Video
  4: {
    0: "Uncategorized",
    1: "Wearable Headset Device",
    2: "Hands-free Device",
    4: "Microphone",
    5: "Loudspeaker",
    6: "Headphones",
    7: "Portable Audio",
    8: "Car audio",
    9: "Set-top box",
    10: "HiFi Audio Device",
    11: "VCR",
    12: "Video Camera",
    13: "Camcorder",
    14: "Video Monitor",
    15: "Video Display and Loudspeaker",
    16: "Video Conferencing",
    18: "Gaming/Toy",
  },
  // 2.8.2.7 Wearable
  7: { 1: "Wristwatch", 2: "Pager", 3: "Jacket", 4: "Helmet", 5: "Glasses", 6: "Pin" },
};

/** Peripheral (major 0x05) minor: bits 6-7 keyboard/pointing, bits 2-5 the device type (Assigned Numbers 2.8.2.5). */
export const peripheralKeyboardPointing: Record<number, string> = {
  0: "",
  1: "Keyboard",
  2: "Pointing device",
  3: "Combo keyboard/pointing device",
};
export const peripheralTypes: Record<number, string> = {
  0: "",
  1: "Joystick",
  2: "Gamepad",
  3: "Remote control",
  4: "Sensing device",
  5: "Digitizer tablet",
  6: "Card reader",
  7: "Digital pen",
  8: "Handheld scanner",
  9: "Handheld gestural input device",
};

/** CoD bits 13-23, Major Service Classes (Assigned Numbers 2.8.1); bit number -> name. */
export const majorServiceClasses: Record<number, string> = {
  13: "Limited Discoverable Mode",
  14: "LE audio",
  16: "Positioning",
  17: "Networking",
  18: "Rendering",
  19: "Capturing",
  20: "Object Transfer",
  21: "Audio",
  22: "Telephony",
  23: "Information",
};

/** The CoD values the vehicle and audio rules test, spelled out (major << 8 | minor << 2). */
export const codMasks = {
  /** Major and minor device class bits, no service bits and no format bits. */
  deviceClass: 0x1ffc,
  carAudio: 0x0420, // Audio/Video (0x04), Car audio (0x08)
  handsFree: 0x0408, // Audio/Video (0x04), Hands-free Device (0x02)
  headset: 0x0404, // Audio/Video (0x04), Wearable Headset Device (0x01)
} as const;

/** GAP Appearance categories, value >> 6 (Assigned Numbers 2.6.2). */
export const appearanceCategories: Record<number, string> = {
  0: "Unknown",
  1: "Phone",
  2: "Computer",
  3: "Watch",
  4: "Clock",
  5: "Display",
  6: "Remote Control",
  7: "Eye-glasses",
  8: "Tag",
  9: "Keyring",
  10: "Media Player",
  11: "Barcode Scanner",
  12: "Thermometer",
  13: "Heart Rate Sensor",
  14: "Blood Pressure",
  15: "Human Interface Device",
  16: "Glucose Meter",
  17: "Running Walking Sensor",
  18: "Cycling",
  19: "Control Device",
  20: "Network Device",
  21: "Sensor",
  22: "Light Fixtures",
  23: "Fan",
  24: "HVAC",
  25: "Air Conditioning",
  26: "Humidifier",
  27: "Heating",
  28: "Access Control",
  29: "Motorized Device",
  30: "Power Device",
  31: "Light Source",
  32: "Window Covering",
  33: "Audio Sink",
  34: "Audio Source",
  35: "Motorized Vehicle",
  36: "Domestic Appliance",
  37: "Wearable Audio Device",
  38: "Aircraft",
  39: "AV Equipment",
  40: "Display Equipment",
  41: "Hearing aid",
  42: "Gaming",
  43: "Signage",
  49: "Pulse Oximeter",
  50: "Weight Scale",
  51: "Personal Mobility Device",
  52: "Continuous Glucose Monitor",
  53: "Insulin Pump",
  54: "Medication Delivery",
  55: "Spirometer",
  81: "Outdoor Sports Activity",
};

/** Appearance sub-categories the rules name (Assigned Numbers 2.6.3). */
export const appearanceValues: Record<number, string> = {
  64: "Generic Phone",
  128: "Generic Computer",
  131: "Laptop",
  960: "Generic Human Interface Device",
  961: "Keyboard",
  962: "Mouse",
  963: "Joystick",
  964: "Gamepad",
  965: "Digitizer Tablet",
  969: "Touchpad",
  2113: "Standalone Speaker",
  2114: "Soundbar",
  2117: "Speakerphone",
  2240: "Generic Motorized Vehicle",
  2241: "Car",
  2242: "Large Goods Vehicle",
  2243: "2-Wheeled Vehicle",
  2244: "Motorbike",
  2245: "Scooter",
  2246: "Moped",
  2247: "3-Wheeled Vehicle",
  2248: "Light Vehicle",
  2249: "Quad Bike",
  2250: "Minibus",
  2251: "Bus",
  2252: "Trolley",
  2253: "Agricultural Vehicle",
  2254: "Camper / Caravan",
  2255: "Recreational Vehicle / Motor Home",
  2369: "Earbud",
  2370: "Headset",
  2371: "Headphones",
  2372: "Neck Band",
};

/** The Motorized Vehicle category, 0x023 << 6 .. +0x3F. */
export const vehicleAppearanceRange = { first: 0x08c0, last: 0x08ff } as const;

/**
 * 16-bit Service Class / Profile UUIDs (Assigned Numbers 3.3 and 3.4; GATT services 3.4.2),
 * named the way IT support reads them.
 */
export const serviceUuids: Record<number, string> = {
  4353: "Serial Port",
  4355: "Dial-up Networking",
  4357: "OBEX Object Push",
  4358: "OBEX File Transfer",
  4360: "Headset",
  4362: "Audio Source",
  4363: "Audio Sink",
  4364: "Remote Control Target",
  4365: "Advanced Audio Distribution",
  4366: "Remote Control",
  4367: "Remote Control Controller",
  4370: "Headset Audio Gateway",
  4373: "PAN user",
  4374: "Network Access Point",
  4375: "Group Ad-hoc Network",
  4382: "Hands-Free unit",
  4383: "Hands-Free Audio Gateway",
  4388: "Human Interface Device",
  4397: "SIM Access",
  4398: "Phonebook Access client",
  4399: "Phonebook Access server",
  4400: "Phonebook Access",
  4401: "Headset (HS)",
  4402: "Message Access Server",
  4403: "Message Notification Server",
  4404: "Message Access Profile",
  4608: "PnP Information",
  4611: "Generic Audio",
  6144: "Generic Access",
  6145: "Generic Attribute",
  6154: "Device Information",
  6159: "Battery",
  6162: "Human Interface Device (GATT)",
  6157: "Heart Rate",
  6164: "Running Speed and Cadence",
  6166: "Cycling Speed and Cadence",
  6168: "Cycling Power",
  6171: "Body Composition",
  6173: "Weight Scale",
  6178: "Pulse Oximeter",
  6182: "Fitness Machine",
  6206: "Physical Activity Monitor",
  6222: "Audio Stream Control",
  6223: "Broadcast Audio Scan",
  6224: "Published Audio Capabilities",
};

export const uuid = {
  headset: 0x1108,
  audioSource: 0x110a,
  audioSink: 0x110b,
  headsetAudioGateway: 0x1112,
  handsFree: 0x111e,
  handsFreeAudioGateway: 0x111f,
  hid: 0x1124,
  phonebookClient: 0x112e,
  phonebookServer: 0x112f,
  messageAccessServer: 0x1132,
  messageNotificationServer: 0x1133,
  hidOverGatt: 0x1812,
} as const;

/**
 * Device ID vendors (modalias source 1 = Bluetooth SIG company id), from Assigned Numbers section 7 as
 * copied in BlueZ lib/bluetooth.c bt_compidtostr(). `automotive` marks companies whose Bluetooth
 * products are car systems; mixed makers (Harman also sells JBL speakers) are not marked.
 */
export const bluetoothCompanies: Record<number, { name: string; automotive?: true }> = {
  2: { name: "Intel Corp." },
  6: { name: "Microsoft" },
  10: { name: "Cambridge Silicon Radio" },
  15: { name: "Broadcom Corporation" },
  29: { name: "Qualcomm" },
  67: { name: "PARROT AUTOMOTIVE SAS", automotive: true },
  70: { name: "MediaTek, Inc." },
  75: { name: "Continental Automotive Systems", automotive: true },
  76: { name: "Apple, Inc." },
  85: { name: "Plantronics, Inc." },
  87: { name: "Harman International Industries, Inc." },
  93: { name: "Realtek Semiconductor Corporation" },
  104: { name: "General Motors", automotive: true },
  117: { name: "Samsung Electronics Co. Ltd." },
  130: { name: "Sennheiser Communications A/S" },
  155: { name: "Jiangsu Toppower Automotive Electronics Co., Ltd.", automotive: true },
  158: { name: "Bose Corporation" },
  167: { name: "Visteon Corporation", automotive: true },
  169: { name: "MARELLI EUROPE S.P.A. (formerly Magneti Marelli S.p.A.)", automotive: true },
  204: { name: "Beats Electronics" },
  224: { name: "Google" },
  252: { name: "Delphi Corporation", automotive: true },
};

/**
 * IEEE MA-L (OUI) assignments to makers of car head units and hands-free modules, and to carmakers:
 * each line is the "(base 16)" line of the IEEE registry's oui.txt (Debian ieee-data 20220827.1,
 * /usr/share/ieee-data/oui.txt), selected by organisation name. Only public addresses carry an OUI.
 */
export const headUnitOuis: ReadonlyMap<string, string> = new Map([
  ["00:22:A0", "APTIV SERVICES US, LLC"],
  ["28:63:BD", "APTIV SERVICES US, LLC"],
  ["00:01:A9", "BMW AG"],
  ["64:13:31", "Bosch Car Multimedia (Wuhu) Co. Ltd."],
  ["9C:28:BF", "Continental Automotive Czech Republic s.r.o."],
  ["AC:C3:58", "Continental Automotive Czech Republic s.r.o."],
  ["40:82:56", "Continental Automotive GmbH"],
  ["B4:DD:D0", "Continental Automotive Hungary Kft"],
  ["00:1E:AE", "Continental Automotive Systems Inc."],
  ["00:54:AF", "Continental Automotive Systems Inc."],
  ["20:AD:56", "Continental Automotive Systems Inc."],
  ["D4:94:FB", "Continental Automotive Systems Inc."],
  ["EC:FA:03", "FCA"],
  ["00:26:B4", "Ford Motor Company"],
  ["00:1C:D7", "Harman/Becker Automotive Systems GmbH"],
  ["28:56:C1", "Harman/Becker Automotive Systems GmbH"],
  ["38:45:54", "Harman/Becker Automotive Systems GmbH"],
  ["9C:DF:03", "Harman/Becker Automotive Systems GmbH"],
  ["A0:56:B2", "Harman/Becker Automotive Systems GmbH"],
  ["F8:E8:77", "Harman/Becker Automotive Systems GmbH"],
  ["74:9C:52", "Huizhou Desay SV Automotive Co., Ltd."],
  ["D4:36:DB", "Jiangsu Toppower Automotive Electronics Co., Ltd"],
  ["4C:D9:C4", "Magneti Marelli Automotive Electronics (Guangzhou) Co. Ltd"],
  ["3C:CE:15", "Mercedes-Benz USA, LLC"],
  ["24:A8:7D", "Panasonic Automotive Systems Asia Pacific(Thailand)Co.,Ltd."],
  ["E0:EE:1B", "Panasonic Automotive Systems Company of America"],
  ["EC:65:CC", "Panasonic Automotive Systems Company of America"],
  ["74:D7:CA", "Panasonic Corporation Automotive"],
  ["B0:D8:88", "Panasonic Corporation Automotive"],
  ["00:13:1E", "peiker acustic GmbH"],
  ["00:52:C2", "peiker acustic GmbH"],
  ["D0:B4:98", "Robert Bosch LLC Automotive Electronics"],
  ["4C:FC:AA", "Tesla,Inc."],
  ["98:ED:5C", "Tesla,Inc."],
  ["FC:35:E6", "Visteon corp"],
  ["00:09:93", "Visteon Corporation"],
  ["00:0A:30", "Visteon Corporation"],
  ["0C:D9:C1", "Visteon Corporation"],
  ["7C:FC:3C", "Visteon Corporation"],
  ["A8:40:0B", "Visteon Corporation"],
  ["F8:55:CD", "Visteon Corporation"],
  ["00:7D:FA", "Volkswagen Group of America"],
  ["F0:65:C2", "Yanfeng Visteon Electronics Technology (Shanghai) Co.,Ltd."],
  ["4C:53:69", "YanFeng Visteon(ChongQing) Automotive Electronic Co.,Ltd"],
]);

/**
 * OUIs of makers that sell car head units among other Bluetooth products (aftermarket head units,
 * but also speakers, drones, modules): a hint worth a person's look, never a violation on its own.
 * Same registry file as above.
 */
export const mixedAutomotiveOuis: ReadonlyMap<string, string> = new Map([
  ["00:0A:08", "Alps Alpine"],
  ["14:61:02", "Alps Alpine"],
  ["C4:4F:96", "Alps Alpine"],
  ["30:DF:17", "ALPSALPINE CO .,LTD"],
  ["44:EB:2E", "ALPSALPINE CO .,LTD"],
  ["64:05:E4", "ALPSALPINE CO .,LTD"],
  ["94:09:C9", "ALPSALPINE CO .,LTD"],
  ["00:02:C7", "ALPSALPINE CO,.LTD"],
  ["00:06:F5", "ALPSALPINE CO,.LTD"],
  ["00:06:F7", "ALPSALPINE CO,.LTD"],
  ["00:07:04", "ALPSALPINE CO,.LTD"],
  ["00:16:FE", "ALPSALPINE CO,.LTD"],
  ["00:19:C1", "ALPSALPINE CO,.LTD"],
  ["00:1B:FB", "ALPSALPINE CO,.LTD"],
  ["00:1E:3D", "ALPSALPINE CO,.LTD"],
  ["00:21:4F", "ALPSALPINE CO,.LTD"],
  ["00:23:06", "ALPSALPINE CO,.LTD"],
  ["00:24:33", "ALPSALPINE CO,.LTD"],
  ["00:26:43", "ALPSALPINE CO,.LTD"],
  ["04:76:6E", "ALPSALPINE CO,.LTD"],
  ["04:98:F3", "ALPSALPINE CO,.LTD"],
  ["28:A1:83", "ALPSALPINE CO,.LTD"],
  ["30:C3:D9", "ALPSALPINE CO,.LTD"],
  ["34:C7:31", "ALPSALPINE CO,.LTD"],
  ["38:C0:96", "ALPSALPINE CO,.LTD"],
  ["48:F0:7B", "ALPSALPINE CO,.LTD"],
  ["58:16:D7", "ALPSALPINE CO,.LTD"],
  ["60:38:0E", "ALPSALPINE CO,.LTD"],
  ["64:D4:BD", "ALPSALPINE CO,.LTD"],
  ["74:95:EC", "ALPSALPINE CO,.LTD"],
  ["9C:8D:7C", "ALPSALPINE CO,.LTD"],
  ["AC:7A:4D", "ALPSALPINE CO,.LTD"],
  ["B4:EC:02", "ALPSALPINE CO,.LTD"],
  ["BC:42:8C", "ALPSALPINE CO,.LTD"],
  ["BC:75:36", "ALPSALPINE CO,.LTD"],
  ["E0:75:0A", "ALPSALPINE CO,.LTD"],
  ["E0:AE:5E", "ALPSALPINE CO,.LTD"],
  ["FC:62:B9", "ALPSALPINE CO,.LTD"],
  ["00:0B:4C", "Clarion (M) Sdn Bhd"],
  ["00:60:6F", "CLARION CORPORATION OF AMERICA"],
  ["E0:DA:DC", "JVC KENWOOD Corporation"],
  ["00:0D:4F", "Kenwood Corporation"],
  ["00:12:1C", "PARROT SA"],
  ["00:26:7E", "PARROT SA"],
  ["90:03:B7", "PARROT SA"],
  ["90:3A:E6", "PARROT SA"],
  ["A0:14:3D", "PARROT SA"],
  ["00:E0:36", "PIONEER CORPORATION"],
  ["74:5E:1C", "PIONEER CORPORATION"],
  ["94:B2:CC", "PIONEER CORPORATION"],
]);

/** A head unit's default name, and how every name it matches begins. */
export interface HeadUnitNamePattern {
  /**
   * How every name the pattern matches begins, lower-cased (the literal text after its `^`). A name
   * beginning with none of them is not tested: V8 compiles a regular expression when it is first
   * used, ~40 µs each, and a one-shot scan paid that for all of them on its first named device.
   */
  starts: readonly string[];
  pattern: RegExp;
  label: string;
}

/**
 * Default Bluetooth names of car head units. These come from carmakers' owner's manuals and
 * support pages as commonly reported (e.g. Volkswagen "MY VW nnnn", Audi "Audi MMI nnnn", BMW
 * "BMW nnnnn", FCA "Uconnect", Ford "SYNC", Bosch-built units "CAR MULTIMEDIA"); the owner can rename
 * the car, so a name only ever gives medium confidence. Anchored to avoid matching "Toyota fan club".
 */
export const headUnitNamePatterns: readonly HeadUnitNamePattern[] = [
  {
    starts: ["my"],
    pattern: /^MY ?(VW|VOLKSWAGEN|SKODA|SEAT|CUPRA)\b/i,
    label: "Volkswagen group head unit",
  },
  { starts: ["audi"], pattern: /^Audi ?(MMI|UTS|Q\d|A\d)\b/i, label: "Audi MMI" },
  { starts: ["bmw "], pattern: /^BMW \d{4,6}$/i, label: "BMW head unit" },
  { starts: ["mini "], pattern: /^MINI \d{4,6}$/i, label: "MINI head unit" },
  {
    starts: ["mb bluetooth", "mercedes", "comand", "mbux"],
    pattern: /^(MB Bluetooth|Mercedes-Benz|Mercedes Benz|COMAND|MBUX)\b/i,
    label: "Mercedes-Benz head unit",
  },
  { starts: ["toyota", "lexus"], pattern: /^(Toyota|Lexus)\b/i, label: "Toyota/Lexus head unit" },
  { starts: ["uconnect"], pattern: /^Uconnect\b/i, label: "FCA Uconnect" },
  { starts: ["ford ", "sync"], pattern: /^(Ford )?SYNC( \d+)?$|^Ford Audio\b/i, label: "Ford SYNC" },
  { starts: ["car"], pattern: /^CAR ?MULTIMEDIA\b/i, label: "Bosch car multimedia" },
  { starts: ["honda"], pattern: /^(HondaLink|Honda ?(HFL|HFT|Audio))\b/i, label: "Honda head unit" },
  {
    starts: ["hyundai", "kia", "genesis"],
    pattern: /^(Hyundai|Kia|Genesis)( ?Motors)?\b/i,
    label: "Hyundai/Kia head unit",
  },
  {
    starts: ["nissan", "infiniti"],
    pattern: /^(Nissan|Infiniti) ?(Connect|Bluetooth)?\b/i,
    label: "Nissan head unit",
  },
  { starts: ["mazda"], pattern: /^Mazda\b/i, label: "Mazda head unit" },
  { starts: ["subaru", "starlink"], pattern: /^(Subaru|STARLINK)\b/i, label: "Subaru head unit" },
  { starts: ["volvo", "polestar"], pattern: /^(Volvo|Polestar)\b/i, label: "Volvo head unit" },
  { starts: ["porsche", "pcm"], pattern: /^Porsche ?(PCM|Communication)\b|^PCM ?\d/i, label: "Porsche PCM" },
  { starts: ["tesla model"], pattern: /^Tesla Model ?[3SXY]\b/i, label: "Tesla" },
  {
    starts: ["renault", "r-link", "media-nav", "dacia"],
    pattern: /^(Renault|R-Link|MEDIA-NAV|Dacia)\b/i,
    label: "Renault/Dacia head unit",
  },
  {
    starts: ["peugeot", "citroen", "citroën", "opel", "vauxhall", "ds auto"],
    pattern: /^(Peugeot|Citroen|Citroën|Opel|Vauxhall|DS Auto)\b/i,
    label: "Stellantis head unit",
  },
  {
    starts: ["chevrolet", "chevy", "gmc", "buick", "cadillac", "mylink"],
    pattern: /^(Chevrolet|Chevy|GMC|Buick|Cadillac|MyLink)\b/i,
    label: "GM head unit",
  },
  {
    starts: ["jeep", "chrysler", "dodge", "fiat", "alfa romeo"],
    pattern: /^(Jeep|Chrysler|Dodge|Fiat|Alfa Romeo)\b/i,
    label: "FCA head unit",
  },
  {
    starts: ["land rover", "jaguar", "incontrol"],
    pattern: /^(Land Rover|Jaguar|InControl)\b/i,
    label: "JLR head unit",
  },
  { starts: ["car"], pattern: /^(Car ?Kit|CarKit|Car Audio|Car Stereo|Car BT|CAR-BT)\b/i, label: "car kit" },
];

// ---------------------------------------------------------------------------------------------
// Wearables and personal fitness/health sensors (issue 7). A band, watch or chest strap paired to
// the laptop is a personal peripheral like a headset: judged, not left to review.

/**
 * GATT services that only fitness and health wearables host (Assigned Numbers 3.4.2 GATT Service
 * UUIDs, as in github.com/NordicSemiconductor/bluetooth-numbers-database v1/service_uuids.json,
 * source "gss"): a device serving one of these measures a person.
 */
export const wearableServiceUuids: readonly number[] = [
  0x180d, // Heart Rate
  0x1814, // Running Speed and Cadence
  0x1816, // Cycling Speed and Cadence
  0x1818, // Cycling Power
  0x181b, // Body Composition
  0x181d, // Weight Scale
  0x1822, // Pulse Oximeter
  0x1826, // Fitness Machine
  0x183e, // Physical Activity Monitor
];

/**
 * 16-bit member service UUIDs the SIG assigned to wearable makers (Assigned Numbers 3.11 Member
 * Service UUIDs, as listed with their companies in the SIG's member_uuids table). Their own
 * service on a paired device is the maker's band or watch talking to its app.
 */
export const wearableMemberServices: Record<number, string> = {
  64866: "Fitbit, Inc.",
  64867: "Fitbit, Inc.",
  65055: "Garmin International, Inc.",
  65241: "Pebble Technology Corporation",
  65244: "Jawbone",
  65245: "Jawbone",
  65248: "Anhui Huami Information Technology Co., Ltd. (Xiaomi Mi Band, Amazfit)",
  65249: "Anhui Huami Information Technology Co., Ltd. (Xiaomi Mi Band, Amazfit)",
  65262: "Polar Electro Oy",
};

/**
 * GAP Appearance categories of things worn or used on the body (Assigned Numbers 2.6.2): Watch
 * (0x00C0–), Eye-glasses, Heart Rate Sensor (0x0340–), Blood Pressure, Running Walking Sensor
 * (0x0440–), Cycling (0x0480–), Pulse Oximeter, Weight Scale, Continuous Glucose Monitor, Outdoor
 * Sports Activity (wrist-worn location displays).
 */
export const wearableAppearanceCategories: ReadonlySet<number> = new Set([
  0x003, 0x007, 0x00d, 0x00e, 0x011, 0x012, 0x031, 0x032, 0x034, 0x051,
]);

/** CoD major classes of worn and health devices (Assigned Numbers 2.8.2): Wearable, Health. */
export const wearableMajorClasses: ReadonlySet<number> = new Set([0x07, 0x09]);

// ---------------------------------------------------------------------------------------------
// macOS (issue 8): what system_profiler SPBluetoothDataType prints instead of the raw numbers.

/**
 * macOS `device_minorType` strings (and the legacy `device_minorClassOfDevice_string`) → the Class
 * of Device bits they name (major << 8 | minor << 2), so a Mac's devices are classified by the same
 * rules as BlueZ's. Apple's strings are the names of IOBluetooth's BluetoothDeviceClassMinor values
 * (IOBluetooth/BluetoothAssignedNumbers.h: kBluetoothDeviceClassMinorAudioHeadphones …), as seen in
 * public outputs: "Headphones" (AirPods, github.com/exelban/stats/issues/1064 and
 * matryer/xbar-plugins/issues/1720), "Mouse" (Apple Mouse, stats#1064), "Keyboard" and "Trackpad"
 * (Magic Keyboard/Trackpad 2, pqrs-org/Karabiner-archived/pull/494), "Headset" (MDR-1000X,
 * trietsch/alfred-bluetooth-connector/issues/1), "Speaker". Keys are lowercase; the parser lowercases.
 */
export const macosMinorTypes: Record<string, number> = {
  // Audio/Video (major 0x04), Assigned Numbers 2.8.2.4
  headset: 0x0404,
  "wearable headset": 0x0404,
  handsfree: 0x0408,
  "hands-free": 0x0408,
  "hands-free device": 0x0408,
  microphone: 0x0410,
  speaker: 0x0414,
  loudspeaker: 0x0414,
  headphones: 0x0418,
  "portable audio": 0x041c,
  "car audio": 0x0420,
  "car stereo": 0x0420,
  "set-top box": 0x0424,
  "hifi audio": 0x0428,
  "hifi audio device": 0x0428,
  // Phone (major 0x02), 2.8.2.2
  phone: 0x0200,
  cellular: 0x0204,
  "cellular phone": 0x0204,
  cordless: 0x0208,
  smartphone: 0x020c,
  "smart phone": 0x020c,
  // Computer (major 0x01), 2.8.2.1
  desktop: 0x0104,
  "desktop workstation": 0x0104,
  server: 0x0108,
  laptop: 0x010c,
  "handheld pc/pda": 0x0110,
  "wearable computer": 0x0118,
  tablet: 0x011c,
  // Peripheral (major 0x05), 2.8.2.5: bits 6-7 keyboard/pointing, bits 2-5 type
  keyboard: 0x0540,
  mouse: 0x0580,
  trackpad: 0x0580,
  "pointing device": 0x0580,
  "combo keyboard/pointing device": 0x05c0,
  joystick: 0x0504,
  gamepad: 0x0508,
  "remote control": 0x050c,
  "digitizer tablet": 0x0514,
  // Wearable (major 0x07), 2.8.2.7
  watch: 0x0704,
  wristwatch: 0x0704,
  glasses: 0x0714,
};

/**
 * macOS `device_services` names ("0x800019 < HFP AVRCP A2DP ACL >") → the 16-bit service UUID they
 * stand for on the remote device (Assigned Numbers 3.3). Names with no UUID (the link types ACL and
 * BLE, Apple's AACP, Braille, LEA) are listed as null: known, but saying nothing about the service.
 */
export const macosServiceNames: Record<string, number | null> = {
  HFP: 0x111e, // Hands-Free unit: a remote that speaks HFP is the hands-free side (headset, car)
  HSP: 0x1108, // Headset
  A2DP: 0x110b, // Audio Sink
  AVRCP: 0x110e, // A/V Remote Control
  HID: 0x1124,
  GATT: 0x1801,
  Serial: 0x1101,
  SerialPort: 0x1101,
  PAN: 0x1115,
  PBAP: 0x112e, // Phonebook Access client: what a car asks for
  MAP: 0x1133, // Message Notification Server: what a car offers for messages
  ACL: null,
  BLE: null,
  AACP: null,
  Braille: null,
  LEA: null,
};

/**
 * The bits of the `device_services` mask for the names above, read off public outputs where the
 * mask and its names are printed together: 0x800019 < HFP AVRCP A2DP ACL >, 0x800020 < HID ACL >
 * (stats#1064), 0x400020 < HID BLE >, 0x980019 < HFP AVRCP A2DP AACP GATT ACL >, the controller's
 * 0x382039 < HFP AVRCP A2DP HID Braille AACP GATT Serial > and 0x392039 < … LEA … SerialPort >.
 * Used when the names are missing, and to flag bits nobody has named yet.
 */
export const macosServiceBits: readonly [bit: number, name: string][] = [
  [0x000001, "HFP"],
  [0x000008, "AVRCP"],
  [0x000010, "A2DP"],
  [0x000020, "HID"],
  [0x002000, "Braille"],
  [0x010000, "LEA"],
  [0x080000, "AACP"],
  [0x100000, "GATT"],
  [0x200000, "Serial"],
  [0x400000, "BLE"],
  [0x800000, "ACL"],
];
