// The Windows USB side on recorded Plug and Play listings (test/fixtures/captures/win-*/, sources in
// test/fixtures/windows/README.md) and on small hand-made node lists for the edge cases.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureSourceReader } from "../probes/capture/sources.ts";
import { classifyAll } from "../probes/classify/classify.ts";
import { createProbe } from "../probes/create.ts";
import type { UsbObservation } from "../probes/types.ts";
import { COLLECT_BLUETOOTH_PS1, COLLECT_PNP_PS1 } from "../probes/windows/collector-scripts.ts";
import { type PnpDevice, PnpDocumentError, parsePnpDocument } from "../probes/windows/pnp-document.ts";
import {
  removableOf,
  serialFromInstance,
  usbNodeOf,
  usbObservationsFromPnp,
} from "../probes/windows/pnp-parse.ts";
import { readableReasons } from "../probes/windows/read.ts";
import {
  displayCommand,
  PNP_DEVICES_SOURCE,
  powershellCommand,
  WINDOWS_PNP_SOURCES,
} from "../probes/windows/sources.ts";
import { collectorModule } from "./tools/windows-collectors.ts";

const REPO = join(import.meta.dirname, "..");
const MACHINE = "{00000000-0000-0000-FFFF-FFFFFFFFFFFF}";

function listing(folder: string): PnpDevice[] {
  const file = join(REPO, "test/fixtures/captures", folder, "pnp-devices.json");
  return parsePnpDocument(readFileSync(file, "utf8")).devices;
}

function usb(folder: string): UsbObservation[] {
  return usbObservationsFromPnp(listing(folder)).observations;
}

function byVendorProduct(list: UsbObservation[], vendorProduct: string): UsbObservation {
  const found = list.find((o) => `${o.vendorId}:${o.productId}` === vendorProduct);
  if (!found) throw new Error(`no ${vendorProduct} in ${list.map((o) => o.id).join(", ")}`);
  return found;
}

describe("the collector the agent runs", () => {
  it("collector-scripts.ts is the collect-*.ps1 files in the repo, byte for byte", () => {
    const directory = join(REPO, "probes/windows");
    expect(readFileSync(join(directory, "collector-scripts.ts"), "utf8")).toBe(collectorModule(directory));
  });

  it("runs Windows PowerShell by its full path, without profile or prompts, the script as -EncodedCommand", () => {
    const argv = powershellCommand(COLLECT_PNP_PS1, "C:\\Windows");
    expect(argv.slice(0, 6)).toEqual([
      "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
      "-NoProfile",
      "-NonInteractive",
      "-ExecutionPolicy",
      "Bypass",
      "-EncodedCommand",
    ]);
    expect(Buffer.from(argv[6] ?? "", "base64").toString("utf16le")).toBe(COLLECT_PNP_PS1);
  });

  it("command lines stay under CreateProcess's 32,767 characters", () => {
    for (const script of [COLLECT_PNP_PS1, COLLECT_BLUETOOTH_PS1]) {
      expect(powershellCommand(script).join(" ").length).toBeLessThan(32_767);
    }
  });

  it("the collectors only read: no cmdlet or method that changes the machine", () => {
    for (const script of [COLLECT_PNP_PS1, COLLECT_BLUETOOTH_PS1]) {
      expect(script).not.toMatch(
        /\b(Set-\w+|New-Item\w*|Remove-\w+|Disable-\w+|Enable-\w+|Clear-\w+|Invoke-Expression)\b|SetValue|DeleteValue/,
      );
    }
    // What reaches the agent is ASCII whatever the console's code page: non-ASCII is \\uXXXX-escaped.
    for (const script of [COLLECT_PNP_PS1, COLLECT_BLUETOOTH_PS1]) {
      expect(script).toMatch(/^ {2}ConvertTo-AsciiJson /m);
      expect(script).not.toContain("OutputEncoding");
    }
    expect(
      parsePnpDocument('[{"InstanceId":"BTHENUM\\\\Dev_X","FriendlyName":"Kaan\\u2019s iPhone"}]').devices[0]
        ?.FriendlyName,
    ).toBe("Kaan\u2019s iPhone");
    // Link keys: names are listed, values never read.
    expect(COLLECT_BLUETOOTH_PS1).toContain("@($radio.Property | Where-Object");
    expect(COLLECT_BLUETOOTH_PS1).not.toMatch(/Get-ItemProperty\w* -LiteralPath \$radio/);
  });

  it("regression: a failed collection names the script, not kilobytes of -EncodedCommand base64", async () => {
    expect(displayCommand(PNP_DEVICES_SOURCE).slice(-2)).toEqual(["-EncodedCommand", "<collect-pnp.ps1>"]);
    const failing = readableReasons({
      kind: "live",
      read: async (source) => ({
        ok: false,
        reason: `${source.command.join(" ")}: powershell.exe is not installed`,
      }),
    });
    const output = await failing.read(PNP_DEVICES_SOURCE);
    expect(output.ok ? "" : output.reason).toMatch(
      /-EncodedCommand <collect-pnp\.ps1>: powershell\.exe is not installed$/,
    );
    expect(output.ok ? 0 : output.reason.length).toBeLessThan(200);
  });

  it("every source has a file name, a timeout and a size bound", () => {
    expect(WINDOWS_PNP_SOURCES.map((s) => s.file)).toEqual(["pnp-devices.json", "bluetooth-registry.json"]);
    for (const source of WINDOWS_PNP_SOURCES) {
      expect(source.timeoutMs).toBeGreaterThan(0);
      expect(source.maxBytes).toBeGreaterThan(0);
    }
  });
});

describe("root hubs in all their names", () => {
  const enumerators = new Set(["USB"]);
  for (const [id, hardwareId, vendorProduct] of [
    ["USB\\ROOT_HUB\\4&2F1D1A8B&0", "USB\\ROOT_HUB&VID8086&PID27C8&REV0002", "8086:27c8"],
    ["USB\\ROOT_HUB20\\4&1E2A9B36&0", "USB\\ROOT_HUB20&VID8086&PID8C26&REV0004", "8086:8c26"],
    ["USB\\ROOT_HUB30\\4&12C539F&0&0", "USB\\ROOT_HUB30&VID8086&PID9A13&REV0001", "8086:9a13"],
    ["NUSB3\\ROOT_HUB30\\5&14D1E1E6&0", "NUSB3\\ROOT_HUB30&VID1912&PID0015&REV0003", "1912:0015"],
    ["IUSB3\\ROOT_HUB30\\4&2A8C8F1&0", "IUSB3\\ROOT_HUB30&VID_8086&PID_1E31&REV_0004", "8086:1e31"],
  ] as const) {
    it(`${id.split("\\").slice(0, 2).join("\\")} is a root hub of ${vendorProduct}`, () => {
      const parsed = usbNodeOf({ InstanceId: id, HardwareID: [hardwareId] }, enumerators);
      expect(parsed?.kind).toBe("root-hub");
      expect(`${parsed?.vendorId}:${parsed?.productId}`).toBe(vendorProduct);
    });
  }

  it("devices below a vendor driver's root hub are USB devices too", () => {
    const devices: PnpDevice[] = [
      { InstanceId: "NUSB3\\ROOT_HUB30\\5&14D1E1E6&0" },
      {
        InstanceId: "NUSB3\\VID_0781&PID_5581\\4C530000080406123243",
        Parent: "NUSB3\\ROOT_HUB30\\5&14D1E1E6&0",
      },
    ];
    const { observations } = usbObservationsFromPnp(devices);
    expect(observations.map((o) => [o.id, o.isRootHub, o.parents])).toEqual([
      ["usb:unknown:unknown@NUSB3\\ROOT_HUB30\\5&14D1E1E6&0", true, []],
      ["usb:0781:5581:4C530000080406123243", false, ["NUSB3\\ROOT_HUB30\\5&14D1E1E6&0"]],
    ]);
  });

  it("the Renesas, Intel and AMD root hubs of the recorded laptops are built in", () => {
    for (const folder of ["win-dell-renesas", "win-lenovo-p52-intel", "win-thinkpad-amd"]) {
      const observations = usb(folder);
      const roots = classifyAll(observations).filter((d) => (d.observation as UsbObservation).isRootHub);
      expect(roots.length).toBeGreaterThan(0);
      for (const root of roots)
        expect([root.kind, root.builtIn, root.confidence]).toEqual(["hub", true, "certain"]);
    }
  });
});

describe("interface and function nodes fold into their device", () => {
  it("regression: an interface node (USB\\VID_046D&PID_C52B&MI_00\\...) is not a second device", () => {
    const ids = usb("win-lenovo-p52-intel").map((o) => o.id);
    expect(ids.filter((id) => id.includes("046d:c52b"))).toHaveLength(1);
    expect(ids.some((id) => /MI_|HID\\|USBSTOR|WPD/i.test(id))).toBe(false);
  });

  it("an iPhone: the composite device with its WPD (PTP) and usbmux interfaces is one phone", () => {
    const iphone = byVendorProduct(usb("win-lenovo-p52-intel"), "05ac:12a8");
    expect(iphone).toMatchObject({
      id: "usb:05ac:12a8:00008030001A35E43C02802E",
      serial: "00008030001A35E43C02802E",
      product: "iPhone",
      deviceClass: { class: "00", subclass: "00", protocol: "00" },
      interfaces: [
        { class: "06", subclass: "01", protocol: "01", name: "PTP" },
        { class: "ff", subclass: "fe", protocol: "02", name: "Apple USB Multiplexor" },
      ],
      removable: "removable",
    });
  });

  it("an Android phone in MTP mode: MS_COMP_MTP names the still-image interface MTP, as its iInterface does on Linux", () => {
    const galaxy = byVendorProduct(usb("win-thinkpad-amd"), "04e8:6860");
    expect(galaxy.interfaces).toEqual([{ class: "06", subclass: "01", protocol: "01", name: "MTP" }]);
    const [classified] = classifyAll([galaxy]);
    expect(classified?.kind).toBe("phone");
    expect(classified?.evidence).toContain(
      'interface 06/01/01 named "MTP" is MTP (Media Transfer Protocol: a phone or media player sharing its files)',
    );
  });

  it("an Android phone in ADB mode: a single-function device's own compatible ids give its interface", () => {
    const pixel = byVendorProduct(usb("win-dell-renesas"), "18d1:4ee7");
    expect(pixel.interfaces).toEqual([{ class: "ff", subclass: "42", protocol: "01" }]);
    expect(pixel.id).toBe("usb:18d1:4ee7:28031FDH2004WV");
    expect(classifyAll([pixel])[0]?.kind).toBe("phone");
  });

  it("a USB stick (BOT, 08/06/50) and a UAS disk (08/06/62) are storage, their disk nodes folded in", () => {
    const stick = byVendorProduct(usb("win-lenovo-p52-intel"), "0781:5581");
    const t5 = byVendorProduct(usb("win-thinkpad-amd"), "04e8:61f5");
    expect(stick.interfaces).toEqual([{ class: "08", subclass: "06", protocol: "50" }]);
    expect(t5.interfaces).toEqual([{ class: "08", subclass: "06", protocol: "62" }]);
    expect(classifyAll([stick, t5]).map((d) => d.kind)).toEqual(["storage", "storage"]);
  });

  it("a keyboard and a mouse: HID children are not devices; boot interfaces say what they are", () => {
    const dell = usb("win-dell-renesas");
    const kinds = classifyAll(dell).map((d) => [(d.observation as UsbObservation).productId, d.kind]);
    expect(kinds).toContainEqual(["2113", "keyboard"]);
    expect(kinds).toContainEqual(["301a", "mouse"]);
  });

  it("a webcam behind an external hub is external, and the hub is its parent", () => {
    const amd = usb("win-thinkpad-amd");
    const camera = byVendorProduct(amd, "046d:082d");
    const hub = byVendorProduct(amd, "05e3:0610");
    expect(camera.parents).toEqual(["PCIROOT(0)#PCI(0803)#PCI(0004)#USBROOT(0)", hub.portPath]);
    const classified = classifyAll(amd).find((d) => d.observation === camera);
    expect([classified?.kind, classified?.builtIn]).toEqual(["camera", false]);
  });

  it("a laptop's built-in camera, fingerprint reader and Bluetooth radio are built in", () => {
    const lenovo = classifyAll(usb("win-lenovo-p52-intel"));
    for (const vendorProduct of ["04f2:b615", "06cb:009a", "8087:0aaa"]) {
      const device = lenovo.find((d) => {
        const o = d.observation as UsbObservation;
        return `${o.vendorId}:${o.productId}` === vendorProduct;
      });
      expect([vendorProduct, device?.builtIn, device?.confidence]).toEqual([vendorProduct, true, "certain"]);
    }
  });

  it("regression: two devices whose Parents point at each other are not each behind the other (the classifier recursed forever)", () => {
    const devices: PnpDevice[] = [
      {
        InstanceId: "USB\\VID_05E3&PID_0610\\HUB",
        Parent: "USB\\VID_0781&PID_5581\\STICK",
        CompatibleID: ["USB\\Class_09&SubClass_00&Prot_02"],
      },
      {
        InstanceId: "USB\\VID_0781&PID_5581\\STICK",
        Parent: "USB\\VID_05E3&PID_0610\\HUB",
        CompatibleID: ["USB\\Class_08&SubClass_06&Prot_50"],
      },
    ];
    const { observations, warnings } = usbObservationsFromPnp(devices);
    expect(observations.map((o) => o.parents)).toEqual([[], []]);
    expect(warnings).toHaveLength(2);
    expect(classifyAll(observations).map((d) => d.kind)).toEqual(["hub", "storage"]);
  });

  it("regression: two devices sharing a LocationPaths entry keep distinct port paths (the classifier found itself as its own hub)", () => {
    const location = ["PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)"];
    const devices: PnpDevice[] = [
      { InstanceId: "USB\\VID_05E3&PID_0610\\HUB", LocationPaths: location },
      {
        InstanceId: "USB\\VID_0781&PID_5581\\STICK",
        Parent: "USB\\VID_05E3&PID_0610\\HUB",
        LocationPaths: location,
      },
    ];
    const { observations } = usbObservationsFromPnp(devices);
    expect(observations.map((o) => [o.portPath, o.parents])).toEqual([
      ["USB\\VID_05E3&PID_0610\\HUB", []],
      ["USB\\VID_0781&PID_5581\\STICK", ["USB\\VID_05E3&PID_0610\\HUB"]],
    ]);
  });

  it("regression: a device Windows has no driver for (no Class, no Service) is still a device (si dropped rows it could not type)", () => {
    const devices: PnpDevice[] = [
      { InstanceId: "USB\\ROOT_HUB30\\4&1&0&0" },
      {
        InstanceId: "USB\\VID_2717&PID_FF48\\9A2B3C4D",
        Parent: "USB\\ROOT_HUB30\\4&1&0&0",
        Status: "Error",
        CompatibleID: ["USB\\DevClass_00&SubClass_00&Prot_00", "USB\\COMPOSITE"],
      },
    ];
    const [, phone] = usbObservationsFromPnp(devices).observations;
    expect(phone).toMatchObject({
      id: "usb:2717:ff48:9A2B3C4D",
      warnings: ["Windows reports the device's status as Error"],
    });
    expect(classifyAll([phone as UsbObservation])[0]?.kind).toBe("phone");
  });

  it("what is wrong with the listing as a whole is said on the root hubs, so it reaches the report", () => {
    const devices: PnpDevice[] = [
      { InstanceId: "USB\\ROOT_HUB30\\4&1&0&0" },
      { InstanceId: "USB\\VID_0781&PID_5581\\A", Parent: "USB\\ROOT_HUB30\\4&1&0&0" },
      { InstanceId: "USB\\VID_0781&PID_5581\\A", Parent: "USB\\ROOT_HUB30\\4&1&0&0" },
    ];
    const [root, stick] = usbObservationsFromPnp(devices).observations;
    expect(root?.warnings).toEqual(["USB\\VID_0781&PID_5581\\A is listed more than once; the first is used"]);
    expect(stick?.warnings).toBeUndefined();
  });

  it("a device whose Parent chain loops is still reported, with a warning", () => {
    const devices: PnpDevice[] = [
      { InstanceId: "USB\\VID_0781&PID_5581\\A", Parent: "USB\\VID_0781&PID_5581&MI_00\\B" },
      { InstanceId: "USB\\VID_0781&PID_5581&MI_00\\B", Parent: "USB\\VID_0781&PID_5581\\A" },
      { InstanceId: "HID\\LOOP\\C", Parent: "HID\\LOOP\\D" },
      { InstanceId: "HID\\LOOP\\D", Parent: "HID\\LOOP\\C" },
    ];
    const { observations, warnings } = usbObservationsFromPnp(devices);
    expect(observations.map((o) => o.id)).toEqual(["usb:0781:5581:A"]);
    expect(warnings.some((w) => w.includes("loops"))).toBe(true);
  });
});

describe("nodes Windows has disabled (problem code 22, CM_PROB_DISABLED)", () => {
  const disabledStick = (): PnpDevice[] =>
    parsePnpDocument(readFileSync(join(REPO, "test/fixtures/windows/pnp-disabled-stick.json"), "utf8"))
      .devices;

  it("a stick whose device node is disabled is disabledByOs, and says so", () => {
    const stick = byVendorProduct(usbObservationsFromPnp(disabledStick()).observations, "0781:5581");
    expect(stick.disabledByOs).toBe(true);
    expect(stick.warnings).toContain("Windows has this device node disabled (problem code 22)");
    expect(stick.interfaces).toEqual([{ class: "08", subclass: "06", protocol: "50" }]);
  });

  it("the phone's MTP interface node disabled disables the phone; a disabled ADB interface only says so", () => {
    const phone = (code: Record<string, number>) =>
      byVendorProduct(
        usbObservationsFromPnp(
          listing("win-laptop-with-phone-and-stick").map((node) => {
            const interfaceNumber = /&MI_(\d\d)\\/.exec(node.InstanceId)?.[1];
            const problem = interfaceNumber === undefined ? undefined : code[interfaceNumber];
            return problem === undefined ? node : { ...node, Status: "Error", ProblemCode: problem };
          }),
        ).observations,
        "18d1:4ee2",
      );
    const mtp = phone({ "00": 22 });
    expect(mtp.disabledByOs).toBe(true);
    expect(mtp.warnings?.[0]).toMatch(
      /^Windows has its node USB\\VID_18D1&PID_4EE2&MI_00\\.* disabled \(problem code 22\)$/,
    );
    const adb = phone({ "01": 22 });
    expect(adb.disabledByOs).toBeUndefined();
    expect(adb.warnings?.[0]).toMatch(
      /^Windows reports problem code 22 on its node USB\\VID_18D1&PID_4EE2&MI_01\\/,
    );
  });

  it("any other problem code is a warning with the code, nothing more", () => {
    const nodes = disabledStick().map((node) => (node.ProblemCode ? { ...node, ProblemCode: 28 } : node));
    const stick = byVendorProduct(usbObservationsFromPnp(nodes).observations, "0781:5581");
    expect(stick.disabledByOs).toBeUndefined();
    expect(stick.warnings).toContain("Windows reports problem code 28 on this device node");
  });

  it("a ProblemCode that is not an integer is ignored with a warning, like any property", () => {
    const text = JSON.stringify([{ InstanceId: "USB\\VID_0781&PID_5581\\4C53", ProblemCode: "22" }]);
    const document = parsePnpDocument(text);
    expect(document.devices[0]?.ProblemCode).toBeUndefined();
    expect([...document.propertyWarnings.values()].flat()[0]).toMatch(/ProblemCode .* should be a number/);
  });
});

describe("built in, as Windows says it", () => {
  it("the computer's own container is removable=fixed, whatever the port", () => {
    expect(removableOf({ InstanceId: "x", ContainerId: MACHINE.toLowerCase(), Removable: true })).toBe(
      "fixed",
    );
    expect(removableOf({ InstanceId: "x", InLocalMachineContainer: true })).toBe("fixed");
  });

  it("the removable capability decides next, then the removal policy", () => {
    expect(
      removableOf({
        InstanceId: "x",
        ContainerId: "{1E5C0B2A-7F3D-5E21-9A4B-3C2D1E0F9A8B}",
        Removable: true,
      }),
    ).toBe("removable");
    expect(removableOf({ InstanceId: "x", Removable: false })).toBe("fixed");
    expect(removableOf({ InstanceId: "x", RemovalPolicy: 1 })).toBe("fixed");
    expect(removableOf({ InstanceId: "x", RemovalPolicy: 3 })).toBe("removable");
    expect(removableOf({ InstanceId: "x" })).toBe("unknown");
  });

  it("a serial is the instance id's last segment only when it has no '&'", () => {
    expect(serialFromInstance("4C530000080406123243")).toBe("4C530000080406123243");
    expect(serialFromInstance("5&2B9D5A5B&0&3")).toBeUndefined();
  });
});

describe("pnp-devices.json as a document", () => {
  it("not JSON: an error naming the file and how to record it again", () => {
    expect(() => parsePnpDocument("Get-PnpDevice : access denied", "cap/pnp-devices.json")).toThrow(
      PnpDocumentError,
    );
    expect(() => parsePnpDocument("{", "cap/pnp-devices.json")).toThrow(
      /cap\/pnp-devices.json: is not JSON.*collect-pnp.ps1/,
    );
  });

  it("a byte order mark, a list of one written as the object, a one-element list written as a string", () => {
    const text = `\uFEFF${JSON.stringify({ InstanceId: "USB\\VID_0781&PID_5581\\X", CompatibleID: "USB\\Class_08&SubClass_06&Prot_50" })}`;
    const { devices } = parsePnpDocument(text);
    expect(devices).toEqual([
      { InstanceId: "USB\\VID_0781&PID_5581\\X", CompatibleID: ["USB\\Class_08&SubClass_06&Prot_50"] },
    ]);
  });

  it("a property of the wrong type is ignored and the device says so; a record without InstanceId is left out", () => {
    const text = JSON.stringify([
      { InstanceId: "USB\\VID_0781&PID_5581\\X", Removable: "yes" },
      { FriendlyName: "no id" },
    ]);
    const document = parsePnpDocument(text, "pnp-devices.json");
    expect(document.warnings).toEqual([
      "pnp-devices.json: [1] has no InstanceId string; left out (every node needs one)",
    ]);
    const [observation] = usbObservationsFromPnp(document.devices, document.propertyWarnings).observations;
    expect(observation?.removable).toBe("unknown");
    expect(observation?.warnings).toEqual([
      'pnp-devices.json: [0].Removable of USB\\VID_0781&PID_5581\\X should be a boolean, found "yes"; ignored',
    ]);
  });
});

describe("the windows-pnp probe", () => {
  it("a capture without pnp-devices.json: USB unavailable, naming the file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "eca-win-pnp-"));
    try {
      const probe = await createProbe("windows-pnp", { root: "/", sources: captureSourceReader(folder) });
      const snapshot = await probe.snapshot();
      expect(snapshot.observations).toEqual([]);
      expect(snapshot.unavailable).toEqual([
        { source: "windows-pnp", reason: `capture: ${join(folder, "pnp-devices.json")} is missing` },
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("a listing that is not JSON (PowerShell printed an error instead): unavailable, naming the file and the fix", async () => {
    const folder = mkdtempSync(join(tmpdir(), "eca-win-pnp-"));
    try {
      writeFileSync(join(folder, "pnp-devices.json"), "Get-PnpDevice : Access is denied.\r\n");
      const probe = await createProbe("windows-pnp", { root: "/", sources: captureSourceReader(folder) });
      const snapshot = await probe.snapshot();
      expect(snapshot.unavailable[0]?.reason).toMatch(/^pnp-devices.json: is not JSON .*collect-pnp.ps1$/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
