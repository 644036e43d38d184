import { describe, expect, it } from "vitest";
import { parseRole, parseTypecPort } from "../probes/linux/typec.ts";
import {
  hubPortAttributePath,
  identityFromUevent,
  interfaceClassFromModalias,
  interfaceOwner,
  parentPortPaths,
  parseUsbDevice,
  portNameToPortPath,
  type RawAttribute,
  type RawUsbDevice,
} from "../probes/linux/usb-sysfs-parse.ts";

const text = (value: string): RawAttribute => ({ text: value });
const missing: RawAttribute = { missing: true };

function rawDevice(overrides: Partial<RawUsbDevice> = {}): RawUsbDevice {
  return {
    name: "1-2.3",
    idVendor: text("0781\n"),
    idProduct: text("5581\n"),
    serial: text("4C530001230718104232\n"),
    manufacturer: text(" USB\n"),
    product: text(" SanDisk 3.2Gen1\n"),
    bDeviceClass: text("00\n"),
    bDeviceSubClass: text("00\n"),
    bDeviceProtocol: text("00\n"),
    speed: text("5000\n"),
    bMaxPower: text("896mA\n"),
    removable: text("removable\n"),
    connectType: text("hotplug\n"),
    interfaces: [
      {
        name: "1-2.3:1.0",
        bInterfaceClass: text("08\n"),
        bInterfaceSubClass: text("06\n"),
        bInterfaceProtocol: text("50\n"),
      },
    ],
    ...overrides,
  };
}

describe("parseUsbDevice", () => {
  it("parses a well-formed device", () => {
    expect(parseUsbDevice(rawDevice())).toEqual({
      bus: "usb",
      source: "linux-sysfs",
      id: "usb:0781:5581:4C530001230718104232",
      vendorId: "0781",
      productId: "5581",
      serial: "4C530001230718104232",
      manufacturer: "USB",
      product: "SanDisk 3.2Gen1",
      deviceClass: { class: "00", subclass: "00", protocol: "00" },
      interfaces: [{ class: "08", subclass: "06", protocol: "50" }],
      speedMbps: 5000,
      maxPowerMilliamps: 896,
      portPath: "1-2.3",
      parents: ["usb1", "1-2"],
      isRootHub: false,
      removable: "removable",
      connectType: "hotplug",
    });
  });

  it("lowercases hex ids and parses low speed and padded bMaxPower", () => {
    const parsed = parseUsbDevice(
      rawDevice({ idVendor: text("05AC\n"), speed: text("1.5\n"), bMaxPower: text("  2mA\n") }),
    );
    expect(parsed.vendorId).toBe("05ac");
    expect(parsed.speedMbps).toBe(1.5);
    expect(parsed.maxPowerMilliamps).toBe(2);
  });

  it("uses the port path in the id when there is no serial", () => {
    expect(parseUsbDevice(rawDevice({ serial: missing })).id).toBe("usb:0781:5581@1-2.3");
  });

  it("keeps the device when idVendor is garbled, and says so", () => {
    const parsed = parseUsbDevice(rawDevice({ idVendor: text("zz\n") }));
    expect(parsed.vendorId).toBeUndefined();
    expect(parsed.productId).toBe("5581");
    expect(parsed.id).toBe("usb:unknown:5581:4C530001230718104232");
    expect(parsed.warnings).toEqual(['idVendor: "zz" is not 4 hex digits']);
  });

  it("warns about invalid UTF-8, control characters and empty strings", () => {
    const parsed = parseUsbDevice(
      rawDevice({
        product: text("SanDis\uFFFD"),
        manufacturer: text("Logi\u0000tech\n"),
        serial: text("\n"),
      }),
    );
    expect(parsed.product).toBe("SanDis\uFFFD");
    expect(parsed.manufacturer).toBe("Logitech");
    expect(parsed.serial).toBeUndefined();
    expect(parsed.warnings).toEqual([
      "serial: empty",
      "manufacturer: contains control characters",
      "product: contains bytes that are not valid UTF-8",
    ]);
  });

  it("reports unreadable attributes by name and carries on", () => {
    const parsed = parseUsbDevice(
      rawDevice({ idProduct: { error: "EACCES" }, speed: { error: "EIO" }, removable: text("maybe\n") }),
    );
    expect(parsed.productId).toBeUndefined();
    expect(parsed.removable).toBeUndefined();
    expect(parsed.warnings).toEqual([
      "idProduct: could not be read (EACCES)",
      "speed: could not be read (EIO)",
      'removable: "maybe" is not one of removable, fixed, unknown',
    ]);
  });

  it("drops an interface whose class is garbled and keeps the others", () => {
    const parsed = parseUsbDevice(
      rawDevice({
        interfaces: [
          {
            name: "1-2.3:1.1",
            bInterfaceClass: text("03\n"),
            bInterfaceSubClass: text("01\n"),
            bInterfaceProtocol: text("02\n"),
          },
          {
            name: "1-2.3:1.0",
            bInterfaceClass: text("3\n"),
            bInterfaceSubClass: text("01\n"),
            bInterfaceProtocol: text("01\n"),
          },
        ],
      }),
    );
    expect(parsed.interfaces).toEqual([{ class: "03", subclass: "01", protocol: "02" }]);
    expect(parsed.warnings).toEqual(['interface 1-2.3:1.0 bInterfaceClass: "3" is not 2 hex digits']);
  });

  it("reports a device with nothing readable", () => {
    const nothing = rawDevice({
      idVendor: missing,
      idProduct: missing,
      serial: missing,
      manufacturer: missing,
      product: missing,
      bDeviceClass: missing,
      bDeviceSubClass: missing,
      bDeviceProtocol: missing,
      speed: missing,
      bMaxPower: missing,
      removable: missing,
      interfaces: [],
    });
    delete nothing.connectType;
    const parsed = parseUsbDevice(nothing);
    expect(parsed.id).toBe("usb:unknown:unknown@1-2.3");
    expect(parsed.warnings).toContain("idVendor: missing");
  });

  it("marks root hubs", () => {
    const parsed = parseUsbDevice(rawDevice({ name: "usb2" }));
    expect(parsed.isRootHub).toBe(true);
    expect(parsed.parents).toEqual([]);
  });
});

describe("sysfs names", () => {
  it("derives parents, interface owners and hub port paths", () => {
    expect(parentPortPaths("1-2.3.1")).toEqual(["usb1", "1-2", "1-2.3"]);
    expect(parentPortPaths("usb1")).toEqual([]);
    expect(interfaceOwner("1-2.3:1.0")).toBe("1-2.3");
    expect(interfaceOwner("1-0:1.0")).toBe("usb1");
    expect(interfaceOwner("usb1")).toBeUndefined();
    expect(hubPortAttributePath("1-2", "connect_type")).toBe("usb1/1-0:1.0/usb1-port2/connect_type");
    expect(hubPortAttributePath("1-2.3", "connect_type")).toBe("1-2/1-2:1.0/1-2-port3/connect_type");
    expect(portNameToPortPath("usb1-port2")).toBe("1-2");
    expect(portNameToPortPath("1-2-port3")).toBe("1-2.3");
  });
});

describe("Type-C", () => {
  it("reads the bracketed current role", () => {
    expect(parseRole(text("[source] sink\n"), ["source", "sink"])).toBe("source");
    expect(parseRole(text("source [sink]\n"), ["source", "sink"])).toBe("sink");
    expect(parseRole(text("source\n"), ["source", "sink"])).toBe("source");
    expect(parseRole(text("garbage\n"), ["source", "sink"])).toBeUndefined();
  });

  it("reports a port with a garbled role as unknown, with a warning", () => {
    const parsed = parseTypecPort({
      name: "port0",
      powerRole: text("\u00ff\n"),
      dataRole: missing,
      partnerPresent: true,
      linkedPortNames: ["usb1-port1", "usb2-port1", "nonsense"],
    });
    expect(parsed).toMatchObject({
      id: "typec:port0",
      powerRole: "unknown",
      dataRole: "unknown",
      partnerPresent: true,
      linkedUsbPorts: ["1-1", "2-1"],
    });
    expect(parsed.warnings).toHaveLength(2);
  });
});

describe("uevent and modalias shortcuts", () => {
  it("reads identity from a usb_device uevent, padding hex and converting decimal classes", () => {
    expect(identityFromUevent(text("DEVTYPE=usb_device\nPRODUCT=5f3/7/320\nTYPE=239/2/1\n"))).toEqual({
      idVendor: text("05f3"),
      idProduct: text("0007"),
      bDeviceClass: text("ef"),
      bDeviceSubClass: text("02"),
      bDeviceProtocol: text("01"),
    });
  });

  it("declines an odd uevent so the attributes are read one by one", () => {
    expect(identityFromUevent(text("PRODUCT=zz/7/320\nTYPE=0/0/0\n"))).toBeUndefined();
    expect(identityFromUevent(text("PRODUCT=5f3/7/320\n"))).toBeUndefined();
    expect(identityFromUevent(text("PRODUCT=5f3/7/320\nTYPE=300/0/0\n"))).toBeUndefined();
    expect(identityFromUevent(missing)).toBeUndefined();
  });

  it("reads interface classes from a modalias", () => {
    expect(interfaceClassFromModalias(text("usb:v05F3p0007d0320dc00dsc00dp00ic03isc01ip01in00\n"))).toEqual({
      bInterfaceClass: text("03"),
      bInterfaceSubClass: text("01"),
      bInterfaceProtocol: text("01"),
    });
    expect(interfaceClassFromModalias(text("usb:v05F3p0007\n"))).toBeUndefined();
  });
});
