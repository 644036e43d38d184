// Regression tests for the classification misses found on new hardware recordings (issue 7):
// phones in PTP and tethering mode, MTP phones on libusb (no interface names), USB Ethernet
// adapters. Recordings in test/fixtures/libusb-misses/ (sources in the README there).

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../policy/default-policy.ts";
import { evaluate } from "../policy/evaluate.ts";
import { classifyAll } from "../probes/classify/classify.ts";
import { classifyUsb } from "../probes/classify/usb.ts";
import { type LibusbDeviceRecord, observationFromLibusbDevice } from "../probes/libusb.ts";
import type { UsbInterface, UsbObservation } from "../probes/types.ts";

const fixtures = join(import.meta.dirname, "fixtures/libusb-misses");
const names = (await readdir(fixtures)).filter((file) => file.endsWith(".json")).sort();
const recorded: Record<string, UsbObservation> = Object.fromEntries(
  await Promise.all(
    names.map(async (file) => {
      const record = JSON.parse(await readFile(join(fixtures, file), "utf8")) as LibusbDeviceRecord;
      return [file.replace(/\.json$/, ""), observationFromLibusbDevice(record)];
    }),
  ),
);

function observation(name: string): UsbObservation {
  const found = recorded[name];
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
}

const iface = (triple: string): UsbInterface => {
  const [cls = "", subclass = "", protocol = ""] = triple.split("/");
  return { class: cls, subclass, protocol };
};

function device(vendorId: string, productId: string, interfaces: string[]): UsbObservation {
  return {
    bus: "usb",
    source: "libusb",
    id: `usb:${vendorId}:${productId}@1-1`,
    vendorId,
    productId,
    interfaces: interfaces.map(iface),
    portPath: "1-1",
    parents: ["usb1"],
    isRootHub: false,
    removable: "unknown",
  };
}

const classify = (o: UsbObservation) => classifyUsb(o, [o]);
const now = new Date("2026-12-01T09:00:00Z");

describe("phones in PTP and tethering mode are phones (recorded descriptors)", () => {
  it.each([
    ["samsung-galaxy-s2-rndis-tethering", "04e8:6863 is listed as Samsung Galaxy phone"],
    ["motorola-moto-g-play-rndis", "22b8:2e24 is listed as Motorola phone (MTP, PTP or tethering mode)"],
    [
      "hmd-nokia-rndis-tethering",
      "vendor 2e04 is HMD Global (Nokia phones), a phone maker, and interface e0/01/03 is RNDIS (USB tethering)",
    ],
    ["google-pixel-6-mtp", "18d1:4ee1 is listed as Google Pixel/Nexus phone"],
    [
      "leeco-android-ptp",
      "vendor 2b0e is LeEco, a phone maker, and interface 06/01/01 is still image (PTP mode, or MTP where the interface name is not read)",
    ],
  ])("%s is a phone, not network or camera", (name, fact) => {
    const result = classify(observation(name));
    expect(result.kind).toBe("phone");
    expect(result.confidence).toBe("medium"); // libusb: the port does not say, a phone is still judged
    expect(result.evidence).toContain(fact);
  });

  it("a phone in tethering mode breaks phone-charging, not unapproved-peripheral", () => {
    const devices = classifyAll([observation("motorola-moto-g-play-rndis")]);
    const { findings } = evaluate(devices, DEFAULT_POLICY, now);
    expect(findings.map((finding) => finding.rule)).toEqual(["phone-charging"]);
  });

  it("libusb MTP phone does not fall through to camera: a Pixel product not in any list, MTP on 06/01/01 unnamed", () => {
    const result = classify(device("18d1", "4eff", ["06/01/01"]));
    expect(result.kind).toBe("phone");
    expect(result.evidence).toContain(
      "vendor 18d1 is Google, a phone maker, and interface 06/01/01 is still image (PTP mode, or MTP where the interface name is not read)",
    );
  });
});

describe("phones by id in modes that show nothing phone-like (id lists)", () => {
  it.each([
    ["Samsung Galaxy in PTP mode", "04e8", "6865", ["06/01/01"]],
    ["Samsung Galaxy in MTP mode on libusb (name unread)", "04e8", "6860", ["06/01/01"]],
    ["Xiaomi in PTP mode", "2717", "ff10", ["06/01/01"]],
    ["Xiaomi MTP on vendor interface (name unread), unlisted product", "2717", "ff99", ["ff/ff/00"]],
    ["Pixel on CDC-NCM tethering", "18d1", "4eeb", ["02/0d/00", "0a/00/01"]],
    ["Pixel on RNDIS tethering", "18d1", "4ee3", ["e0/01/03", "0a/00/00"]],
    ["OnePlus in PTP mode", "2a70", "904d", ["06/01/01"]],
    ["Huawei P7 in PTP mode", "12d1", "1053", ["06/01/01"]],
    ["LG in USB tethering mode", "1004", "6344", ["e0/01/03", "0a/00/00"]],
    ["Motorola on CDC-ECM", "22b8", "2e99", ["02/06/00", "0a/00/00"]],
    ["unlisted Oppo product in PTP mode", "22d9", "9999", ["06/01/01"]],
  ])("%s is a phone", (_label, vendorId, productId, interfaces) => {
    expect(classify(device(vendorId, productId, interfaces)).kind).toBe("phone");
  });
});

describe("a phone maker's other products are not phones", () => {
  it.each([
    ["Samsung NX100 camera (PTP)", "04e8", "130c", ["06/01/01"], "camera"],
    ["Samsung GT-B3710 LTE modem (RNDIS)", "04e8", "6876", ["e0/01/03", "0a/00/00"], "network"],
    ["Huawei broadband stick (CDC-ECM)", "12d1", "14db", ["02/06/00", "0a/00/00"], "network"],
    ["Huawei broadband stick (RNDIS)", "12d1", "1c05", ["e0/01/03", "0a/00/00"], "network"],
    ["Sony Ericsson MD300 modem (CDC)", "0fce", "d0cf", ["02/02/01", "0a/00/00"], "network"],
    ["an unknown maker's PTP camera", "04a9", "3218", ["06/01/01"], "camera"],
    ["an unknown maker's vendor interface", "1234", "5678", ["ff/ff/00"], "other"],
  ])("%s", (_label, vendorId, productId, interfaces, kind) => {
    expect(classify(device(vendorId, productId, interfaces)).kind).toBe(kind);
  });
});

describe("USB Ethernet adapters are network, not other", () => {
  it.each([
    [
      "realtek-rtl8153-ethernet",
      "0bda:8153 is listed as Realtek USB Ethernet adapter (RTL8150/8152/8153/8156/8157)",
    ],
    ["asix-ax88179-ethernet", "0b95:1790 is listed as ASIX USB Ethernet adapter (AX88172/178/179/772)"],
  ])("%s (recorded, vendor interface ff/ff/00 only)", (name, fact) => {
    const result = classify(observation(name));
    expect(result.kind).toBe("network");
    expect(result.evidence).toContain(fact);
  });

  it.each([
    ["RTL8152", "0bda", "8152"],
    ["RTL8156 2.5G", "0bda", "8156"],
    ["AX88772B", "0b95", "772b"],
    ["AX88772", "0b95", "7720"],
    ["ThinkPad USB-C Dock Gen 2 Ethernet", "17ef", "a387"],
    ["Surface Ethernet adapter", "045e", "07c6"],
  ])("%s is network", (_label, vendorId, productId) => {
    expect(classify(device(vendorId, productId, ["ff/ff/00"])).kind).toBe("network");
  });

  it("an external Ethernet adapter on an unknown port goes to review, not a violation", () => {
    const devices = classifyAll([observation("realtek-rtl8153-ethernet")]);
    const { devices: verdicts } = evaluate(devices, DEFAULT_POLICY, now);
    expect(verdicts[0]?.verdict).toBe("review");
  });
});
