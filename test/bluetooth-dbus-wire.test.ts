// The D-Bus wire codec against byte sequences worked out by hand from the D-Bus specification
// ("Marshaling (Wire Format)" and "Message Format"): alignment is counted from the message start,
// arrays carry a uint32 byte length that excludes the padding before the first element, strings
// are uint32 length + UTF-8 + NUL, signatures are byte length + ASCII + NUL, structs and dict
// entries align to 8.

import { describe, expect, it } from "vitest";
import { parseAddress, systemBusAddress } from "../probes/linux/dbus/address.ts";
import { externalAuthIdentity } from "../probes/linux/dbus/connection.ts";
import { marshal } from "../probes/linux/dbus/marshal.ts";
import { decodeMessage, encodeMessage, MessageType, messageLength } from "../probes/linux/dbus/message.ts";
import { parseSignature, signatureOf } from "../probes/linux/dbus/signature.ts";
import { unmarshal } from "../probes/linux/dbus/unmarshal.ts";
import { type DBusValue, unwrapVariant, variant } from "../probes/linux/dbus/values.ts";

const hex = (text: string) =>
  Uint8Array.from(text.replace(/\s+/g, "").match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("signatures", () => {
  it("parses nested containers and prints them back", () => {
    for (const signature of ["a{sa{sv}}", "oa{sa{sv}}", "(ybnqiuxtdsog)", "aav", "a(yv)", "sa{sv}as"]) {
      expect(parseSignature(signature).map(signatureOf).join("")).toBe(signature);
    }
  });
  it("rejects malformed signatures", () => {
    for (const bad of ["a", "(i", "()", "a{vs}", "a{s}", "z", "a{sss}"]) {
      expect(() => parseSignature(bad), bad).toThrow();
    }
  });
});

describe("marshalling basic types (little endian)", () => {
  const cases: [string, DBusValue[], string][] = [
    ["y", [0x2a], "2a"],
    ["b", [true], "01000000"],
    ["n", [-2], "feff"],
    ["q", [0x1234], "3412"],
    ["i", [-1], "ffffffff"],
    ["u", [0x240420], "20042400"],
    ["x", [-2n], "feffffffffffffff"],
    ["t", [0x0102030405060708n], "0807060504030201"],
    ["d", [1.0], "000000000000f03f"],
    // "foo": length 3, bytes, NUL
    ["s", ["foo"], "03000000 666f6f00"],
    ["o", ["/"], "01000000 2f00"],
    ["g", ["a{sv}"], "05 617b73767d 00"],
    // y then u: three bytes of padding to reach the 4-aligned uint32
    ["yu", [1, 2], "01000000 02000000"],
    // y then t: seven bytes of padding
    ["yt", [1, 2n], "01000000000000000200000000000000"],
    // ay of 3 bytes: length 3, then the bytes (no padding for y)
    ["ay", [Uint8Array.of(1, 2, 3)], "03000000 010203"],
    // at: length 8 then 4 bytes of padding to 8 (not counted), then the element
    ["at", [[5n]], "08000000 00000000 0500000000000000"],
    // empty at still pads to 8 after the length
    ["at", [[]], "00000000 00000000"],
    // as: ["a","bc"] -> a: 01000000 6100, pad 2, bc: 02000000 626300 => 6+2+7 = 15
    ["as", [["a", "bc"]], "0f000000 01000000 6100 0000 02000000 626300"],
    // (yu) struct aligns to 8, y, pad 3, u
    ["(yu)", [[7, 9]], "07000000 09000000"],
    // v: signature "u" then value
    ["v", [variant("u", 1)], "01 7500 00 01000000"],
    // a{sv} {"A": true}: length, pad to 8, entry: s "A", pad, v sig "b", pad, bool
    [
      "a{sv}",
      [new Map<DBusValue, DBusValue>([["A", variant("b", true)]])],
      "10000000 00000000 01000000 4100 01 6200 000000 01000000",
    ],
  ];
  for (const [signature, values, expected] of cases) {
    it(`${signature} ${JSON.stringify(values, (_, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Map ? [...v] : v))}`, () => {
      const bytes = marshal(signature, values);
      expect(toHex(bytes)).toBe(expected.replace(/\s+/g, ""));
      expect(unmarshal(signature, bytes, true)).toEqual(values);
    });
  }
});

describe("unmarshalling big endian", () => {
  it("reads each fixed type in big-endian order", () => {
    const bytes = hex(
      "2a 000000 00000001 fffe 1234 ffffffff 00240420 00000000 fffffffffffffffe 0102030405060708 3ff0000000000000",
    );
    expect(unmarshal("ybnqiuxtd", bytes, false)).toEqual([
      0x2a,
      true,
      -2,
      0x1234,
      -1,
      0x240420,
      -2n,
      0x0102030405060708n,
      1.0,
    ]);
  });
  it("reads strings, arrays, dicts and variants in big-endian order", () => {
    const bytes = hex("00000010 00000000 00000001 4100 01 6200 000000 00000001");
    const [dict] = unmarshal("a{sv}", bytes, false);
    expect(dict).toEqual(new Map([["A", { signature: "b", value: true }]]));
    expect(unmarshal("as", hex("0000000f 00000001 6100 0000 00000002 626300"), false)).toEqual([["a", "bc"]]);
  });
  it("throws on truncated data instead of reading past the end", () => {
    expect(() => unmarshal("s", hex("10000000 6100"), true)).toThrow(RangeError);
    expect(() => unmarshal("u", hex("0100"), true)).toThrow(RangeError);
  });
});

describe("messages", () => {
  it("encodes Hello exactly as the spec lays it out", () => {
    const bytes = encodeMessage({
      type: MessageType.methodCall,
      flags: 0,
      serial: 1,
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "Hello",
      destination: "org.freedesktop.DBus",
      body: [],
    });
    // 'l', METHOD_CALL, flags 0, version 1, body length 0, serial 1, then header fields length.
    expect(toHex(bytes.subarray(0, 12))).toBe("6c01000100000000" + "01000000");
    // field 1 (PATH): code 01, signature "o", string "/org/freedesktop/DBus" (21 bytes).
    expect(toHex(bytes.subarray(16, 24))).toBe("01016f0015000000");
    expect(bytes.length % 8).toBe(0);
    expect(messageLength(bytes)).toBe(bytes.length);
    const decoded = decodeMessage(bytes);
    expect(decoded).toMatchObject({
      member: "Hello",
      destination: "org.freedesktop.DBus",
      serial: 1,
      body: [],
    });
  });

  it("round-trips a signal with a body", () => {
    const properties = new Map<DBusValue, DBusValue>([["Connected", variant("b", true)]]);
    const bytes = encodeMessage({
      type: MessageType.signal,
      flags: 0,
      serial: 7,
      path: "/org/bluez/hci0/dev_00_11_22_33_44_55",
      interface: "org.freedesktop.DBus.Properties",
      member: "PropertiesChanged",
      signature: "sa{sv}as",
      body: ["org.bluez.Device1", properties, []],
    });
    const decoded = decodeMessage(bytes);
    expect(decoded.body).toEqual(["org.bluez.Device1", properties, []]);
    expect(unwrapVariant((decoded.body[1] as Map<DBusValue, DBusValue>).get("Connected"))).toBe(true);
  });

  it("decodes a big-endian method return", () => {
    // 'B', METHOD_RETURN, flags 1, version 1, body length 8, serial 2,
    // fields: a(yv) length 15: (5, v "u" 1) pad (8, v "g" "s") then pad to 16+15 -> 32, body s "hi".
    const bytes = hex(
      "42 02 01 01 00000007 00000002 0000000f" +
        "05 01 7500 00000001" +
        "08 01 6700 01 7300" +
        "00" +
        "00000002 686900",
    );
    expect(messageLength(bytes)).toBe(39);
    expect(decodeMessage(bytes)).toMatchObject({ type: 2, replySerial: 1, signature: "s", body: ["hi"] });
  });

  it("tells the length of a partial message only once the fixed header is in", () => {
    expect(messageLength(hex("6c0200"))).toBeUndefined();
  });
});

describe("addresses and auth", () => {
  it("parses unix, abstract and tcp endpoints", () => {
    expect(parseAddress("unix:path=/run/dbus/system_bus_socket")).toEqual([
      { kind: "unix", path: "/run/dbus/system_bus_socket" },
    ]);
    expect(parseAddress("unix:abstract=/tmp/dbus-X,guid=1;tcp:host=127.0.0.1,port=5555")).toEqual([
      { kind: "unix", path: "\0/tmp/dbus-X" },
      { kind: "tcp", host: "127.0.0.1", port: 5555 },
    ]);
    expect(parseAddress("unix:path=/tmp/a%20b")).toEqual([{ kind: "unix", path: "/tmp/a b" }]);
    expect(parseAddress("launchd:env=X")).toEqual([]);
  });
  it("chooses the explicit address, then the environment, then the standard socket", () => {
    expect(systemBusAddress("unix:path=/x", { DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/y" })).toBe(
      "unix:path=/x",
    );
    expect(systemBusAddress(undefined, { DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/y" })).toBe("unix:path=/y");
    expect(systemBusAddress(undefined, {})).toBe("unix:path=/var/run/dbus/system_bus_socket");
  });
  it("encodes the uid for SASL EXTERNAL as hex of its decimal digits", () => {
    expect(externalAuthIdentity(1000)).toBe("31303030");
    expect(externalAuthIdentity(0)).toBe("30");
  });
});
