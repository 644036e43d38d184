// Bluetooth devices as BlueZ knows them now, over the D-Bus system bus (org.bluez, ObjectManager on /).

import { Probe, type ProbeOptions } from "../probe.ts";
import type { BluetoothObservation, Snapshot, SourceName } from "../types.ts";
import { systemBusAddress } from "./dbus/address.ts";
import { DBusConnection, DBusError } from "./dbus/connection.ts";
import type { Message } from "./dbus/message.ts";
import { type DBusValue, unwrapVariant } from "./dbus/values.ts";

/** A scan must not stall on a hung bus: connect+auth+Hello and the call each get this long. */
export const connectTimeoutMs = 60;
export const callTimeoutMs = 90;
/** How long watch() waits before trying the bus again after it failed or went away. */
const rewatchDelayMs = 30_000;
/**
 * While the watch connection is up and no relevant signal arrived, a snapshot answers from the last
 * GetManagedObjects reply; it is read again at least this often anyway, so polling stays a safety
 * net against a signal that was missed (a bus that dropped it, a BlueZ that did not send it).
 */
export const defaultRefreshIntervalMs = 30_000;

const deviceInterface = "org.bluez.Device1";

const matchRules = [
  "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
  "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'",
  "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path_namespace='/org/bluez'",
  // BlueZ starting or stopping changes what a scan sees.
  "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.bluez'",
];

/** Properties that matter for classification; RSSI and the like change constantly and are ignored. */
const relevantProperties = new Set([
  "Address",
  "AddressType",
  "Name",
  "Alias",
  "Class",
  "Appearance",
  "UUIDs",
  "Paired",
  "Bonded",
  "Connected",
  "Trusted",
  "Modalias",
]);
/** Properties an observation is built from (observationFromDevice1): a change to one invalidates the cache. */
const observedProperties = new Set([...relevantProperties, "Adapter"]);

type Properties = Map<DBusValue, DBusValue>;

/** Turns one object's org.bluez.Device1 properties into an observation; undefined without an address. */
export function observationFromDevice1(
  path: string,
  properties: Properties,
  source: SourceName = "bluez-dbus",
): BluetoothObservation | undefined {
  const get = (name: string) => unwrapVariant(properties.get(name));
  const text = (name: string) => {
    const value = get(name);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const flag = (name: string) => get(name) === true;
  const warnings: string[] = [];

  const rawAddress = text("Address");
  if (!rawAddress) return undefined;
  const address = rawAddress.toUpperCase();
  if (!/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/.test(address))
    warnings.push(`Address "${rawAddress}" is not a BD_ADDR`);

  const observation: BluetoothObservation = {
    bus: "bluetooth",
    source,
    id: `bt:${address}`,
    address,
    uuids: [],
    paired: flag("Paired"),
    // Bonded exists since BlueZ 5.73; before that a paired BR/EDR device is bonded in practice,
    // but we only claim what BlueZ says (the store probe fills this from link keys).
    bonded: flag("Bonded"),
    connected: flag("Connected"),
  };

  const addressType = text("AddressType");
  if (addressType === "public" || addressType === "random") observation.addressType = addressType;
  const adapter = text("Adapter");
  if (adapter) observation.adapter = adapter.split("/").pop() ?? adapter;
  const name = text("Name");
  if (name) observation.name = name;
  const alias = text("Alias");
  if (alias) observation.alias = alias;

  const classOfDevice = get("Class");
  if (typeof classOfDevice === "number" && classOfDevice !== 0)
    observation.classOfDevice = classOfDevice & 0xffffff;
  const appearance = get("Appearance");
  if (typeof appearance === "number" && appearance !== 0) observation.appearance = appearance & 0xffff;

  const uuids = get("UUIDs");
  if (Array.isArray(uuids)) {
    for (const uuid of uuids) {
      if (typeof uuid === "string") observation.uuids.push(uuid.toLowerCase());
      else warnings.push("UUIDs holds a value that is not a string");
    }
  } else if (uuids !== undefined) {
    warnings.push("UUIDs is not an array of strings");
  }

  const trusted = get("Trusted");
  if (typeof trusted === "boolean") observation.trusted = trusted;
  const modalias = text("Modalias");
  if (modalias) observation.modalias = modalias;

  if (warnings.length > 0) observation.warnings = warnings.map((warning) => `${path}: ${warning}`);
  return observation;
}

/** Every Device1 in a GetManagedObjects reply (a{oa{sa{sv}}}). */
export function observationsFromManagedObjects(objects: DBusValue | undefined): BluetoothObservation[] {
  if (!(objects instanceof Map)) return [];
  const observations: BluetoothObservation[] = [];
  for (const [path, interfaces] of objects) {
    if (!(interfaces instanceof Map)) continue;
    const device = interfaces.get(deviceInterface);
    if (!(device instanceof Map)) continue;
    const observation = observationFromDevice1(String(path), device);
    if (observation) observations.push(observation);
  }
  return observations;
}

function describeFailure(error: unknown, address: string): string {
  if (error instanceof DBusError) {
    if (
      error.errorName === "org.freedesktop.DBus.Error.ServiceUnknown" ||
      error.errorName.endsWith("NameHasNoOwner")
    ) {
      return "BlueZ (org.bluez) is not running on the system bus";
    }
    if (error.errorName === "org.freedesktop.DBus.Error.AccessDenied") {
      return `the system bus denied access to BlueZ: ${error.message}`;
    }
    return `BlueZ answered with an error: ${error.message}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `system bus not reachable at ${address}: ${message}`;
}

/**
 * True when BlueZ is simply not there: no org.bluez on the system bus, or no system bus socket at
 * all (BlueZ cannot run without one). That is a complete answer, "no Bluetooth", not a failure.
 */
function bluezAbsent(error: unknown): boolean {
  if (error instanceof DBusError) {
    return (
      error.errorName === "org.freedesktop.DBus.Error.ServiceUnknown" ||
      error.errorName.endsWith("NameHasNoOwner")
    );
  }
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

export interface BluezDbusTuning {
  /** The longest a snapshot answers from the last reply without reading it again. Default 30 s. */
  refreshIntervalMs?: number;
}

/** The last decoded GetManagedObjects reply, and what it is only good for. */
interface CachedReply {
  /** Read on this watch connection, with every match rule in place before the call went out. */
  connection: DBusConnection;
  /** `signals` when the call went out: any relevant signal since then makes the reply stale. */
  signals: number;
  /** Date.now() and monotonic milliseconds when the call went out. */
  wallAt: number;
  monotonicAt: number;
  observations: BluetoothObservation[];
}

const monotonicMs = () => Number(process.hrtime.bigint() / 1_000_000n);

class BluezDbusProbe extends Probe {
  readonly name = "bluez-dbus" as const;
  private readonly address: string;
  private readonly refreshIntervalMs: number;
  private watchConnection: DBusConnection | undefined;
  /** The watch connection once all its match rules were acknowledged: only then can a reply be kept. */
  private subscribedConnection: DBusConnection | undefined;
  /** Relevant signals seen so far (a counter, not a flag, so a signal during a call is not lost). */
  private signals = 0;
  private cached: CachedReply | undefined;
  private watching = false;
  private rewatchTimer: NodeJS.Timeout | undefined;

  constructor(options: ProbeOptions, tuning: BluezDbusTuning = {}) {
    super();
    this.address = systemBusAddress(options.systemBusAddress);
    this.refreshIntervalMs = tuning.refreshIntervalMs ?? defaultRefreshIntervalMs;
  }

  async snapshot(): Promise<Snapshot> {
    const shared = this.watchConnection && !this.watchConnection.isClosed ? this.watchConnection : undefined;
    const fresh = this.freshCache(shared);
    if (fresh) return { observations: fresh.observations.map(copyObservation), unavailable: [] };
    this.cached = undefined;
    // Only a reply read on a fully subscribed watch connection can be kept: then any change after
    // the call went out arrives as a signal (the bus keeps a connection's messages in order).
    const cacheable = shared !== undefined && shared === this.subscribedConnection;
    const signals = this.signals;
    const wallAt = Date.now();
    const monotonicAt = monotonicMs();
    let connection = shared;
    try {
      connection ??= await DBusConnection.connect(this.address, { timeoutMs: connectTimeoutMs });
      const reply = await connection.call({
        destination: "org.bluez",
        path: "/",
        interface: "org.freedesktop.DBus.ObjectManager",
        member: "GetManagedObjects",
        timeoutMs: callTimeoutMs,
        noAutoStart: true,
      });
      const observations = observationsFromManagedObjects(reply.body[0]);
      if (cacheable && shared && !shared.isClosed && this.signals === signals) {
        this.cached = { connection: shared, signals, wallAt, monotonicAt, observations };
        return { observations: observations.map(copyObservation), unavailable: [] };
      }
      return { observations, unavailable: [] };
    } catch (error) {
      const reason = describeFailure(error, this.address);
      return {
        observations: [],
        unavailable: [
          bluezAbsent(error) ? { source: this.name, reason, absent: true } : { source: this.name, reason },
        ],
      };
    } finally {
      if (connection && connection !== shared) connection.close();
    }
  }

  /** The last reply, if it still stands: same healthy connection, no signal since, not too old. */
  private freshCache(shared: DBusConnection | undefined): CachedReply | undefined {
    const cached = this.cached;
    if (!cached || !shared || cached.connection !== shared || shared !== this.subscribedConnection) return;
    if (cached.signals !== this.signals) return;
    // Monotonic time for the interval; the wall clock as well, because the monotonic clock stands
    // still while the laptop sleeps, and a clock set back counts as "too old" too.
    const wallAge = Date.now() - cached.wallAt;
    const monotonicAge = monotonicMs() - cached.monotonicAt;
    if (wallAge < 0 || wallAge >= this.refreshIntervalMs || monotonicAge >= this.refreshIntervalMs) return;
    return cached;
  }

  override watch(): void {
    if (this.watching) return;
    this.watching = true;
    void this.subscribe();
  }

  private async subscribe(): Promise<void> {
    if (!this.watching) return;
    try {
      const connection = await DBusConnection.connect(this.address, { timeoutMs: 2_000 });
      if (!this.watching) {
        connection.close();
        return;
      }
      this.watchConnection = connection;
      connection.on("signal", (message) => this.onSignal(message));
      connection.on("close", () => {
        if (this.watchConnection === connection) this.watchConnection = undefined;
        if (this.subscribedConnection === connection) this.subscribedConnection = undefined;
        this.cached = undefined;
        this.scheduleResubscribe();
      });
      for (const rule of matchRules) await connection.addMatch(rule, 2_000);
      if (this.watchConnection === connection && !connection.isClosed) this.subscribedConnection = connection;
    } catch (error) {
      this.reportError(error);
      this.watchConnection?.close();
      this.scheduleResubscribe();
    }
  }

  private scheduleResubscribe(): void {
    if (!this.watching || this.rewatchTimer) return;
    this.rewatchTimer = setTimeout(() => {
      this.rewatchTimer = undefined;
      void this.subscribe();
    }, rewatchDelayMs);
    this.rewatchTimer.unref();
  }

  private onSignal(message: Message): void {
    if (invalidates(message)) this.signals++;
    switch (message.member) {
      case "InterfacesAdded":
      case "InterfacesRemoved":
        this.emit("change", `bluez-dbus: ${message.member} ${String(message.body[0] ?? "")}`);
        return;
      case "PropertiesChanged": {
        if (message.body[0] !== deviceInterface) return;
        const changed = message.body[1] instanceof Map ? [...message.body[1].keys()].map(String) : [];
        const invalidated = Array.isArray(message.body[2]) ? message.body[2].map(String) : [];
        const relevant = [...changed, ...invalidated].filter((name) => relevantProperties.has(name));
        if (relevant.length > 0) {
          this.emit("change", `bluez-dbus: ${message.path ?? "device"} changed ${relevant.join(", ")}`);
        }
        return;
      }
      case "NameOwnerChanged":
        this.emit("change", `bluez-dbus: org.bluez ${message.body[2] ? "appeared" : "went away"}`);
        return;
      default:
        return;
    }
  }

  private reportError(error: unknown): void {
    // An EventEmitter throws on an unheard "error"; watching is best effort.
    if (this.listenerCount("error") > 0) {
      this.emit("error", new Error(`bluez-dbus watch: ${describeFailure(error, this.address)}`));
    }
  }

  override async stop(): Promise<void> {
    this.watching = false;
    if (this.rewatchTimer) clearTimeout(this.rewatchTimer);
    this.rewatchTimer = undefined;
    this.watchConnection?.close();
    this.watchConnection = undefined;
    this.subscribedConnection = undefined;
    this.cached = undefined;
  }
}

/** Whether a signal may change what GetManagedObjects would say about devices. */
function invalidates(message: Message): boolean {
  if (message.member !== "PropertiesChanged") return true; // InterfacesAdded/Removed, NameOwnerChanged
  if (message.body[0] !== deviceInterface) return false;
  const changed = message.body[1] instanceof Map ? [...message.body[1].keys()] : [];
  const invalidated = Array.isArray(message.body[2]) ? message.body[2] : [];
  return [...changed, ...invalidated].some((name) => observedProperties.has(String(name)));
}

/** A copy the caller may change without changing the cached reply. */
function copyObservation(observation: BluetoothObservation): BluetoothObservation {
  const copy: BluetoothObservation = { ...observation, uuids: [...observation.uuids] };
  if (observation.warnings) copy.warnings = [...observation.warnings];
  return copy;
}

export function createBluezDbusProbe(options: ProbeOptions, tuning?: BluezDbusTuning): Probe {
  return new BluezDbusProbe(options, tuning);
}
