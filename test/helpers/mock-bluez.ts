// A private D-Bus bus with python-dbusmock's bluez5 template on it, for tests and benches.
// Needs the Debian packages dbus (dbus-daemon) and python3-dbusmock.
//
//   const bluez = await startMockBluez();
//   await bluez.addDevice({ address: "00:1E:AE:11:22:33", name: "MY VW", classOfDevice: 0x240420, paired: true });
//   createBluezDbusProbe({ root: "/", systemBusAddress: bluez.address });
//   await bluez.stop();

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DBusConnection } from "../../probes/linux/dbus/connection.ts";
import { type DBusValue, type Variant, variant } from "../../probes/linux/dbus/values.ts";

/** dbusmock lives in Debian's Python; a pyenv or venv python3 on PATH usually lacks it. */
const python = process.env.ECA_TEST_PYTHON ?? "/usr/bin/python3";

export interface PrivateBus {
  /** D-Bus address of the bus, to pass as `systemBusAddress`. */
  address: string;
  stop(): Promise<void>;
}

export interface MockDevice {
  /** "AA:BB:CC:DD:EE:FF" */
  address: string;
  name: string;
  classOfDevice?: number;
  appearance?: number;
  /** Full 128-bit UUIDs or 16-bit short forms ("111e"). */
  uuids?: string[];
  paired?: boolean;
  bonded?: boolean;
  connected?: boolean;
  trusted?: boolean;
  modalias?: string;
  addressType?: "public" | "random";
}

export interface MockBluez extends PrivateBus {
  /** Adapter name given to AddAdapter. */
  adapter: string;
  /** A client connection to the private bus, for extra Mock calls. */
  connection: DBusConnection;
  /** Adds a device and sets its properties; resolves with its object path. */
  addDevice(device: MockDevice): Promise<string>;
  /** Changes properties of org.bluez.Device1 on an existing device (emits PropertiesChanged). */
  updateDevice(path: string, properties: Record<string, Variant>): Promise<void>;
  removeDevice(path: string): Promise<void>;
}

const configXml = (
  socketPath: string,
) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socketPath}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

/** Starts a private dbus-daemon with nothing on it (no BlueZ). */
export async function startPrivateBus(): Promise<PrivateBus> {
  const directory = await mkdtemp(join(tmpdir(), "eca-dbus-"));
  const configPath = join(directory, "bus.conf");
  await writeFile(configPath, configXml(join(directory, "bus")));
  const daemon = spawn("dbus-daemon", ["--config-file", configPath, "--nofork", "--print-address=1"], {
    // stderr is dropped: as non-root-like it warns about fd limits on every start.
    stdio: ["ignore", "pipe", "ignore"],
  });
  const address = await firstLine(daemon, 5_000);
  return {
    address,
    stop: async () => {
      await terminate(daemon);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Starts a private bus with a mock BlueZ (one adapter, "hci0") on it. */
export async function startMockBluez(): Promise<MockBluez> {
  const bus = await startPrivateBus();
  const mock = spawn(python, ["-m", "dbusmock", "--template", "bluez5"], {
    env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let mockErrors = "";
  mock.stderr?.on("data", (chunk: Buffer) => {
    mockErrors += chunk.toString();
  });
  const connection = await DBusConnection.connect(bus.address, { timeoutMs: 5_000 });
  const stop = async () => {
    connection.close();
    await terminate(mock);
    await bus.stop();
  };
  try {
    await waitForName(connection, "org.bluez", 10_000, () => mockErrors);
    const adapter = "hci0";
    await callMock(connection, "/", "org.bluez.Mock", "AddAdapter", "ss", [adapter, "eca-test"]);
    return {
      address: bus.address,
      adapter,
      connection,
      stop,
      addDevice: (device) => addDevice(connection, adapter, device),
      updateDevice: (path, properties) =>
        callMock(connection, path, "org.freedesktop.DBus.Mock", "UpdateProperties", "sa{sv}", [
          "org.bluez.Device1",
          new Map<DBusValue, DBusValue>(Object.entries(properties)),
        ]).then(() => undefined),
      removeDevice: (path) =>
        callMock(connection, `/org/bluez/${adapter}`, "org.bluez.Adapter1", "RemoveDevice", "o", [path]).then(
          () => undefined,
        ),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface CallMonitor {
  /** How many calls of the member were seen so far, not counting the monitor's own (see settle). */
  count(): number;
  /**
   * Resolves once every call made before it was seen: sends one call of its own (from the mock's
   * client connection) and waits for the monitor to show it. The bus routes messages in the order it
   * receives them, so a call whose reply was already awaited has been seen by then.
   */
  settle(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Counts method calls of `member` to org.bluez on the mock's bus, as dbus-monitor (a real bus
 * monitor) sees them: observes what goes over the bus, not what the code under test says it did.
 */
export async function startCallMonitor(
  bluez: MockBluez,
  member = "GetManagedObjects",
  iface = "org.freedesktop.DBus.ObjectManager",
): Promise<CallMonitor> {
  const monitor = spawn(
    "dbus-monitor",
    ["--address", bluez.address, `type='method_call',interface='${iface}',member='${member}'`],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const own = bluez.connection.uniqueName;
  let text = "";
  let ready = false;
  let others = 0;
  let ours = 0;
  const waiters = new Set<() => void>();
  monitor.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    let newline = text.indexOf("\n");
    while (newline >= 0) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      // A monitor connection is told NameAcquired and NameLost once the bus made it a monitor.
      if (line.includes("member=NameLost")) ready = true;
      const call = /^method call .* sender=(\S+) .*member=(\S+)$/.exec(line);
      if (call && call[2] === member) {
        if (call[1] === own) ours++;
        else others++;
      }
      newline = text.indexOf("\n");
    }
    for (const wake of waiters) wake();
  });
  const until = async (condition: () => boolean, what: string) => {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`dbus-monitor: ${what} not seen within 5 s`));
      }, 5_000);
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  };
  await until(() => ready, "monitor start");
  return {
    count: () => others,
    settle: async () => {
      const target = ours + 1;
      await callMock(bluez.connection, "/", iface, member, "", []);
      await until(() => ours >= target, `the settling ${member} call`);
      return others;
    },
    stop: () => terminate(monitor),
  };
}

function fullUuid(uuid: string): string {
  return /^[0-9a-f]{4}$/i.test(uuid)
    ? `0000${uuid.toLowerCase()}-0000-1000-8000-00805f9b34fb`
    : uuid.toLowerCase();
}

async function addDevice(connection: DBusConnection, adapter: string, device: MockDevice): Promise<string> {
  const reply = await callMock(connection, "/", "org.bluez.Mock", "AddDevice", "sss", [
    adapter,
    device.address,
    device.name,
  ]);
  const path = String(reply[0]);
  if (device.paired) {
    // PairDevice sets Paired and an Android phone's UUIDs; ours are set below.
    await callMock(connection, "/", "org.bluez.Mock", "PairDevice", "ssi", [adapter, device.address, 0]);
  }
  const properties = new Map<DBusValue, DBusValue>();
  properties.set("Class", variant("u", device.classOfDevice ?? 0));
  properties.set("Appearance", variant("q", device.appearance ?? 0));
  properties.set("UUIDs", variant("as", (device.uuids ?? []).map(fullUuid)));
  if (device.connected !== undefined) properties.set("Connected", variant("b", device.connected));
  if (device.trusted !== undefined) properties.set("Trusted", variant("b", device.trusted));
  if (device.modalias !== undefined) properties.set("Modalias", variant("s", device.modalias));
  if (device.addressType !== undefined) properties.set("AddressType", variant("s", device.addressType));
  await callMock(connection, path, "org.freedesktop.DBus.Mock", "UpdateProperties", "sa{sv}", [
    "org.bluez.Device1",
    properties,
  ]);
  if (device.bonded !== undefined) {
    // The template predates BlueZ 5.73's Bonded property, so it is added rather than updated.
    await callMock(connection, path, "org.freedesktop.DBus.Mock", "AddProperty", "ssv", [
      "org.bluez.Device1",
      "Bonded",
      variant("b", device.bonded),
    ]);
  }
  return path;
}

async function callMock(
  connection: DBusConnection,
  path: string,
  iface: string,
  member: string,
  signature: string,
  body: DBusValue[],
): Promise<DBusValue[]> {
  const reply = await connection.call({
    destination: "org.bluez",
    path,
    interface: iface,
    member,
    signature,
    body,
    timeoutMs: 5_000,
  });
  return reply.body;
}

async function waitForName(
  connection: DBusConnection,
  name: string,
  timeoutMs: number,
  diagnostics: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reply = await connection.call({
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "NameHasOwner",
      signature: "s",
      body: [name],
      timeoutMs: 1_000,
    });
    if (reply.body[0] === true) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${name} did not appear on the private bus within ${timeoutMs} ms. ${diagnostics()}`);
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("dbus-daemon did not print its address")), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, newline).trim());
      }
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
}
