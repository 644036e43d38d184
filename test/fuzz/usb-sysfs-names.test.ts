// Fuzzing the hand-written sysfs name parsers (probes/linux/usb-sysfs-parse.ts) against the regular
// expressions they replaced, which state the kernel's grammar plainly: random names built from the
// characters that matter (digits, "-", ".", ":", "usb") and some that must not pass (a non-ASCII
// digit, a control character, letters), each parsed both ways, the answers the same.

import { describe, expect, it } from "vitest";
import {
  interfaceAddress,
  interfaceOwner,
  isUsbDeviceName,
  parseDeviceName,
} from "../../probes/linux/usb-sysfs-parse.ts";
import { forBudget, fuzzBudgetMs, seededRandom } from "./random.ts";

const DEVICE_NAME = /^(?:usb(\d+)|(\d+)-(\d+(?:\.\d+)*))$/;
const INTERFACE_NAME = /^(\d+)-(\d+(?:\.\d+)*):(\d+)\.(\d+)$/;
const ADDRESS = /:(\d+)\.(\d+)$/;

function byRegex(name: string) {
  const device = DEVICE_NAME.exec(name);
  const parsed = !device
    ? undefined
    : device[1] !== undefined
      ? { bus: Number(device[1]), ports: [] }
      : { bus: Number(device[2]), ports: (device[3] ?? "").split(".").map(Number) };
  const owner = INTERFACE_NAME.exec(name);
  const address = ADDRESS.exec(name);
  return {
    parsed,
    isDevice: device !== null,
    owner: owner ? (owner[2] === "0" ? `usb${owner[1]}` : `${owner[1]}-${owner[2]}`) : undefined,
    address: address ? { configuration: Number(address[1]), number: Number(address[2]) } : undefined,
  };
}

describe("fuzz: sysfs USB names", () => {
  it("device, interface and address names parse as the kernel grammar's regular expressions do", async () => {
    const random = seededRandom("usb-sysfs-names");
    const runs = await forBudget(fuzzBudgetMs(500), () => {
      for (let batch = 0; batch < 100; batch++) {
        const name =
          (random.chance(0.3) ? "usb" : "") + random.text(random.int(10), "0129-.-.::usbF\u0663\u0010");
        expect(
          {
            parsed: parseDeviceName(name),
            isDevice: isUsbDeviceName(name),
            owner: interfaceOwner(name),
            address: interfaceAddress(name),
          },
          JSON.stringify(name),
        ).toEqual(byRegex(name));
      }
    });
    expect(runs).toBeGreaterThan(0);
  });
});
