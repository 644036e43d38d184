// Windows device notifications (probes/windows/cm-notify*.ts, watch.ts): the CM_NOTIFY_FILTER eca
// registers, the CM_NOTIFY_EVENT_DATA a callback gets, decoded, and what a notification does: the
// next listing is fresh (not the 60 s reuse) and the daemon rescans, debounced. No Windows here: the
// payloads are laid out as Microsoft documents CM_NOTIFY_EVENT_DATA (MicrosoftDocs/sdk-api,
// ns-cfgmgr32-cm_notify_event_data.md: FilterType DWORD, Reserved DWORD, then the union: GUID
// ClassGuid + WCHAR SymbolicLink[] for interfaces, WCHAR InstanceId[] for device instances), with
// the action values of cfgmgr32.h, and a fake notifier stands in for CfgMgr32's thread.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../agent/config/config.ts";
import { type RunningDaemon, startDaemon } from "../agent/daemon/daemon.ts";
import { silentLogger } from "../agent/log.ts";
import type { CommandSource, SourceReader } from "../probes/capture/sources.ts";
import type { KoffiModule } from "../probes/native/koffi.ts";
import { createWindowsBluetoothProbe } from "../probes/windows/bluetooth.ts";
import { cmNotifier, type DeviceNotifier } from "../probes/windows/cm-notify.ts";
import {
  CM_NOTIFY_FILTER_SIZE,
  concernsBluetooth,
  type DeviceNotification,
  decodeNotification,
  describeNotification,
  notifyFilterBytes,
} from "../probes/windows/cm-notify-parse.ts";
import { createWindowsPnpProbe } from "../probes/windows/pnp.ts";
import { readShared } from "../probes/windows/read.ts";
import { BLUETOOTH_REGISTRY_SOURCE, PNP_DEVICES_SOURCE } from "../probes/windows/sources.ts";
import { deviceWatch } from "../probes/windows/watch.ts";
import { until } from "./faults/support.ts";
import { mulberry32 } from "./helpers/mulberry32.ts";

const FIXTURE = join(import.meta.dirname, "fixtures", "windows", "pnp-disabled-stick.json");

/** GUID_DEVINTERFACE_USB_DEVICE {A5DCBF10-6530-11D2-901F-00C04FB951ED} as it lies in memory. */
const USB_DEVICE_GUID_BYTES = "10bfdca53065d211901f00c04fb951ed";

/** A CM_NOTIFY_EVENT_DATA for an interface event: FilterType 0, Reserved 0, ClassGuid, SymbolicLink + NUL. */
function interfaceEvent(guidHex: string, link: string): Uint8Array {
  return Buffer.concat([
    Buffer.from("0000000000000000", "hex"),
    Buffer.from(guidHex, "hex"),
    Buffer.from(`${link}\0`, "utf16le"),
  ]);
}

/** A CM_NOTIFY_EVENT_DATA for a device instance event: FilterType 2, Reserved 0, InstanceId + NUL. */
function instanceEvent(instanceId: string): Uint8Array {
  return Buffer.concat([Buffer.from("0200000000000000", "hex"), Buffer.from(`${instanceId}\0`, "utf16le")]);
}

describe("CM_NOTIFY_FILTER", () => {
  it("is 416 bytes (4 DWORDs and a union as large as WCHAR[200]) with cbSize, Flags and FilterType set", () => {
    expect(CM_NOTIFY_FILTER_SIZE).toBe(416);
    const interfaces = Buffer.from(notifyFilterBytes("all-interfaces"));
    expect(interfaces.byteLength).toBe(416);
    // cbSize 416, CM_NOTIFY_FILTER_FLAG_ALL_INTERFACE_CLASSES, CM_NOTIFY_FILTER_TYPE_DEVICEINTERFACE, Reserved.
    expect([0, 4, 8, 12].map((offset) => interfaces.readUInt32LE(offset))).toEqual([416, 1, 0, 0]);
    // The documentation requires a zero ClassGuid with ALL_INTERFACE_CLASSES.
    expect(interfaces.subarray(16).every((byte) => byte === 0)).toBe(true);
    const instances = Buffer.from(notifyFilterBytes("all-instances"));
    // CM_NOTIFY_FILTER_FLAG_ALL_DEVICE_INSTANCES, CM_NOTIFY_FILTER_TYPE_DEVICEINSTANCE, InstanceId "".
    expect([0, 4, 8, 12].map((offset) => instances.readUInt32LE(offset))).toEqual([416, 2, 2, 0]);
    expect(instances.subarray(16).every((byte) => byte === 0)).toBe(true);
  });
});

describe("CM_NOTIFY_EVENT_DATA, decoded", () => {
  it("a USB device interface arriving: class GUID (mixed-endian in memory) and symbolic link", () => {
    const link = "\\\\?\\USB#VID_0781&PID_5581#4C530001230516115381#{a5dcbf10-6530-11d2-901f-00c04fb951ed}";
    const notification = decodeNotification(0, interfaceEvent(USB_DEVICE_GUID_BYTES, link));
    expect(notification).toEqual({
      action: "DEVICEINTERFACEARRIVAL",
      rescan: true,
      interfaceClass: "{A5DCBF10-6530-11D2-901F-00C04FB951ED}",
      symbolicLink: link,
    });
    expect(describeNotification(notification)).toBe(
      `interface {A5DCBF10-6530-11D2-901F-00C04FB951ED} arrived: ${link}`,
    );
  });

  it("a device node enumerated, started and removed: the instance id", () => {
    const id = "USB\\VID_0781&PID_5581\\4C530001230516115381";
    for (const [action, name, verb] of [
      [7, "DEVICEINSTANCEENUMERATED", "enumerated"],
      [8, "DEVICEINSTANCESTARTED", "started"],
      [9, "DEVICEINSTANCEREMOVED", "removed"],
    ] as const) {
      const notification = decodeNotification(action, instanceEvent(id));
      expect(notification).toEqual({ action: name, rescan: true, instanceId: id });
      expect(describeNotification(notification)).toBe(`device node ${id} ${verb}`);
    }
  });

  it("query-remove and the other handle events change nothing eca lists: no rescan", () => {
    for (const action of [2, 3, 4, 5, 6])
      expect(decodeNotification(action, new Uint8Array(0)).rescan).toBe(false);
    expect(decodeNotification(42, instanceEvent("USB\\X")).action).toBe("unknown action 42");
    expect(decodeNotification(42, instanceEvent("USB\\X")).rescan).toBe(false);
  });

  it("short or unterminated data never throws: what fits is decoded", () => {
    expect(decodeNotification(0, new Uint8Array(5))).toEqual({
      action: "DEVICEINTERFACEARRIVAL",
      rescan: true,
    });
    expect(decodeNotification(0, interfaceEvent(USB_DEVICE_GUID_BYTES, "").subarray(0, 20))).toEqual({
      action: "DEVICEINTERFACEARRIVAL",
      rescan: true,
    });
    const unterminated = instanceEvent("HID\\VID_046D&PID_C52B").subarray(0, -2);
    expect(decodeNotification(7, unterminated).instanceId).toBe("HID\\VID_046D&PID_C52B");
    // An odd byte left over is not half a character.
    expect(decodeNotification(7, Buffer.concat([unterminated, Buffer.from([0x41])])).instanceId).toBe(
      "HID\\VID_046D&PID_C52B",
    );
  });

  it("seeded random event data never throws and always says whether to rescan (FUZZ_SEED replays)", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261201);
    const next = mulberry32(seed);
    for (let round = 0; round < 3000; round++) {
      const bytes = new Uint8Array(Math.floor(next() * 80));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
      // Mostly the two documented filter types, sometimes anything.
      if (bytes.length >= 4 && next() < 0.8) bytes[0] = next() < 0.5 ? 0 : 2;
      const action = Math.floor(next() * 12) - 1;
      const notification = decodeNotification(action, bytes);
      expect(typeof notification.rescan, `seed ${seed} round ${round}`).toBe("boolean");
      expect(typeof describeNotification(notification)).toBe("string");
      expect(typeof concernsBluetooth(notification)).toBe("boolean");
    }
  });

  it("Bluetooth nodes and interfaces are told apart, so only they re-read the BTHPORT registry", () => {
    expect(
      concernsBluetooth(
        decodeNotification(
          7,
          instanceEvent("BTHENUM\\Dev_0022A0C4D5E6\\8&2f7d&0&BluetoothDevice_0022A0C4D5E6"),
        ),
      ),
    ).toBe(true);
    expect(concernsBluetooth(decodeNotification(7, instanceEvent("BTHLE\\Dev_d1a9c7b6e5f4\\8&1a2b")))).toBe(
      true,
    );
    expect(
      concernsBluetooth(
        decodeNotification(
          0,
          interfaceEvent(
            USB_DEVICE_GUID_BYTES,
            "\\\\?\\BTHLEDEVICE#{00001812-0000-1000-8000-00805f9b34fb}_Dev_VID&02046d_PID&b023",
          ),
        ),
      ),
    ).toBe(true);
    expect(concernsBluetooth(decodeNotification(7, instanceEvent("USB\\VID_0781&PID_5581\\4C53")))).toBe(
      false,
    );
  });
});

/**
 * koffi with cfgmgr32.dll behind it, as far as cm-notify.ts uses them: `.async` calls answered on a
 * later turn (as koffi's worker threads do), one registered JS callback that a test calls as
 * CfgMgr32's thread would, memory "pointers" that decode to the bytes a test put there.
 */
function fakeKoffi(registerResults: number[] = [0, 0]) {
  const log: string[] = [];
  const memory = new Map<bigint, Uint8Array>();
  let callback: ((...args: unknown[]) => number) | undefined;
  let nextHandle = 0x100n;
  const asyncFn = (name: string, body: (...args: unknown[]) => number) =>
    Object.assign(
      () => {
        throw new Error(`${name} called synchronously on the main thread`);
      },
      {
        async: (...args: unknown[]) => {
          const done = args.pop() as (error: unknown, result: number) => void;
          setImmediate(() => done(null, body(...args)));
        },
      },
    );
  const koffi = {
    load: (path: string) => {
      log.push(`load ${path}`);
      return {
        func: (signature: string) => {
          if (signature.includes("CM_Register_Notification")) {
            return asyncFn("CM_Register_Notification", (filter, _context, _callback, out) => {
              const bytes = filter as Uint8Array;
              log.push(
                `register type ${new DataView(bytes.buffer).getUint32(8, true)} flags ${new DataView(bytes.buffer).getUint32(4, true)} size ${bytes.byteLength}`,
              );
              const result = registerResults.shift() ?? 0;
              if (result === 0) (out as unknown[])[0] = nextHandle++;
              return result;
            });
          }
          return asyncFn("CM_Unregister_Notification", (handle) => {
            log.push(`unregister 0x${(handle as bigint).toString(16)}`);
            return 0;
          });
        },
      };
    },
    proto: (signature: string) => ({ name: signature }),
    pointer: (type: unknown) => type,
    register: (fn: (...args: unknown[]) => number) => {
      callback = fn;
      log.push("koffi.register");
      return 0xcafen;
    },
    unregister: (slot: bigint) => {
      log.push(`koffi.unregister 0x${slot.toString(16)}`);
      callback = undefined;
    },
    decode: (pointer: bigint, _type: string, size: number) =>
      (memory.get(pointer) ?? new Uint8Array(0)).subarray(0, size),
  };
  return {
    load: async () => koffi as unknown as KoffiModule,
    log,
    /** CfgMgr32's thread calling the callback: returns what the callback returned, synchronously. */
    notify(action: number, data: Uint8Array): number | undefined {
      const pointer = 0x5000n + BigInt(memory.size);
      memory.set(pointer, data);
      const result = callback?.(0x100n, null, action, pointer, data.byteLength);
      // The event data is gone once the callback returned.
      memory.set(pointer, new Uint8Array(data.byteLength));
      return result;
    },
  };
}

describe("cm-notify.ts drives CfgMgr32 as its documentation and koffi's require", () => {
  it("registers both filters off the main thread, copies the event data in the callback, unregisters before freeing the slot", async () => {
    const fake = fakeKoffi();
    const notifier = cmNotifier(fake.load);
    const heard: DeviceNotification[] = [];
    await notifier.start((notification) => heard.push(notification));
    expect(fake.log).toEqual([
      "load cfgmgr32.dll",
      "koffi.register",
      "register type 0 flags 1 size 416",
      "register type 2 flags 2 size 416",
    ]);
    const id = "USB\\VID_0781&PID_5581\\4C530001230516115381";
    // ERROR_SUCCESS at once; the listener runs on a later turn, from the copied bytes.
    expect(fake.notify(7, instanceEvent(id))).toBe(0);
    expect(heard).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual([{ action: "DEVICEINSTANCEENUMERATED", rescan: true, instanceId: id }]);
    await notifier.stop();
    expect(fake.log.slice(4)).toEqual(["unregister 0x100", "unregister 0x101", "koffi.unregister 0xcafe"]);
  });

  it("a registration CfgMgr32 refuses undoes the other and rejects with the CONFIGRET", async () => {
    const fake = fakeKoffi([0, 0x1f]);
    await expect(cmNotifier(fake.load).start(() => {})).rejects.toThrow(
      "CM_Register_Notification (all-instances) returned CONFIGRET 0x1f",
    );
    expect(fake.log.slice(-2)).toEqual(["unregister 0x100", "koffi.unregister 0xcafe"]);
  });

  it("started again after a stop, in the same process (koffi's type names are declared once)", async () => {
    const fake = fakeKoffi([0, 0, 0, 0]);
    const notifier = cmNotifier(fake.load);
    await notifier.start(() => {});
    await notifier.stop();
    await notifier.start(() => {});
    await notifier.stop();
    expect(fake.log.filter((line) => line === "load cfgmgr32.dll")).toHaveLength(1);
    expect(fake.log.filter((line) => line.startsWith("register type"))).toHaveLength(4);
  });
});

/** A notifier a test fires by hand, as CfgMgr32's thread would. */
function fakeNotifier(failWith?: string) {
  let listener: ((notification: DeviceNotification) => void) | undefined;
  const state = { starts: 0, stops: 0 };
  const notifier: DeviceNotifier = {
    async start(next) {
      state.starts++;
      if (failWith) throw new Error(failWith);
      listener = next;
    },
    async stop() {
      state.stops++;
      listener = undefined;
    },
  };
  return {
    notifier,
    state,
    fire: (action: number, data: Uint8Array) => listener?.(decodeNotification(action, data)),
  };
}

/** A live reader that serves `listing` as pnp-devices.json and counts the collector runs. */
function liveListing(listing: { text: string }) {
  const runs: string[] = [];
  const reader: SourceReader = {
    kind: "live",
    read: async (source: CommandSource) => {
      runs.push(source.file);
      return { ok: true, text: source.file === PNP_DEVICES_SOURCE.file ? listing.text : "{}", durationMs: 1 };
    },
  };
  return { reader, runs };
}

describe("a notification makes the next listing fresh and the probes emit change", () => {
  it("the 60 s reuse holds without one; after one the collector runs again; only Bluetooth re-reads BTHPORT", async () => {
    const { reader, runs } = liveListing({ text: "[]" });
    const fake = fakeNotifier();
    const watch = deviceWatch(reader, fake.notifier);
    const reasons: string[] = [];
    const unsubscribe = watch.subscribe({ change: (reason) => reasons.push(reason), error: () => {} });
    await until(() => fake.state.starts === 1, "the notifier to start");
    const now = () => 1_000;
    await readShared(reader, PNP_DEVICES_SOURCE, now);
    await readShared(reader, BLUETOOTH_REGISTRY_SOURCE, now);
    await readShared(reader, PNP_DEVICES_SOURCE, now);
    expect(runs).toEqual(["pnp-devices.json", "bluetooth-registry.json"]);

    fake.fire(7, instanceEvent("USB\\VID_0781&PID_5581\\4C530001230516115381"));
    expect(reasons).toEqual(["device node USB\\VID_0781&PID_5581\\4C530001230516115381 enumerated"]);
    await readShared(reader, PNP_DEVICES_SOURCE, now);
    await readShared(reader, BLUETOOTH_REGISTRY_SOURCE, now);
    expect(runs).toEqual(["pnp-devices.json", "bluetooth-registry.json", "pnp-devices.json"]);

    fake.fire(7, instanceEvent("BTHENUM\\Dev_0022A0C4D5E6\\8&2f7d&0&BluetoothDevice_0022A0C4D5E6"));
    await readShared(reader, BLUETOOTH_REGISTRY_SOURCE, now);
    expect(runs.at(-1)).toBe("bluetooth-registry.json");

    // A query-remove is no change: no event, the listing is reused.
    fake.fire(2, new Uint8Array(0));
    expect(reasons).toHaveLength(2);
    await unsubscribe();
    expect(fake.state.stops).toBe(1);
  });

  it("one notifier for every probe of the process: started with the first, stopped with the last", async () => {
    const { reader } = liveListing({ text: "[]" });
    const fake = fakeNotifier();
    const watch = deviceWatch(reader, fake.notifier);
    const first = watch.subscribe({ change: () => {}, error: () => {} });
    const second = watch.subscribe({ change: () => {}, error: () => {} });
    await first();
    expect(fake.state).toEqual({ starts: 1, stops: 0 });
    await second();
    expect(fake.state).toEqual({ starts: 1, stops: 1 });
  });

  it("no notifications (koffi cannot load): the probe reports why through its error event, and carries on", async () => {
    const { reader } = liveListing({ text: "[]" });
    const fake = fakeNotifier("koffi cannot be loaded: Cannot find package 'koffi'");
    const probe = createWindowsPnpProbe(
      { root: "/", sources: reader },
      { watch: deviceWatch(reader, fake.notifier) },
    );
    const errors: string[] = [];
    probe.on("error", (error) => errors.push(error.message));
    probe.watch();
    await until(() => errors.length === 1, "the error event");
    expect(errors[0]).toBe(
      "no device notifications (koffi cannot be loaded: Cannot find package 'koffi'): changes are found by the poll, within 60 s",
    );
    expect((await probe.snapshot()).unavailable).toEqual([]);
    await probe.stop();
  });

  it("a probe nobody listens to for errors (a one-off scan) does not throw when notifications fail", async () => {
    const { reader } = liveListing({ text: "[]" });
    const fake = fakeNotifier("no cfgmgr32.dll");
    const probe = createWindowsPnpProbe(
      { root: "/", sources: reader },
      { watch: deviceWatch(reader, fake.notifier) },
    );
    probe.watch();
    await until(() => fake.state.starts === 1, "the notifier to start");
    await new Promise((resolve) => setImmediate(resolve));
    await probe.stop();
  });
});

describe("the Bluetooth registry (a PowerShell run) is reused longer while notifications arrive", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [notifications, registryRuns] of [
    [true, 1],
    [false, 2],
  ] as const) {
    it(`${notifications ? "with" : "without"} notifications: ${registryRuns} registry run${registryRuns > 1 ? "s" : ""} over 5 minutes`, async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const { reader, runs } = liveListing({ text: "[]" });
      const fake = fakeNotifier(notifications ? undefined : "no koffi");
      const probe = createWindowsBluetoothProbe(
        { root: "/", sources: reader },
        { watch: deviceWatch(reader, fake.notifier) },
      );
      probe.on("error", () => {});
      probe.watch();
      await until(() => fake.state.starts === 1, "the notifier to start");
      await new Promise((resolve) => setImmediate(resolve));
      await probe.snapshot();
      vi.setSystemTime(Date.now() + 5 * 60_000);
      await probe.snapshot();
      expect(runs.filter((file) => file === "bluetooth-registry.json")).toHaveLength(registryRuns);
      // The PnP listing keeps its 60 s reuse either way.
      expect(runs.filter((file) => file === "pnp-devices.json")).toHaveLength(2);
      if (notifications) {
        // A pairing's node makes it fresh at once.
        fake.fire(7, instanceEvent("BTHENUM\\Dev_0022A0C4D5E6\\8&2f7d&0&BluetoothDevice_0022A0C4D5E6"));
        await probe.snapshot();
        expect(runs.filter((file) => file === "bluetooth-registry.json")).toHaveLength(2);
      }
      await probe.stop();
    });
  }
});

describe("the daemon rescans on a Windows device notification", () => {
  let dir = "";
  let daemon: RunningDaemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("regression: a stick plugged in waited for the 60 s listing reuse; after a notification it is judged at once", async () => {
    const nodes = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, unknown>[];
    const stick = { ...nodes[2] };
    delete stick.ProblemCode;
    stick.Status = "OK";
    const listing = { text: JSON.stringify(nodes.slice(0, 2)) };
    const { reader, runs } = liveListing(listing);
    const fake = fakeNotifier();
    const watch = deviceWatch(reader, fake.notifier);
    dir = mkdtempSync(join(tmpdir(), "eca-winnotify-"));
    daemon = await startDaemon(
      {
        ...(await loadConfig(undefined)),
        stateDir: join(dir, "state"),
        socketPath: join(dir, "eca.sock"),
        backends: ["windows-pnp"],
        // The poll is an hour away: only the notification can bring the stick in.
        pollIntervalSeconds: 3600,
        heartbeatMinutes: 1440,
      },
      silentLogger,
      {
        openProbes: async (_backends, options) => [
          createWindowsPnpProbe({ ...options, sources: reader }, { watch }),
        ],
      },
    );
    const running = daemon;
    const before = running.status().devices.length;
    await until(() => fake.state.starts === 1, "the notifier to start");
    listing.text = JSON.stringify([...nodes.slice(0, 2), stick]);
    fake.fire(7, instanceEvent(String(stick.InstanceId)));
    await until(() => running.status().devices.length === before + 1, "the stick to be judged");
    expect(running.status().lastScan?.trigger).toBe(
      `windows-pnp: device node ${String(stick.InstanceId)} enumerated`,
    );
    expect(runs.filter((file) => file === "pnp-devices.json")).toHaveLength(2);
    await running.stop();
    daemon = undefined;
    expect(fake.state.stops).toBe(1);
  });
});
