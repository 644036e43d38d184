import { describe, expect, it } from "vitest";
import { classifyUsb } from "../probes/classify/usb.ts";
import type { UsbInterface, UsbObservation } from "../probes/types.ts";

function device(
  portPath: string,
  fields: Partial<UsbObservation> & { interfaces?: UsbInterface[] } = {},
): UsbObservation {
  const parents: string[] = [];
  const [bus, ports = ""] = portPath.split("-");
  if (!portPath.startsWith("usb")) {
    parents.push(`usb${bus}`);
    const hops = ports.split(".");
    for (let depth = 1; depth < hops.length; depth++)
      parents.push(`${bus}-${hops.slice(0, depth).join(".")}`);
  }
  return {
    bus: "usb",
    source: "linux-sysfs",
    id: `usb:test@${portPath}`,
    interfaces: [],
    portPath,
    parents,
    isRootHub: portPath.startsWith("usb"),
    ...fields,
  };
}

const iface = (triple: string, name?: string): UsbInterface => {
  const [cls = "", subclass = "", protocol = ""] = triple.split("/");
  return name ? { class: cls, subclass, protocol, name } : { class: cls, subclass, protocol };
};

const rootHub = device("usb1", { vendorId: "1d6b", productId: "0002", interfaces: [iface("09/00/00")] });

function classify(observation: UsbObservation, others: UsbObservation[] = []) {
  return classifyUsb(observation, [rootHub, ...others, observation]);
}

describe("classifyUsb: kind", () => {
  it("an iPhone is a phone, not a camera or audio device", () => {
    const iphone = device("1-1", {
      vendorId: "05ac",
      productId: "12a8",
      removable: "removable",
      interfaces: [iface("06/01/01", "PTP"), iface("01/01/00"), iface("ff/fe/02")],
    });
    const result = classify(iphone);
    expect(result.kind).toBe("phone");
    expect(result.builtIn).toBe(false);
    expect(result.confidence).toBe("certain");
    expect(result.evidence).toContain("interface ff/fe/02 is Apple usbmux (iPhone/iPad sync)");
  });

  it("an unknown Android phone is recognised by its ADB interface", () => {
    const phone = device("1-2", {
      vendorId: "abcd",
      productId: "1234",
      removable: "removable",
      interfaces: [iface("06/01/01", "MTP"), iface("ff/42/01", "ADB Interface")],
    });
    const result = classify(phone);
    expect(result.kind).toBe("phone");
    expect(result.evidence).toContain("interface ff/42/01 is Android Debug Bridge");
    expect(result.evidence).toContain(
      'interface 06/01/01 named "MTP" is MTP (Media Transfer Protocol: a phone or media player sharing its files)',
    );
  });

  it("a Samsung phone in charging mode is a phone by id alone", () => {
    expect(
      classify(device("1-2", { vendorId: "04e8", productId: "6860", removable: "removable" })).kind,
    ).toBe("phone");
  });

  it("a plain PTP interface is a camera", () => {
    expect(
      classify(device("1-2", { vendorId: "04a9", productId: "31c0", interfaces: [iface("06/01/01")] })).kind,
    ).toBe("camera");
  });

  it("a YubiKey is a security key even though it also presents a keyboard", () => {
    const yubikey = device("1-3", {
      vendorId: "1050",
      productId: "0407",
      removable: "removable",
      interfaces: [iface("03/01/01"), iface("03/00/00"), iface("0b/00/00")],
    });
    expect(classify(yubikey).kind).toBe("security-key");
  });

  it.each([
    ["08/06/50", "storage"],
    ["03/01/01", "keyboard"],
    ["03/01/02", "mouse"],
    ["01/01/00", "audio"],
    ["0e/01/00", "camera"],
    ["02/06/00", "network"],
    ["09/00/00", "hub"],
    ["ff/00/00", "other"],
  ])("interface %s is %s", (triple, kind) => {
    expect(
      classify(device("1-4", { vendorId: "1234", productId: "5678", interfaces: [iface(triple)] })).kind,
    ).toBe(kind);
  });

  it("a webcam with a microphone is a camera", () => {
    const webcam = device("1-4", {
      vendorId: "046d",
      productId: "085e",
      interfaces: [iface("0e/01/00"), iface("01/01/00")],
    });
    expect(classify(webcam).kind).toBe("camera");
  });

  it("a keyboard with a storage interface is storage", () => {
    const sneaky = device("1-4", {
      vendorId: "1234",
      productId: "5678",
      interfaces: [iface("03/01/01"), iface("08/06/50")],
    });
    expect(classify(sneaky).kind).toBe("storage");
  });

  it("nothing readable gives low confidence", () => {
    const result = classify(device("1-5", { removable: "removable" }));
    expect(result).toMatchObject({ kind: "other", confidence: "low" });
  });
});

describe("classifyUsb: built in or external", () => {
  it("root hubs are built in", () => {
    expect(classifyUsb(rootHub, [rootHub])).toMatchObject({
      kind: "hub",
      builtIn: true,
      confidence: "certain",
    });
  });

  it("removable=fixed and connect_type=hardwired are built in", () => {
    expect(classify(device("1-7", { vendorId: "1234", productId: "0001", removable: "fixed" })).builtIn).toBe(
      true,
    );
    expect(
      classify(
        device("1-7", {
          vendorId: "1234",
          productId: "0001",
          removable: "unknown",
          connectType: "hardwired",
        }),
      ).builtIn,
    ).toBe(true);
  });

  it("a device behind an external hub is external even if its own port says fixed", () => {
    const dock = device("1-1", {
      vendorId: "17ef",
      productId: "1005",
      removable: "removable",
      interfaces: [iface("09/00/00")],
    });
    const keyboardHub = device("1-1.4", {
      vendorId: "05f3",
      productId: "0081",
      removable: "unknown",
      interfaces: [iface("09/00/00")],
    });
    const keyboard = device("1-1.4.2", {
      vendorId: "05f3",
      productId: "0007",
      removable: "fixed",
      interfaces: [iface("03/01/01")],
    });
    const result = classify(keyboard, [dock, keyboardHub]);
    expect(result.builtIn).toBe(false);
    expect(result.evidence).toContain("behind external hub 1-1 (17ef:1005)");
  });

  it("a device behind a built-in hub follows its own port", () => {
    const internalHub = device("1-1", {
      vendorId: "8087",
      productId: "0020",
      removable: "fixed",
      interfaces: [iface("09/00/00")],
    });
    const stick = device("1-1.2", {
      vendorId: "0781",
      productId: "5567",
      removable: "removable",
      interfaces: [iface("08/06/50")],
    });
    expect(classify(stick, [internalHub])).toMatchObject({
      kind: "storage",
      builtIn: false,
      confidence: "certain",
    });
  });

  it("known built-in parts on a port that says nothing are built in, with medium confidence", () => {
    const parts = [
      device("1-3", { vendorId: "06cb", productId: "00bd", interfaces: [iface("ff/00/00")] }),
      device("1-4", {
        vendorId: "04f2",
        productId: "b6dd",
        interfaces: [iface("0e/01/00"), iface("0e/02/00")],
      }),
      device("1-5", { vendorId: "8087", productId: "0a2b", interfaces: [iface("e0/01/01")] }),
      device("1-6", { vendorId: "0bda", productId: "0129", interfaces: [iface("ff/06/50")] }),
      device("1-7", { vendorId: "27c6", productId: "538c", interfaces: [iface("ff/00/00")] }),
      device("1-8", { vendorId: "0bda", productId: "b00c", interfaces: [iface("e0/01/01")] }),
    ];
    for (const part of parts) {
      const result = classify(part, parts);
      expect(result, part.portPath).toMatchObject({ builtIn: true, confidence: "medium" });
      expect(result.evidence.join(" "), part.portPath).toContain("the port does not say");
    }
  });

  it("fingerprint readers and Bluetooth controllers stay built in even if the firmware calls the port removable", () => {
    const reader = device("1-3", {
      vendorId: "138a",
      productId: "0097",
      removable: "removable",
      interfaces: [iface("ff/00/00")],
    });
    expect(classify(reader)).toMatchObject({ builtIn: true, confidence: "medium" });
  });

  it("a built-in part's id does not excuse a storage interface", () => {
    const fake = device("1-3", { vendorId: "06cb", productId: "00bd", interfaces: [iface("08/06/50")] });
    expect(classify(fake)).toMatchObject({ kind: "storage", builtIn: false });
  });

  it("an unknown device on a port that says nothing is assumed external, with medium confidence", () => {
    const stick = device("1-2", {
      vendorId: "0781",
      productId: "5581",
      removable: "unknown",
      interfaces: [iface("08/06/50")],
    });
    expect(classify(stick)).toMatchObject({ kind: "storage", builtIn: false, confidence: "medium" });
  });

  it("an external Realtek network adapter is not mistaken for a built-in part", () => {
    const dongle = device("1-2", {
      vendorId: "0bda",
      productId: "8153",
      removable: "removable",
      interfaces: [iface("ff/ff/00"), iface("02/06/00")],
    });
    expect(classify(dongle)).toMatchObject({ kind: "network", builtIn: false });
  });
});

// Regression tests for what helper review found on libusb observations (no `removable`, no
// `connect_type`): an internal hub made every device behind it "external, certain".
describe("classifyUsb: when the port does not say (libusb, systeminformation)", () => {
  const intelHub = device("1-1", {
    vendorId: "8087",
    productId: "0024",
    deviceClass: { class: "09", subclass: "00", protocol: "01" },
    interfaces: [iface("09/00/00")],
  });

  it("an Intel chipset rate-matching hub is built in from its fingerprint", () => {
    const result = classify(intelHub);
    expect(result).toMatchObject({ kind: "hub", builtIn: true, confidence: "medium" });
  });

  it("an unlisted webcam behind it goes to review (low), not a violation", () => {
    const webcam = device("1-1.6", {
      vendorId: "1bcf",
      productId: "2b8a",
      interfaces: [iface("0e/01/00"), iface("0e/02/00")],
    });
    expect(classify(webcam, [intelHub])).toMatchObject({ kind: "camera", builtIn: false, confidence: "low" });
  });

  it("a USB stick behind an unknown hub is still judged: storage is almost never built in", () => {
    const hub = device("1-2", { vendorId: "05e3", productId: "0608", interfaces: [iface("09/00/00")] });
    const stick = device("1-2.1", { vendorId: "0781", productId: "5581", interfaces: [iface("08/06/50")] });
    const result = classify(stick, [hub]);
    expect(result).toMatchObject({ kind: "storage", builtIn: false });
    expect(result.confidence).not.toBe("low");
  });
});

describe("classifyUsb: garbled trees", () => {
  it("two hubs that are each other's parent no longer recurse for ever; the stick behind them is still storage", () => {
    const hubA = device("1-1", { interfaces: [iface("09/00/00")], parents: ["usb1", "1-2"] });
    const hubB = device("1-2", { interfaces: [iface("09/00/00")], parents: ["usb1", "1-1"] });
    const stick = device("1-1.1", {
      vendorId: "0781",
      productId: "5581",
      interfaces: [iface("08/06/50")],
      parents: ["usb1", "1-1", "1-2"],
    });
    const result = classifyUsb(stick, [rootHub, hubA, hubB, stick]);
    expect(result.kind).toBe("storage");
    expect(result.builtIn).toBe(false);
  });
});
