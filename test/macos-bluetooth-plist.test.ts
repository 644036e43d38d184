// The XML property-list reader behind the macOS Bluetooth preferences (probes/macos/bluetooth-plist.ts).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asDict, PlistError, parseXmlPlist } from "../probes/macos/bluetooth-plist.ts";

const wrap = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n${body}\n</plist>\n`;

describe("parseXmlPlist", () => {
  it("reads every value type plutil writes", () => {
    const value = parseXmlPlist(
      wrap(`<dict>
  <key>s</key><string>a &amp; b &lt;c&gt; &#x263A;</string>
  <key>empty</key><string/>
  <key>i</key><integer>-42</integer>
  <key>r</key><real>0.80000001192092896</real>
  <key>t</key><true/>
  <key>f</key><false/>
  <key>d</key><date>2026-10-30T17:42:10Z</date>
  <key>b</key><data>
    rL9x
    AAAB
  </data>
  <key>a</key><array><integer>1</integer><array/><dict/></array>
  <!-- a comment -->
  <key>__proto__</key><string>just a key</string>
</dict>`),
      "test.xml",
    );
    const dict = asDict(value);
    expect(dict?.get("s")).toBe("a & b <c> ☺");
    expect(dict?.get("empty")).toBe("");
    expect(dict?.get("i")).toBe(-42);
    expect(dict?.get("r")).toBeCloseTo(0.8);
    expect(dict?.get("t")).toBe(true);
    expect(dict?.get("f")).toBe(false);
    expect(dict?.get("d")).toEqual(new Date("2026-10-30T17:42:10Z"));
    expect([...((dict?.get("b") ?? new Uint8Array()) as Uint8Array)]).toEqual([
      0xac, 0xbf, 0x71, 0x00, 0x00, 0x01,
    ]);
    expect(dict?.get("a")).toEqual([1, [], new Map()]);
    expect(dict?.get("__proto__")).toBe("just a key");
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it("reads the recorded preferences files", () => {
    const file = join(import.meta.dirname, "fixtures/macos-bluetooth/prefs-bigsur-devicecache.xml");
    const root = asDict(parseXmlPlist(readFileSync(file, "utf8"), file));
    expect([...(root?.keys() ?? [])]).toEqual(["ControllerPowerState", "DeviceCache", "PairedDevices"]);
  });

  it.each([
    ["no plist element", "<dict/>", 1, "not an XML property list"],
    [
      "unclosed dict",
      wrap("<dict>\n<key>a</key><string>x</string>"),
      6,
      "<dict> is not closed before </plist>",
    ],
    ["value without key", wrap("<dict>\n<string>x</string>\n</dict>"), 5, "where a <key> belongs"],
    ["key without value", wrap("<dict>\n<key>a</key>\n</dict>"), 6, "<key>a</key> has no value"],
    ["bad integer", wrap("<integer>12a</integer>"), 4, '<integer> "12a" is not an integer'],
    ["bad date", wrap("<date>yesterday</date>"), 4, "not an ISO 8601 date"],
    ["bad data", wrap("<data>!!</data>"), 4, "not base64"],
    ["unknown element", wrap("<set/>"), 4, "unknown element <set>"],
    ["bare ampersand", wrap("<string>a & b</string>"), 4, 'a bare "&"'],
    ["character reference beyond Unicode", wrap("<string>&#x110000;</string>"), 4, "beyond Unicode"],
    ["two values", wrap("<true/><false/>"), 4, "more than one value"],
    ["text after", `${wrap("<true/>")}junk`, 5, "text after the last tag"],
  ])("%s is a PlistError with its line", (_label, text, line, message) => {
    let caught: unknown;
    try {
      parseXmlPlist(text, "bad.xml");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PlistError);
    expect((caught as PlistError).message).toContain(message);
    expect((caught as PlistError).message.startsWith(`bad.xml, line ${line}:`)).toBe(true);
  });

  it("refuses nesting deeper than 64 levels instead of exhausting the stack", () => {
    const deep = `${"<array>".repeat(10_000)}${"</array>".repeat(10_000)}`;
    expect(() => parseXmlPlist(wrap(deep), "deep.xml")).toThrow("nested deeper than 64 levels");
  });
});
