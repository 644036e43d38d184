// The systeminformation probe's pure mapping on recorded si outputs (test/fixtures/systeminformation/,
// provenance in the README there). Each *.si.json is checked to be what si really returns: the
// Linux ones by running si under umockdev-run (real lsusb -v on recorded devices), the macOS and
// Windows ones by running si's own parsers on the recorded command outputs
// (test/systeminformation-replay.ts). Then the mapping and the merge with libusb.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { backendNames, createProbe, defaultBackends } from "../probes/create.ts";
import {
  observationFromSiBluetooth,
  observationFromSiUsb,
  type SiBluetoothItem,
  type SiPlatform,
  type SiUsbItem,
  snapshotFromSi,
} from "../probes/systeminformation.ts";
import type { BluetoothObservation, UsbObservation } from "../probes/types.ts";

const run = promisify(execFile);
const repository = join(import.meta.dirname, "..");
const fixtures = join(repository, "test/fixtures/systeminformation");
const node = join(repository, "node_modules/.bin/node");

interface SiRecording {
  usb: SiUsbItem[] | null;
  bluetooth?: SiBluetoothItem[] | null;
}

async function recording(name: string): Promise<SiRecording> {
  return JSON.parse(await readFile(join(fixtures, `${name}.si.json`), "utf8")) as SiRecording;
}

const replays: { name: string; platform: SiPlatform; usb: string; bluetooth: string }[] = [
  {
    name: "darwin",
    platform: "darwin",
    usb: "darwin-ioreg-usb.txt",
    bluetooth: "darwin-system-profiler-bluetooth.json",
  },
  {
    name: "darwin-legacy-bluetooth",
    platform: "darwin",
    usb: "-",
    bluetooth: "darwin-system-profiler-bluetooth-legacy.json",
  },
  {
    name: "win32",
    platform: "win32",
    usb: "win32-cim-logicaldevice-usb.txt",
    bluetooth: "win32-pnpentity-bluetooth.txt",
  },
];

describe("the fixtures are what systeminformation returns", () => {
  for (const replay of replays) {
    it(`${replay.name}.si.json: si's own ${replay.platform} parsers on the recorded command outputs`, async () => {
      const input = (file: string) => (file === "-" ? "-" : join(fixtures, file));
      const { stdout } = await run(
        node,
        [
          join(repository, "test/systeminformation-replay.ts"),
          replay.platform,
          input(replay.usb),
          input(replay.bluetooth),
        ],
        { cwd: repository },
      );
      expect(stdout).toBe(await readFile(join(fixtures, `${replay.name}.si.json`), "utf8"));
    });
  }

  for (const name of ["umockdev-kinesis-keyboard", "umockdev-sony-xperia-mini-pro"]) {
    it(`linux-${name}.si.json: si.usb() under umockdev-run on test/fixtures/usb/${name}.umockdev`, async () => {
      const script = `import si from "systeminformation"; process.stdout.write(JSON.stringify({ usb: await si.usb() }, null, 2) + "\\n");`;
      const { stdout } = await run(
        "umockdev-run",
        [
          "--device",
          join(repository, "test/fixtures/usb", `${name}.umockdev`),
          "--",
          node,
          "--input-type=module",
          "-e",
          script,
        ],
        { cwd: repository },
      );
      expect(stdout).toBe(await readFile(join(fixtures, `linux-${name}.si.json`), "utf8"));
    });
  }
});

function usbOf(snapshot: { observations: unknown[] }): UsbObservation[] {
  return snapshot.observations.filter((o): o is UsbObservation => (o as UsbObservation).bus === "usb");
}

function bluetoothOf(snapshot: { observations: unknown[] }): BluetoothObservation[] {
  return snapshot.observations.filter(
    (o): o is BluetoothObservation => (o as BluetoothObservation).bus === "bluetooth",
  );
}

describe("systeminformation on Linux (lsusb -v)", async () => {
  const { usb } = await recording("linux-umockdev-sony-xperia-mini-pro");
  const snapshot = snapshotFromSi(usb, [], "linux");
  const devices = usbOf(snapshot);

  it("maps every lsusb device with its VID:PID, serial and power; device 1 is the root hub", () => {
    expect(devices.map((d) => [d.id, d.isRootHub])).toEqual([
      ["usb:0fce:0166:0123456789ABCDE", false],
      ["usb:0409:0058@si:bus1-device20", false],
      ["usb:17ef:1005@si:bus1-device11", false],
      ["usb:8087:0020@si:bus1-device2", false],
      ["usb:1d6b:0002:0000:00:1a.", true],
    ]);
    expect(devices[0]).toMatchObject({
      source: "systeminformation",
      vendorId: "0fce",
      productId: "0166",
      manufacturer: "Son",
      maxPowerMilliamps: 500,
      interfaces: [],
      parents: [],
    });
    expect(devices[0]?.warnings).toEqual([
      "systeminformation (lsusb -v) gives no interface classes; product is the usb.ids name",
    ]);
  });
});

describe("systeminformation on macOS (ioreg, system_profiler)", async () => {
  const darwin = await recording("darwin");
  const snapshot = snapshotFromSi(darwin.usb, darwin.bluetooth, "darwin");

  it("has names and serials but no VID:PID; ids stay distinct when addresses repeat across buses", () => {
    expect(usbOf(snapshot).map((d) => [d.id, d.product, d.serial, d.removable])).toEqual([
      ["usb:unknown:unknown:32A8708163008E06", "Orbtrace", "32A8708163008E06", "unknown"],
      ["usb:unknown:unknown:XXX", "CP2105 Dual USB to UART Bridge Controller", "XXX", "unknown"],
      ["usb:unknown:unknown:000000001536", "USB3.0 Card Reader", "000000001536", "unknown"],
      // IOKit's "non-removable" = "no" is evidence; si's default `true` is not.
      ["usb:unknown:unknown@si:address4", "IOUSBHostDevice", undefined, "removable"],
    ]);
    for (const device of usbOf(snapshot)) expect(device.vendorId).toBeUndefined();
  });

  it("maps paired Bluetooth devices with address, adapter and connected state", () => {
    expect(bluetoothOf(snapshot).map((d) => [d.id, d.name, d.adapter, d.paired, d.connected])).toEqual([
      ["bt:04:0C:CE:3C:D2:B8", "Apple Mouse", "F4:D4:88:6A:76:7A", true, true],
      ["bt:B4:40:A4:E0:4B:2F", "Alexandre Bergel’s AirPods Pro", "F4:D4:88:6A:76:7A", true, false],
      ["bt:90:81:2A:3E:11:20", "Apple Watch de Alexandre", "F4:D4:88:6A:76:7A", true, false],
    ]);
    expect(snapshot.unavailable).toEqual([]);
  });

  it("reads the pre-12.3 system_profiler layout (device_title, dashed addresses) too", async () => {
    const legacy = await recording("darwin-legacy-bluetooth");
    const [headset] = bluetoothOf(snapshotFromSi([], legacy.bluetooth, "darwin"));
    expect(headset).toEqual({
      bus: "bluetooth",
      source: "systeminformation",
      id: "bt:10:4F:A8:D8:06:ED",
      address: "10:4F:A8:D8:06:ED",
      name: "MDR-1000X",
      uuids: [],
      paired: true,
      bonded: false,
      connected: true,
    });
  });
});

describe("systeminformation on Windows (WMI)", async () => {
  const win32 = await recording("win32");
  const snapshot = snapshotFromSi(win32.usb, win32.bluetooth, "win32");

  it("reads VID:PID and the serial out of PnP device ids; drops host controllers and placeholder vendors", () => {
    expect(usbOf(snapshot).map((d) => [d.id, d.isRootHub, d.manufacturer])).toEqual([
      ["usb:unknown:unknown@si:USB\\ROOT_HUB30\\4&2720BDB3&0&0", true, undefined],
      ["usb:090c:1000:0361420080000139", false, "Compatible USB storage device"],
      // "5&356B5377&0&11" is an instance id Windows made up (it has "&"): not a serial.
      ["usb:0a5c:4500@si:USB\\VID_0A5C&PID_4500\\5&356B5377&0&11", false, undefined],
    ]);
  });

  it("cannot check Bluetooth devices that come without an address, and says so", () => {
    expect(bluetoothOf(snapshot)).toEqual([]);
    expect(snapshot.unavailable).toEqual([
      {
        source: "systeminformation",
        reason:
          "bluetooth: 1 device(s) reported without an address, so they cannot be checked: Surface Headphones",
      },
    ]);
  });
});

describe("systeminformation mapping edge cases", () => {
  it("reports a query that gave no answer", () => {
    expect(snapshotFromSi(null, null, "linux").unavailable.map((u) => u.reason)).toEqual([
      "usb: systeminformation gave no answer",
      "bluetooth: systeminformation gave no answer",
    ]);
  });

  it("ignores garbage addresses and fields of the wrong type", () => {
    expect(observationFromSiBluetooth({ macDevice: "not-an-address", name: "x" }, "linux")).toBeUndefined();
    const linux = observationFromSiBluetooth(
      { macDevice: "aa:bb:cc:dd:ee:ff", macHost: "hci0", connected: null },
      "linux",
    );
    expect(linux).toMatchObject({ address: "AA:BB:CC:DD:EE:FF", adapter: "hci0", paired: false });
    expect(linux?.warnings).toEqual([
      "systeminformation does not report whether the device is paired",
      "systeminformation does not report whether the device is connected",
    ]);
    const odd = observationFromSiUsb({ id: 42, deviceId: "x", maxPower: "lots" }, 3, "linux");
    expect(odd).toMatchObject({ id: "usb:unknown:unknown@si:item3", interfaces: [] });
    expect(odd?.maxPowerMilliamps).toBeUndefined();
  });
});

describe("registration", () => {
  it("offers libusb and systeminformation, defaults nowhere now (macOS and Windows have their own probes)", async () => {
    expect(backendNames()).toEqual(expect.arrayContaining(["libusb", "systeminformation"]));
    expect(defaultBackends("darwin")).toEqual(["macos-usb", "macos-bluetooth"]);
    expect(defaultBackends("win32")).toEqual(["windows-pnp", "windows-bluetooth"]);
    expect(defaultBackends("linux")).toEqual(["linux-sysfs", "bluez-dbus", "bluez-store"]);
    expect((await createProbe("libusb", { root: "/" })).name).toBe("libusb");
    expect((await createProbe("systeminformation", { root: "/" })).name).toBe("systeminformation");
  });

  it("the systeminformation probe answers on this machine without throwing", async () => {
    const probe = await createProbe("systeminformation", { root: "/" });
    const snapshot = await probe.snapshot();
    expect(Array.isArray(snapshot.observations)).toBe(true);
    for (const unavailable of snapshot.unavailable) expect(unavailable.source).toBe("systeminformation");
  });
});
