// Writes D-Bus values in the wire format (little endian, which is what we send).

import { alignmentOf, parseSignature, parseSingleType, type TypeNode } from "./signature.ts";
import { type DBusValue, isVariant } from "./values.ts";

const encoder = new TextEncoder();

/** A growable little-endian buffer; offsets are relative to `base` so bodies align like whole messages. */
export class WireWriter {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  align(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    this.reserve(padding);
    this.bytes.fill(0, this.length, this.length + padding);
    this.length += padding;
  }

  byte(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  uint32At(offset: number, value: number): void {
    this.view.setUint32(offset, value, true);
  }

  fixed(code: string, value: DBusValue): void {
    switch (code) {
      case "y":
        this.byte(checkInteger(value, 0, 0xff, code));
        return;
      case "b":
        this.align(4);
        this.reserve(4);
        if (typeof value !== "boolean") throw new TypeError(`Expected boolean for "b", got ${typeof value}`);
        this.view.setUint32(this.length, value ? 1 : 0, true);
        this.length += 4;
        return;
      case "n":
        this.align(2);
        this.reserve(2);
        this.view.setInt16(this.length, checkInteger(value, -0x8000, 0x7fff, code), true);
        this.length += 2;
        return;
      case "q":
        this.align(2);
        this.reserve(2);
        this.view.setUint16(this.length, checkInteger(value, 0, 0xffff, code), true);
        this.length += 2;
        return;
      case "i":
        this.align(4);
        this.reserve(4);
        this.view.setInt32(this.length, checkInteger(value, -0x80000000, 0x7fffffff, code), true);
        this.length += 4;
        return;
      case "u":
      case "h":
        this.align(4);
        this.reserve(4);
        this.view.setUint32(this.length, checkInteger(value, 0, 0xffffffff, code), true);
        this.length += 4;
        return;
      case "x":
        this.align(8);
        this.reserve(8);
        this.view.setBigInt64(this.length, BigInt(value as bigint | number), true);
        this.length += 8;
        return;
      case "t":
        this.align(8);
        this.reserve(8);
        this.view.setBigUint64(this.length, BigInt(value as bigint | number), true);
        this.length += 8;
        return;
      case "d":
        this.align(8);
        this.reserve(8);
        if (typeof value !== "number") throw new TypeError(`Expected number for "d", got ${typeof value}`);
        this.view.setFloat64(this.length, value, true);
        this.length += 8;
        return;
      default:
        throw new Error(`Not a fixed type: "${code}"`);
    }
  }

  string(value: DBusValue): void {
    if (typeof value !== "string") throw new TypeError(`Expected string, got ${typeof value}`);
    const utf8 = encoder.encode(value);
    this.align(4);
    this.reserve(4);
    this.view.setUint32(this.length, utf8.length, true);
    this.length += 4;
    this.raw(utf8);
    this.byte(0);
  }

  signature(value: DBusValue): void {
    if (typeof value !== "string") throw new TypeError(`Expected signature string, got ${typeof value}`);
    const ascii = encoder.encode(value);
    if (ascii.length > 255) throw new Error("Signature longer than 255 bytes");
    this.byte(ascii.length);
    this.raw(ascii);
    this.byte(0);
  }

  value(node: TypeNode, value: DBusValue): void {
    switch (node.code) {
      case "s":
      case "o":
        this.string(value);
        return;
      case "g":
        this.signature(value);
        return;
      case "v": {
        if (!isVariant(value)) throw new TypeError('Expected a Variant { signature, value } for "v"');
        this.signature(value.signature);
        this.value(parseSingleType(value.signature), value.value);
        return;
      }
      case "a":
        this.array(node.element, value);
        return;
      case "(": {
        if (!Array.isArray(value) || value.length !== node.fields.length) {
          throw new TypeError(`Expected a struct of ${node.fields.length} fields`);
        }
        this.align(8);
        node.fields.forEach((field, index) => {
          this.value(field, value[index] as DBusValue);
        });
        return;
      }
      case "{":
        throw new Error("Dict entries only appear inside arrays");
      default:
        this.fixed(node.code, value);
    }
  }

  private array(element: TypeNode, value: DBusValue): void {
    this.align(4);
    const lengthOffset = this.length;
    this.fixed("u", 0);
    // Padding to the element's alignment comes after the length and is not counted in it.
    this.align(alignmentOf(element));
    const start = this.length;
    if (element.code === "{") {
      const entries = value instanceof Map ? [...value.entries()] : dictEntries(value);
      for (const [key, item] of entries) {
        this.align(8);
        this.value(element.key, key);
        this.value(element.value, item);
      }
    } else if (value instanceof Uint8Array) {
      if (element.code !== "y") throw new TypeError('A Uint8Array only marshals as "ay"');
      this.raw(value);
    } else if (Array.isArray(value)) {
      for (const item of value) this.value(element, item);
    } else {
      throw new TypeError(`Expected an array for "a${element.code}"`);
    }
    const byteLength = this.length - start;
    if (byteLength > 64 * 1024 * 1024) throw new Error("Array longer than the 64 MiB the spec allows");
    this.uint32At(lengthOffset, byteLength);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function dictEntries(value: DBusValue): [DBusValue, DBusValue][] {
  if (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  ) {
    return Object.entries(value as unknown as Record<string, DBusValue>);
  }
  throw new TypeError("Expected a Map or a plain object for a dict");
}

function checkInteger(value: DBusValue, min: number, max: number, code: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Value ${String(value)} does not fit D-Bus type "${code}"`);
  }
  return value;
}

/** Marshals values for a signature, aligned as if starting at an 8-aligned message offset. */
export function marshal(signature: string, values: DBusValue[]): Uint8Array {
  const types = parseSignature(signature);
  if (types.length !== values.length) {
    throw new Error(
      `Signature "${signature}" has ${types.length} types but ${values.length} values were given`,
    );
  }
  const writer = new WireWriter();
  types.forEach((node, index) => {
    writer.value(node, values[index] as DBusValue);
  });
  return writer.result();
}
