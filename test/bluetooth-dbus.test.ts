// The bluez-dbus probe end to end: our D-Bus client against a real dbus-daemon with python-dbusmock's
// bluez5 template on a private bus. Needs the Debian packages dbus and python3-dbusmock.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyBluetooth } from "../probes/classify/bluetooth.ts";
import { createBluezDbusProbe } from "../probes/linux/bluez-dbus.ts";
import { DBusConnection } from "../probes/linux/dbus/connection.ts";
import { variant } from "../probes/linux/dbus/values.ts";
import type { BluetoothObservation } from "../probes/types.ts";
import {
  type MockBluez,
  type PrivateBus,
  startCallMonitor,
  startMockBluez,
  startPrivateBus,
} from "./helpers/mock-bluez.ts";

const car = {
  address: "00:1E:AE:4C:A2:01",
  name: "MY VW 4821",
  classOfDevice: 0x240420,
  uuids: ["111e", "112e", "1133", "110b", "110e"],
  paired: true,
  bonded: true,
  connected: true,
  trusted: true,
  modalias: "bluetooth:v004Bp0001d0100",
};
const hfCar = {
  address: "02:AA:BB:CC:DD:01",
  name: "Family car",
  uuids: ["111e", "112e", "110b"],
  paired: true,
};
const headset = {
  address: "00:1B:66:AA:BB:01",
  name: "WH-1000XM4",
  classOfDevice: 0x240404,
  uuids: ["111e", "110b", "1108", "110e"],
  paired: true,
  modalias: "bluetooth:v0082p0001d0001",
};
const phone = {
  address: "A4:C3:F0:11:22:33",
  name: "Pixel 7",
  classOfDevice: 0x5a020c,
  uuids: ["111f", "112f", "110a", "1105", "1132"],
  paired: false,
};
const keyboard = {
  address: "F0:F0:F0:00:00:01",
  name: "MX Keys",
  classOfDevice: 0x002540,
  uuids: ["1124"],
  paired: true,
};

describe("bluez-dbus probe against mock BlueZ", () => {
  let bluez: MockBluez;
  beforeAll(async () => {
    bluez = await startMockBluez();
    for (const device of [car, hfCar, headset, phone, keyboard]) await bluez.addDevice(device);
  }, 20_000);
  afterAll(async () => {
    await bluez?.stop();
  });

  it("returns every device with its properties", async () => {
    const probe = createBluezDbusProbe({ root: "/", systemBusAddress: bluez.address });
    const snapshot = await probe.snapshot();
    expect(snapshot.unavailable).toEqual([]);
    const byAddress = new Map(
      (snapshot.observations as BluetoothObservation[]).map((observation) => [
        observation.address,
        observation,
      ]),
    );
    expect([...byAddress.keys()].sort()).toEqual(
      [car, hfCar, headset, phone, keyboard].map((d) => d.address.toUpperCase()).sort(),
    );
    expect(byAddress.get(car.address)).toMatchObject({
      bus: "bluetooth",
      source: "bluez-dbus",
      id: `bt:${car.address}`,
      adapter: "hci0",
      addressType: "public",
      name: "MY VW 4821",
      classOfDevice: 0x240420,
      paired: true,
      bonded: true,
      connected: true,
      trusted: true,
      modalias: "bluetooth:v004Bp0001d0100",
    });
    expect(byAddress.get(car.address)?.uuids).toContain("0000112e-0000-1000-8000-00805f9b34fb");
    expect(byAddress.get(phone.address)?.paired).toBe(false);
    await probe.stop();
  });

  it("classifies the car, the hands-free car, the headset, the phone and the keyboard", async () => {
    const probe = createBluezDbusProbe({ root: "/", systemBusAddress: bluez.address });
    const snapshot = await probe.snapshot();
    const kinds = Object.fromEntries(
      (snapshot.observations as BluetoothObservation[]).map((observation) => {
        const { kind, confidence } = classifyBluetooth(observation);
        return [observation.name, `${kind}/${confidence}`];
      }),
    );
    expect(kinds).toEqual({
      "MY VW 4821": "vehicle/certain",
      "Family car": "vehicle/strong",
      "WH-1000XM4": "audio/strong",
      "Pixel 7": "phone/strong",
      "MX Keys": "keyboard/strong",
    });
    const carEvidence = classifyBluetooth(
      (snapshot.observations as BluetoothObservation[]).find(
        (o) => o.name === "MY VW 4821",
      ) as BluetoothObservation,
    ).evidence;
    expect(carEvidence).toContain("Class of Device 0x240420: Audio/Video, Car audio");
  });

  it("emits change when a device is added, changes or goes away", async () => {
    const probe = createBluezDbusProbe({ root: "/", systemBusAddress: bluez.address });
    const reasons: string[] = [];
    probe.on("change", (reason) => reasons.push(reason));
    probe.watch();
    // Let the match rules land before causing signals.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const path = await bluez.addDevice({
      address: "02:00:00:00:00:99",
      name: "Rental car",
      classOfDevice: 0x240420,
    });
    await bluez.updateDevice(path, { Paired: variant("b", true) });
    await bluez.removeDevice(path);
    await waitFor(async () => reasons.some((reason) => reason.includes("InterfacesRemoved")));
    expect(
      reasons.some(
        (reason) => reason.includes("InterfacesAdded") && reason.includes("dev_02_00_00_00_00_99"),
      ),
    ).toBe(true);
    expect(reasons.some((reason) => reason.includes("changed") && reason.includes("Paired"))).toBe(true);
    await probe.stop();
  });

  it("reuses the watch connection for snapshots: no connect, auth and Hello per scan", async () => {
    // The bus numbers connections in order (":1.N"): connecting once before and once after the
    // snapshots shows how many connections were made in between.
    const connectionNumber = async () => {
      const connection = await DBusConnection.connect(bluez.address, { timeoutMs: 1_000 });
      connection.close();
      return Number(connection.uniqueName.split(".")[1]);
    };
    const probe = createBluezDbusProbe({ root: "/", systemBusAddress: bluez.address });
    probe.watch();
    // Let the watch connection come up (connect, auth, Hello, match rules).
    await new Promise((resolve) => setTimeout(resolve, 200));
    await waitFor(async () => (await probe.snapshot()).observations.length === 5);
    const before = await connectionNumber();
    for (let i = 0; i < 5; i++) expect((await probe.snapshot()).observations).toHaveLength(5);
    const after = await connectionNumber();
    await probe.stop();
    expect(after).toBe(before + 1);
  });
});

describe("bluez-dbus probe answers from its last reply while nothing changed", () => {
  let bluez: MockBluez;
  beforeAll(async () => {
    bluez = await startMockBluez();
    for (const device of [car, headset]) await bluez.addDevice(device);
  }, 20_000);
  afterAll(async () => {
    await bluez?.stop();
  });

  /** A watching probe whose first snapshot was read on the subscribed watch connection. */
  async function watchingProbe(refreshIntervalMs?: number) {
    const probe = createBluezDbusProbe(
      { root: "/", systemBusAddress: bluez.address },
      refreshIntervalMs === undefined ? {} : { refreshIntervalMs },
    );
    const reasons: string[] = [];
    probe.on("change", (reason) => reasons.push(reason));
    probe.watch();
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { probe, reasons };
  }
  const addresses = (snapshot: { observations: unknown[] }) =>
    (snapshot.observations as BluetoothObservation[]).map((o) => o.address).sort();

  it("makes no GetManagedObjects call for a second snapshot without changes", async () => {
    const monitor = await startCallMonitor(bluez);
    const { probe } = await watchingProbe();
    try {
      const first = await probe.snapshot();
      expect(addresses(first)).toEqual([headset.address, car.address].sort());
      expect(await monitor.settle()).toBe(1);
      for (let i = 0; i < 5; i++) {
        const again = await probe.snapshot();
        expect(again).toEqual(first);
      }
      expect(await monitor.settle()).toBe(1);
      // The copies handed out are the caller's: changing one does not change the next answer.
      (first.observations[0] as BluetoothObservation).uuids.push("changed by the caller");
      expect((await probe.snapshot()).observations).not.toEqual(first.observations);
    } finally {
      await probe.stop();
      await monitor.stop();
    }
  });

  it("reads again after a device is added, changed or removed on the bus", async () => {
    const monitor = await startCallMonitor(bluez);
    const { probe, reasons } = await watchingProbe();
    const rental = { address: "02:00:00:00:00:77", name: "Rental car", classOfDevice: 0x240420 };
    let path = "";
    try {
      expect(addresses(await probe.snapshot())).toHaveLength(2);
      await probe.snapshot();
      expect(await monitor.settle()).toBe(1);

      path = await bluez.addDevice(rental);
      await waitFor(async () => reasons.some((r) => r.includes("InterfacesAdded")));
      expect(addresses(await probe.snapshot())).toContain(rental.address);

      await bluez.updateDevice(path, { Alias: variant("s", "Rented from the airport") });
      await waitFor(async () => reasons.some((r) => r.includes("changed Alias")));
      const changed = (await probe.snapshot()).observations as BluetoothObservation[];
      expect(changed.find((o) => o.address === rental.address)?.alias).toBe("Rented from the airport");

      const calls = await monitor.settle();
      // A property no observation reads (RSSI changes all the time) does not cost a read.
      await bluez.updateDevice(path, { RSSI: variant("n", -60) });
      await new Promise((resolve) => setTimeout(resolve, 100)); // for the signal to reach the probe
      await probe.snapshot();
      expect(await monitor.settle()).toBe(calls);

      await bluez.removeDevice(path);
      path = "";
      await waitFor(async () => reasons.some((r) => r.includes("InterfacesRemoved")));
      expect(addresses(await probe.snapshot())).toEqual([headset.address, car.address].sort());
      expect(await monitor.settle()).toBe(calls + 1);
    } finally {
      if (path) await bluez.removeDevice(path);
      await probe.stop();
      await monitor.stop();
    }
  });

  it("reads again once the refresh interval passed, even without a signal", async () => {
    const monitor = await startCallMonitor(bluez);
    const { probe } = await watchingProbe(300);
    try {
      await probe.snapshot();
      await probe.snapshot();
      expect(await monitor.settle()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 350));
      await probe.snapshot();
      await probe.snapshot();
      expect(await monitor.settle()).toBe(2);
    } finally {
      await probe.stop();
      await monitor.stop();
    }
  });

  it("reads again on a new watch connection, and on every snapshot without one", async () => {
    const monitor = await startCallMonitor(bluez);
    const unwatched = createBluezDbusProbe({ root: "/", systemBusAddress: bluez.address });
    await unwatched.snapshot();
    await unwatched.snapshot();
    expect(await monitor.settle()).toBe(2);

    const { probe } = await watchingProbe();
    try {
      await probe.snapshot();
      await probe.snapshot();
      expect(await monitor.settle()).toBe(3);
      // Stopping drops the watch connection; watching again makes a new one, which reads afresh.
      await probe.stop();
      probe.watch();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await probe.snapshot();
      await probe.snapshot();
      expect(await monitor.settle()).toBe(4);
    } finally {
      await probe.stop();
      await monitor.stop();
    }
  });
});

describe("bluez-dbus probe fails fast", () => {
  let bus: PrivateBus;
  beforeAll(async () => {
    bus = await startPrivateBus();
  }, 10_000);
  afterAll(async () => {
    await bus?.stop();
  });

  it("reports the source unavailable when the bus socket does not exist", async () => {
    const probe = createBluezDbusProbe({
      root: "/",
      systemBusAddress: "unix:path=/nonexistent/eca/system_bus_socket",
    });
    const snapshot = await probe.snapshot();
    expect(snapshot.observations).toEqual([]);
    // No system bus at all: BlueZ cannot be running, a complete answer ("no Bluetooth").
    expect(snapshot.unavailable).toEqual([
      { source: "bluez-dbus", reason: expect.stringContaining("system bus not reachable"), absent: true },
    ]);
  });

  it("reports the source unavailable when BlueZ is not on the bus", async () => {
    const probe = createBluezDbusProbe({ root: "/", systemBusAddress: bus.address });
    const snapshot = await probe.snapshot();
    expect(snapshot.unavailable).toEqual([
      { source: "bluez-dbus", reason: "BlueZ (org.bluez) is not running on the system bus", absent: true },
    ]);
  });

  it("falls back to DBUS_SYSTEM_BUS_ADDRESS when no address is given", async () => {
    const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
    process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address;
    try {
      const snapshot = await createBluezDbusProbe({ root: "/" }).snapshot();
      expect(snapshot.unavailable[0]?.reason).toBe("BlueZ (org.bluez) is not running on the system bus");
    } finally {
      if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
      else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition not met in time");
}
