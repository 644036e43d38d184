// D-Bus messages: the fixed header, the header fields and the body, per the spec's "Message Format".

import { WireWriter } from "./marshal.ts";
import { parseSignature } from "./signature.ts";
import { WireReader } from "./unmarshal.ts";
import type { DBusValue, Variant } from "./values.ts";

export const MessageType = {
  methodCall: 1,
  methodReturn: 2,
  error: 3,
  signal: 4,
} as const;

export const MessageFlag = {
  noReplyExpected: 0x1,
  noAutoStart: 0x2,
} as const;

const HeaderField = {
  path: 1,
  interface: 2,
  member: 3,
  errorName: 4,
  replySerial: 5,
  destination: 6,
  sender: 7,
  signature: 8,
  unixFds: 9,
} as const;

export interface Message {
  type: number;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature?: string;
  body: DBusValue[];
}

/** Encodes a message in little-endian byte order. */
export function encodeMessage(message: Message): Uint8Array {
  const signature = message.signature ?? "";
  const bodyWriter = new WireWriter();
  const types = parseSignature(signature);
  if (types.length !== message.body.length) {
    throw new Error(`Signature "${signature}" does not match ${message.body.length} body values`);
  }
  types.forEach((node, index) => {
    bodyWriter.value(node, message.body[index] as DBusValue);
  });
  const body = bodyWriter.result();

  const fields: [number, Variant][] = [];
  if (message.path !== undefined) fields.push([HeaderField.path, { signature: "o", value: message.path }]);
  if (message.interface !== undefined)
    fields.push([HeaderField.interface, { signature: "s", value: message.interface }]);
  if (message.member !== undefined)
    fields.push([HeaderField.member, { signature: "s", value: message.member }]);
  if (message.errorName !== undefined)
    fields.push([HeaderField.errorName, { signature: "s", value: message.errorName }]);
  if (message.replySerial !== undefined)
    fields.push([HeaderField.replySerial, { signature: "u", value: message.replySerial }]);
  if (message.destination !== undefined)
    fields.push([HeaderField.destination, { signature: "s", value: message.destination }]);
  if (message.sender !== undefined)
    fields.push([HeaderField.sender, { signature: "s", value: message.sender }]);
  if (signature !== "") fields.push([HeaderField.signature, { signature: "g", value: signature }]);

  const writer = new WireWriter();
  writer.byte("l".charCodeAt(0));
  writer.byte(message.type);
  writer.byte(message.flags);
  writer.byte(1); // protocol version
  writer.fixed("u", body.length);
  writer.fixed("u", message.serial);
  writer.value({ code: "a", element: { code: "(", fields: [{ code: "y" }, { code: "v" }] } }, fields);
  writer.align(8);
  writer.raw(body);
  return writer.result();
}

/**
 * The total length of the message at the start of `buffer`, or undefined until its fixed part
 * (16 bytes) has arrived.
 */
export function messageLength(buffer: Uint8Array): number | undefined {
  if (buffer.length < 16) return undefined;
  const littleEndian = endianOf(buffer[0]);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const bodyLength = view.getUint32(4, littleEndian);
  const fieldsLength = view.getUint32(12, littleEndian);
  const headerLength = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8);
  return headerLength + bodyLength;
}

function endianOf(marker: number | undefined): boolean {
  if (marker === 0x6c) return true; // 'l'
  if (marker === 0x42) return false; // 'B'
  throw new Error(`Bad D-Bus endianness marker 0x${(marker ?? 0).toString(16)}`);
}

/** Decodes one complete message (as delimited by `messageLength`). */
export function decodeMessage(bytes: Uint8Array): Message {
  const littleEndian = endianOf(bytes[0]);
  const reader = new WireReader(bytes, littleEndian, 1);
  const type = reader.uint8();
  const flags = reader.uint8();
  const version = reader.uint8();
  if (version !== 1) throw new Error(`Unsupported D-Bus protocol version ${version}`);
  const bodyLength = reader.uint32();
  const serial = reader.uint32();
  const fields = reader.value({
    code: "a",
    element: { code: "(", fields: [{ code: "y" }, { code: "v" }] },
  }) as [number, Variant][];
  reader.align(8);

  const message: Message = { type, flags, serial, body: [] };
  for (const [code, { value }] of fields) {
    switch (code) {
      case HeaderField.path:
        message.path = value as string;
        break;
      case HeaderField.interface:
        message.interface = value as string;
        break;
      case HeaderField.member:
        message.member = value as string;
        break;
      case HeaderField.errorName:
        message.errorName = value as string;
        break;
      case HeaderField.replySerial:
        message.replySerial = value as number;
        break;
      case HeaderField.destination:
        message.destination = value as string;
        break;
      case HeaderField.sender:
        message.sender = value as string;
        break;
      case HeaderField.signature:
        message.signature = value as string;
        break;
      default:
        break; // unknown fields must be ignored, says the spec
    }
  }
  const bodyStart = reader.offset;
  if (bodyStart + bodyLength > bytes.length) throw new RangeError("D-Bus message body is truncated");
  if (message.signature) {
    const bodyReader = new WireReader(bytes.subarray(0, bodyStart + bodyLength), littleEndian, bodyStart);
    message.body = parseSignature(message.signature).map((node) => bodyReader.value(node));
  }
  return message;
}
