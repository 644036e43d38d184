// This laptop's identity for scoped approvals: the pure part (the serial in ioreg's output) and the
// reader on this machine.

import { describe, expect, it } from "vitest";
import { readHostFacts, serialFromIoreg } from "../agent/daemon/host-facts.ts";

describe("host facts", () => {
  it("takes IOPlatformSerialNumber from ioreg -rd1 -c IOPlatformExpertDevice (the form TN1103 names)", () => {
    const text = [
      "+-o MacBookPro18,3  <class IOPlatformExpertDevice, id 0x100000220, registered, matched, active, busy 0 (47 ms), retain 38>",
      "    {",
      '      "IOPlatformUUID" = "6A1C2B3D-0000-4000-8000-123456789ABC"',
      '      "IOPlatformSerialNumber" = "C02ABC123XYZ"',
      '      "model" = <"MacBookPro18,3">',
      "    }",
    ].join("\n");
    expect(serialFromIoreg(text)).toBe("C02ABC123XYZ");
    expect(serialFromIoreg("")).toBeUndefined();
  });

  it("on this machine: the host name, and no firmware placeholder as a serial", async () => {
    const facts = await readHostFacts();
    expect(facts.hostname.length).toBeGreaterThan(0);
    if (facts.serial) expect(facts.serial).not.toMatch(/^(0+|to be filled by o\.e\.m\.|default string)$/i);
  });
});
