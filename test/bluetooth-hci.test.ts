// HCI event and btsnoop parsers on real HCI traffic published as text (see test/fixtures/bluetooth/README.md).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyBluetooth } from "../probes/classify/bluetooth.ts";
import { hciEventPackets, parseBtsnoop, writeBtsnoop } from "../probes/linux/btsnoop.ts";
import { hciEventFilter } from "../probes/linux/hci.ts";
import { parseHciEvent } from "../probes/linux/hci-events.ts";
import { HciTracker } from "../probes/linux/hci-tracker.ts";
import type { BluetoothObservation } from "../probes/types.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/bluetooth/hci/${name}`, import.meta.url), "utf8");

/** Events of `hcidump -X` output: "> HCI Event: ... (0xNN) plen N" then "  0000: xx xx ..." lines. */
function eventsFromHcidumpHex(text: string): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let current: number[] | undefined;
  for (const line of text.split("\n")) {
    const header = /^> HCI Event: .*\(0x([0-9a-f]{2})\) plen (\d+)/.exec(line);
    if (header) {
      current = [Number.parseInt(header[1] as string, 16), Number(header[2])];
      packets.push(Uint8Array.from(current)); // replaced once the bytes are in
      continue;
    }
    const hex = /^ {2}[0-9a-f]{4}: ((?:[0-9a-f]{2} {1,2})*[0-9a-f]{2})/.exec(line);
    if (hex && current) {
      current.push(
        ...(hex[1] as string)
          .trim()
          .split(/\s+/)
          .map((byte) => Number.parseInt(byte, 16)),
      );
      packets[packets.length - 1] = Uint8Array.from(current);
      continue;
    }
    if (/^[<>]/.test(line)) current = undefined;
  }
  return packets;
}

const le = (address: string) =>
  address
    .split(":")
    .reverse()
    .map((byte) => Number.parseInt(byte, 16));

/** Event bytes rebuilt from decoded hcidump fields, per Core Spec Vol 4 Part E 7.7. */
function event(code: number, parameters: number[]): Uint8Array {
  return Uint8Array.from([code, parameters.length, ...parameters]);
}

describe("parseHciEvent on raw hcidump -X bytes", () => {
  const packets = eventsFromHcidumpHex(fixture("hcidump-x-pan-connect.txt"));
  const events = packets.map(parseHciEvent);

  it("reads every event header with its full parameters", () => {
    for (const packet of packets) expect(packet.length).toBe(2 + (packet[1] as number));
  });
  it("parses Connect Request, Connect Complete, Remote Name and Disconnection Complete", () => {
    const interesting = events.filter((e) => e.type !== "other");
    expect(interesting).toEqual([
      { type: "connection-request", address: "00:60:57:0A:01:EE", classOfDevice: 0x0a010c, linkType: 1 },
      {
        type: "connection-complete",
        status: 0,
        handle: 11,
        address: "00:60:57:0A:01:EE",
        linkType: 1,
        encrypted: false,
      },
      { type: "remote-name", status: 0, address: "00:60:57:0A:01:EE", name: "bt-0" },
      { type: "disconnection-complete", status: 0, handle: 11, reason: 0x13 },
    ]);
  });
  it("flags truncated packets instead of throwing", () => {
    expect(parseHciEvent(Uint8Array.of(0x04, 10, 1, 2))).toMatchObject({ type: "malformed" });
    expect(parseHciEvent(Uint8Array.of(0x18, 2, 0, 0))).toMatchObject({ type: "malformed", code: 0x18 });
    expect(parseHciEvent(Uint8Array.of())).toMatchObject({ type: "malformed" });
  });
});

describe("parseHciEvent on events rebuilt from decoded captures", () => {
  const mouse = le("7C:1E:52:6A:72:50");
  const key = [
    0xb0, 0xd2, 0x55, 0x50, 0xfd, 0xf2, 0x74, 0xe6, 0xbd, 0x88, 0x26, 0x1f, 0xf5, 0x27, 0xc7, 0xb3,
  ];
  const name = [...new TextEncoder().encode("Microsoft Sculpt Touch Mouse")];
  const packets = [
    event(0x03, [0x00, 11, 0, ...mouse, 0x01, 0x00]),
    event(0x07, [0x00, ...mouse, ...name, ...new Array(248 - name.length).fill(0)]),
    event(0x36, [0x00, ...mouse]),
    event(0x18, [...mouse, ...key, 0x04]),
    event(0x05, [0x00, 11, 0, 0x16]),
    event(0x04, [...le("BC:72:B1:61:82:F3"), 0x0c, 0x02, 0x5a, 0x01]),
    event(0x04, [...le("8C:3C:AA:D8:11:67"), 0x04, 0x04, 0x24, 0x01]),
    // LE Enhanced Connection Complete (subevent 0x0A) from a random address, role peripheral.
    event(0x3e, [
      0x0a,
      0x00,
      0x40,
      0x00,
      0x01,
      0x01,
      ...le("D2:11:22:33:44:55"),
      ...new Array(12).fill(0),
      0x18,
      0,
      0,
      0,
      0xc8,
      0,
      0,
    ]),
  ];

  it("sees the pairing: Simple Pairing Complete and Link Key Notification, without keeping the key", () => {
    const events = packets.map(parseHciEvent);
    expect(events[0]).toMatchObject({
      type: "connection-complete",
      address: "7C:1E:52:6A:72:50",
      handle: 11,
    });
    expect(events[1]).toEqual({
      type: "remote-name",
      status: 0,
      address: "7C:1E:52:6A:72:50",
      name: "Microsoft Sculpt Touch Mouse",
    });
    expect(events[2]).toEqual({ type: "simple-pairing-complete", status: 0, address: "7C:1E:52:6A:72:50" });
    expect(events[3]).toEqual({ type: "link-key-notification", address: "7C:1E:52:6A:72:50", keyType: 4 });
    expect(events[5]).toMatchObject({ type: "connection-request", classOfDevice: 0x5a020c });
    expect(events[7]).toEqual({
      type: "le-connection-complete",
      status: 0,
      handle: 0x40,
      role: 1,
      addressType: "random",
      address: "D2:11:22:33:44:55",
    });
  });

  it("tracks bonded and connected devices with their Class of Device", () => {
    const tracker = new HciTracker();
    const reasons = packets.map((packet) => tracker.apply(parseHciEvent(packet))).filter(Boolean);
    expect(reasons).toContain("hci: new link key for 7C:1E:52:6A:72:50 (bonded)");
    expect(reasons).toContain("hci: connection request from 8C:3C:AA:D8:11:67 (class 0x240404)");
    const byAddress = new Map(tracker.observations("hci0").map((o) => [o.address, o]));
    expect(byAddress.get("7C:1E:52:6A:72:50")).toMatchObject({
      source: "hci",
      name: "Microsoft Sculpt Touch Mouse",
      bonded: true,
      paired: true,
      connected: false,
    });
    expect(classifyBluetooth(byAddress.get("BC:72:B1:61:82:F3") as BluetoothObservation).kind).toBe("phone");
    expect(classifyBluetooth(byAddress.get("8C:3C:AA:D8:11:67") as BluetoothObservation).kind).toBe("audio");
    expect(byAddress.get("D2:11:22:33:44:55")).toMatchObject({ connected: true, addressType: "random" });
  });
});

describe("btsnoop", () => {
  const packets = eventsFromHcidumpHex(fixture("hcidump-x-pan-connect.txt"));

  it("round-trips H4 events through a btsnoop file", () => {
    const file = writeBtsnoop(
      packets.map((packet) => ({ data: Uint8Array.from([0x04, ...packet]), received: true })),
    );
    expect(Buffer.from(file.subarray(0, 16)).toString("hex")).toBe(
      "6274736e6f6f7000" + "00000001" + "000003ea",
    );
    const capture = parseBtsnoop(file);
    expect(capture).toMatchObject({ version: 1, datalink: 1002, truncated: false });
    expect(capture.records).toHaveLength(packets.length);
    expect(capture.records[0]).toMatchObject({ originalLength: 13, flags: 3, cumulativeDrops: 0 });
    expect(hciEventPackets(capture)).toEqual(packets);
  });

  it("keeps the records before a cut-off record and says the file is truncated", () => {
    const file = writeBtsnoop(
      packets.map((packet) => ({ data: Uint8Array.from([0x04, ...packet]), received: true })),
    );
    const capture = parseBtsnoop(file.subarray(0, file.length - 3));
    expect(capture.truncated).toBe(true);
    expect(capture.records).toHaveLength(packets.length - 1);
  });

  it("reads datalink 1001 (no H4 byte) using the flags", () => {
    const file = writeBtsnoop([
      { data: Uint8Array.from([0x04, ...(packets[0] as Uint8Array)]), received: true },
    ]);
    const view = new DataView(file.buffer);
    view.setUint32(12, 1001);
    const capture = parseBtsnoop(
      Uint8Array.from([...file.subarray(0, 16), ...rewriteWithoutH4(file.subarray(16))]),
    );
    expect(hciEventPackets(capture)).toEqual([packets[0]]);
  });

  it("rejects files that are not btsnoop", () => {
    expect(() => parseBtsnoop(new TextEncoder().encode("not a capture at all"))).toThrow(/btsnoop/);
  });
});

describe("hci socket filter", () => {
  it("passes events only, and only the events we parse", () => {
    const filter = hciEventFilter([0x03, 0x04, 0x3e]);
    expect(filter.readUInt32LE(0)).toBe(1 << 4);
    expect(filter.readUInt32LE(4)).toBe((1 << 3) | (1 << 4));
    expect(filter.readUInt32LE(8)).toBe(1 << (0x3e - 32));
  });
});

/** One H4 record rewritten for datalink 1001: drop the type byte and fix both lengths. */
function rewriteWithoutH4(record: Uint8Array): Uint8Array {
  const data = record.subarray(25);
  const out = new Uint8Array(24 + data.length);
  out.set(record.subarray(0, 24));
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  view.setUint32(4, data.length);
  out.set(data, 24);
  return out;
}
