// How D-Bus values look in JavaScript, both when read and when written.
//
// y n q i u d -> number, x t -> bigint, b -> boolean, s o g -> string, ay -> Uint8Array,
// other arrays -> arrays, structs -> arrays of fields, dicts -> Map, variants -> Variant.

export interface Variant {
  signature: string;
  value: DBusValue;
}

export type DBusValue =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | Variant
  | DBusValue[]
  | Map<DBusValue, DBusValue>;

export function variant(signature: string, value: DBusValue): Variant {
  return { signature, value };
}

export function isVariant(value: unknown): value is Variant {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Map) &&
    !(value instanceof Uint8Array) &&
    typeof (value as Variant).signature === "string" &&
    "value" in value
  );
}

/** Strips nested variants, so a property read as `v` gives its plain value. */
export function unwrapVariant(value: DBusValue | undefined): DBusValue | undefined {
  let current = value;
  while (isVariant(current)) current = current.value;
  return current;
}
