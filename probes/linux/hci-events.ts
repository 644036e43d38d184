// HCI event packets (Bluetooth Core Specification, Vol 4 Part E, section 7.7), parsed into the facts
// eca cares about: who connected, with what Class of Device, and whether a bond was created.
// Pure: bytes in, objects out; short or odd packets give { type: "malformed" }, never an exception.

export type HciEvent =
  | { type: "connection-request"; address: string; classOfDevice: number; linkType: number }
  | {
      type: "connection-complete";
      status: number;
      handle: number;
      address: string;
      linkType: number;
      encrypted: boolean;
    }
  | { type: "disconnection-complete"; status: number; handle: number; reason: number }
  | { type: "remote-name"; status: number; address: string; name: string }
  | { type: "link-key-notification"; address: string; keyType: number }
  | { type: "simple-pairing-complete"; status: number; address: string }
  | {
      type: "le-connection-complete";
      status: number;
      handle: number;
      role: number;
      addressType: "public" | "random";
      address: string;
    }
  | { type: "other"; code: number }
  | { type: "malformed"; code: number; reason: string };

export const HciEventCode = {
  connectionComplete: 0x03,
  connectionRequest: 0x04,
  disconnectionComplete: 0x05,
  remoteNameRequestComplete: 0x07,
  linkKeyNotification: 0x18,
  simplePairingComplete: 0x36,
  leMeta: 0x3e,
} as const;

const leConnectionComplete = 0x01;
const leEnhancedConnectionComplete = 0x0a;

/** A BD_ADDR as sent on the wire (least significant byte first) in the usual "AA:BB:..." form. */
export function readAddress(bytes: Uint8Array, offset: number): string {
  const parts: string[] = [];
  for (let index = 5; index >= 0; index--) {
    parts.push((bytes[offset + index] ?? 0).toString(16).toUpperCase().padStart(2, "0"));
  }
  return parts.join(":");
}

/** Parses one event: [event code, parameter length, parameters...] (no H4 packet-type byte). */
export function parseHciEvent(packet: Uint8Array): HciEvent {
  const code = packet[0] ?? 0;
  const length = packet[1];
  if (packet.length < 2 || length === undefined)
    return { type: "malformed", code, reason: "shorter than an event header" };
  if (packet.length < 2 + length)
    return { type: "malformed", code, reason: `parameters truncated (${packet.length - 2} of ${length})` };
  const p = packet.subarray(2, 2 + length);
  const u8 = (offset: number) => p[offset] ?? 0;
  const u16 = (offset: number) => u8(offset) | (u8(offset + 1) << 8);
  const need = (count: number): HciEvent | undefined =>
    length < count
      ? { type: "malformed", code, reason: `expected ${count} parameter bytes, got ${length}` }
      : undefined;

  switch (code) {
    case HciEventCode.connectionRequest:
      return (
        need(10) ?? {
          type: "connection-request",
          address: readAddress(p, 0),
          classOfDevice: u8(6) | (u8(7) << 8) | (u8(8) << 16),
          linkType: u8(9),
        }
      );
    case HciEventCode.connectionComplete:
      return (
        need(11) ?? {
          type: "connection-complete",
          status: u8(0),
          handle: u16(1) & 0x0fff,
          address: readAddress(p, 3),
          linkType: u8(9),
          encrypted: u8(10) !== 0,
        }
      );
    case HciEventCode.disconnectionComplete:
      return (
        need(4) ?? { type: "disconnection-complete", status: u8(0), handle: u16(1) & 0x0fff, reason: u8(3) }
      );
    case HciEventCode.remoteNameRequestComplete: {
      const short = need(7);
      if (short) return short;
      const nameBytes = p.subarray(7, Math.min(length, 7 + 248));
      const end = nameBytes.indexOf(0);
      const name = new TextDecoder().decode(end < 0 ? nameBytes : nameBytes.subarray(0, end));
      return { type: "remote-name", status: u8(0), address: readAddress(p, 1), name };
    }
    case HciEventCode.linkKeyNotification:
      // The key itself (bytes 6-21) is deliberately not kept.
      return need(23) ?? { type: "link-key-notification", address: readAddress(p, 0), keyType: u8(22) };
    case HciEventCode.simplePairingComplete:
      return need(7) ?? { type: "simple-pairing-complete", status: u8(0), address: readAddress(p, 1) };
    case HciEventCode.leMeta: {
      const subevent = u8(0);
      if (subevent === leConnectionComplete || subevent === leEnhancedConnectionComplete) {
        return (
          need(12) ?? {
            type: "le-connection-complete",
            status: u8(1),
            handle: u16(2) & 0x0fff,
            role: u8(4),
            // Peer_Address_Type: 0 public, 1 random, 2/3 resolved identity (public/random) in the enhanced event.
            addressType: u8(5) === 0 || u8(5) === 2 ? "public" : "random",
            address: readAddress(p, 6),
          }
        );
      }
      return { type: "other", code };
    }
    default:
      return { type: "other", code };
  }
}
