// btsnoop capture files (the format of Android's btsnoop_hci.log and `btmon -w`), modelled on RFC 1761
// snoop: a 16-byte header ("btsnoop\0", version 1, datalink) then records, all big endian.
// Pure: bytes in, records out.

export const BtsnoopDatalink = {
  /** HCI packets without the H4 type byte; the flags tell commands/events from data. */
  hciUnencapsulated: 1001,
  /** HCI packets with the H4 type byte (0x01 command, 0x02 ACL, 0x03 SCO, 0x04 event). */
  hciUart: 1002,
  /** BlueZ's monitor format with an opcode per record (btmon). */
  monitor: 2001,
} as const;

export interface BtsnoopRecord {
  originalLength: number;
  flags: number;
  cumulativeDrops: number;
  /** Microseconds since midnight, January 1st, 0 AD (nominal Gregorian), as in the file. */
  timestampMicros: bigint;
  data: Uint8Array;
}

export interface BtsnoopCapture {
  version: number;
  datalink: number;
  records: BtsnoopRecord[];
  /** Set when the file ends inside a record (a capture cut short); the records before it are kept. */
  truncated: boolean;
}

const magic = [0x62, 0x74, 0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00]; // "btsnoop\0"

export function parseBtsnoop(bytes: Uint8Array): BtsnoopCapture {
  if (bytes.length < 16 || magic.some((byte, index) => bytes[index] !== byte)) {
    throw new Error('not a btsnoop file (missing "btsnoop\\0" header)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8);
  const datalink = view.getUint32(12);
  if (version !== 1) throw new Error(`unsupported btsnoop version ${version}`);
  const records: BtsnoopRecord[] = [];
  let offset = 16;
  let truncated = false;
  while (offset < bytes.length) {
    if (offset + 24 > bytes.length) {
      truncated = true;
      break;
    }
    const originalLength = view.getUint32(offset);
    const includedLength = view.getUint32(offset + 4);
    const flags = view.getUint32(offset + 8);
    const cumulativeDrops = view.getUint32(offset + 12);
    const timestampMicros = view.getBigInt64(offset + 16);
    const start = offset + 24;
    if (start + includedLength > bytes.length) {
      truncated = true;
      break;
    }
    records.push({
      originalLength,
      flags,
      cumulativeDrops,
      timestampMicros,
      data: bytes.slice(start, start + includedLength),
    });
    offset = start + includedLength;
  }
  return { version, datalink, records, truncated };
}

/** The HCI event packets (event code first, no H4 byte) of a capture, in order. */
export function hciEventPackets(capture: BtsnoopCapture): Uint8Array[] {
  const events: Uint8Array[] = [];
  for (const record of capture.records) {
    if (capture.datalink === BtsnoopDatalink.hciUart) {
      if (record.data[0] === 0x04) events.push(record.data.subarray(1));
    } else if (capture.datalink === BtsnoopDatalink.hciUnencapsulated) {
      // flags bit 0: received; bit 1: command or event. Both set: an event.
      if ((record.flags & 0x03) === 0x03) events.push(record.data);
    }
  }
  return events;
}

/** Writes a btsnoop file (H4 datalink), for tests and for exporting what the live probe saw. */
export function writeBtsnoop(
  packets: { data: Uint8Array; received: boolean; timestampMicros?: bigint }[],
): Uint8Array {
  const total = 16 + packets.reduce((sum, packet) => sum + 24 + packet.data.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(magic, 0);
  view.setUint32(8, 1);
  view.setUint32(12, BtsnoopDatalink.hciUart);
  let offset = 16;
  for (const packet of packets) {
    const type = packet.data[0];
    const isCommandOrEvent = type === 0x01 || type === 0x04;
    view.setUint32(offset, packet.data.length);
    view.setUint32(offset + 4, packet.data.length);
    view.setUint32(offset + 8, (packet.received ? 1 : 0) | (isCommandOrEvent ? 2 : 0));
    view.setUint32(offset + 12, 0);
    view.setBigInt64(offset + 16, packet.timestampMicros ?? 0x00dcddb30f2f8000n);
    bytes.set(packet.data, offset + 24);
    offset += 24 + packet.data.length;
  }
  return bytes;
}
