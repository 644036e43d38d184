// The BlueZ D-Bus objects in a capture folder: `bluez-objects.json`, the GetManagedObjects reply
// (a{oa{sa{sv}}}) as plain JSON: { "<object path>": { "<interface>": { "<property>": value } } }.
// Variants are unwrapped, dictionaries become objects, byte arrays lists of numbers, 64-bit
// integers numbers (strings beyond 2^53). That keeps every property observationFromDevice1 reads.
// In replay the bluez-dbus probe reads this file instead of the bus (probes/linux/bluez-dbus.ts).

import { systemBusAddress } from "../linux/dbus/address.ts";
import { DBusConnection } from "../linux/dbus/connection.ts";
import { type DBusValue, isVariant } from "../linux/dbus/values.ts";
import type { CommandSource } from "./sources.ts";

/** Where the bluez-dbus probe finds its objects in a capture folder. Read only from captures. */
export const BLUEZ_OBJECTS_SOURCE: CommandSource = {
  file: "bluez-objects.json",
  command: [],
  timeoutMs: 2_000,
  maxBytes: 8 * 1024 * 1024,
};

/** How the manifest names this source (it is a D-Bus call, not a command). */
export const BLUEZ_OBJECTS_ORIGIN =
  "D-Bus system bus: org.bluez / org.freedesktop.DBus.ObjectManager.GetManagedObjects";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function toJson(value: DBusValue): Json {
  if (isVariant(value)) return toJson(value.value);
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Map) {
    const object: { [key: string]: Json } = {};
    for (const [key, item] of value) object[String(key)] = toJson(item);
    return object;
  }
  return value;
}

/** A GetManagedObjects reply body[0] as the JSON text written to bluez-objects.json. */
export function managedObjectsToJson(objects: DBusValue | undefined): string {
  return `${JSON.stringify(objects === undefined ? {} : toJson(objects), null, 2)}\n`;
}

function fromJson(value: Json): DBusValue | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(fromJson).filter((item) => item !== undefined);
  if (typeof value === "object") {
    const map = new Map<DBusValue, DBusValue>();
    for (const [key, item] of Object.entries(value)) {
      const converted = fromJson(item);
      if (converted !== undefined) map.set(key, converted);
    }
    return map;
  }
  return value;
}

/**
 * bluez-objects.json back into the shape observationsFromManagedObjects reads (Maps of Maps).
 * Throws with the reason when the text is not JSON or not an object of objects.
 */
export function managedObjectsFromJson(text: string): Map<DBusValue, DBusValue> {
  const parsed = JSON.parse(text) as Json;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("expected an object keyed by D-Bus object path");
  }
  return fromJson(parsed) as Map<DBusValue, DBusValue>;
}

/** Asks BlueZ for its objects once (for `eca capture`); the JSON text or why it could not. */
export async function readBluezObjects(
  address?: string,
): Promise<{ text: string; durationMs: number } | { error: string; durationMs: number }> {
  const began = process.hrtime.bigint();
  const elapsed = () => Math.round(Number(process.hrtime.bigint() - began) / 1e5) / 10;
  let connection: DBusConnection | undefined;
  try {
    connection = await DBusConnection.connect(systemBusAddress(address), { timeoutMs: 1_000 });
    const reply = await connection.call({
      destination: "org.bluez",
      path: "/",
      interface: "org.freedesktop.DBus.ObjectManager",
      member: "GetManagedObjects",
      timeoutMs: 2_000,
      noAutoStart: true,
    });
    return { text: managedObjectsToJson(reply.body[0]), durationMs: elapsed() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), durationMs: elapsed() };
  } finally {
    connection?.close();
  }
}
