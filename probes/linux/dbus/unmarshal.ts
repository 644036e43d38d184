// Reads D-Bus values from the wire format, in either byte order.

import { alignmentOf, parseSignature, parseSingleType, type TypeNode } from "./signature.ts";
import type { DBusValue } from "./values.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });

export class WireReader {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  /** Offset of byte 0 of the message, so alignment is counted from the message start. */
  private readonly base: number;
  offset: number;
  private readonly littleEndian: boolean;

  constructor(bytes: Uint8Array, littleEndian: boolean, offset = 0, base = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = littleEndian;
    this.offset = offset;
    this.base = base;
  }

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) {
      throw new RangeError(`D-Bus data ends early: need ${count} bytes at offset ${this.offset}`);
    }
  }

  align(alignment: number): void {
    const relative = this.offset - this.base;
    const padding = (alignment - (relative % alignment)) % alignment;
    this.need(padding);
    this.offset += padding;
  }

  uint8(): number {
    this.need(1);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  uint32(): number {
    this.align(4);
    this.need(4);
    const value = this.view.getUint32(this.offset, this.littleEndian);
    this.offset += 4;
    return value;
  }

  private text(length: number): string {
    this.need(length + 1);
    const value = decoder.decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length + 1; // trailing NUL
    return value;
  }

  value(node: TypeNode): DBusValue {
    const little = this.littleEndian;
    switch (node.code) {
      case "y":
        return this.uint8();
      case "b":
        return this.uint32() !== 0;
      case "n": {
        this.align(2);
        this.need(2);
        const value = this.view.getInt16(this.offset, little);
        this.offset += 2;
        return value;
      }
      case "q": {
        this.align(2);
        this.need(2);
        const value = this.view.getUint16(this.offset, little);
        this.offset += 2;
        return value;
      }
      case "i": {
        this.align(4);
        this.need(4);
        const value = this.view.getInt32(this.offset, little);
        this.offset += 4;
        return value;
      }
      case "u":
      case "h":
        return this.uint32();
      case "x": {
        this.align(8);
        this.need(8);
        const value = this.view.getBigInt64(this.offset, little);
        this.offset += 8;
        return value;
      }
      case "t": {
        this.align(8);
        this.need(8);
        const value = this.view.getBigUint64(this.offset, little);
        this.offset += 8;
        return value;
      }
      case "d": {
        this.align(8);
        this.need(8);
        const value = this.view.getFloat64(this.offset, little);
        this.offset += 8;
        return value;
      }
      case "s":
      case "o":
        return this.text(this.uint32());
      case "g":
        return this.text(this.uint8());
      case "v": {
        const signature = this.text(this.uint8());
        return { signature, value: this.value(parseSingleType(signature)) };
      }
      case "(": {
        this.align(8);
        return node.fields.map((field) => this.value(field));
      }
      case "a":
        return this.array(node.element);
      case "{":
        throw new Error("Dict entries only appear inside arrays");
    }
  }

  private array(element: TypeNode): DBusValue {
    const byteLength = this.uint32();
    if (byteLength > 64 * 1024 * 1024) throw new RangeError("Array longer than the 64 MiB the spec allows");
    this.align(alignmentOf(element));
    const end = this.offset + byteLength;
    this.need(byteLength);
    if (element.code === "y") {
      const bytes = this.bytes.slice(this.offset, end);
      this.offset = end;
      return bytes;
    }
    if (element.code === "{") {
      const map = new Map<DBusValue, DBusValue>();
      while (this.offset < end) {
        this.align(8);
        const key = this.value(element.key);
        map.set(key, this.value(element.value));
      }
      return map;
    }
    const items: DBusValue[] = [];
    while (this.offset < end) items.push(this.value(element));
    if (this.offset !== end) throw new RangeError("Array elements overran the array's length");
    return items;
  }
}

/** Unmarshals a body for a signature; `littleEndian` comes from the message's first byte. */
export function unmarshal(signature: string, bytes: Uint8Array, littleEndian = true): DBusValue[] {
  const reader = new WireReader(bytes, littleEndian);
  return parseSignature(signature).map((node) => reader.value(node));
}
