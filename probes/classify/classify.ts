import type { ClassifiedDevice, Observation, UsbObservation } from "../types.ts";
import { isPowerObservation } from "../types.ts";
import { classifyBluetooth } from "./bluetooth.ts";
import { classifyUsb } from "./usb.ts";

/** Classifies every observation of one snapshot; USB needs the others to walk its hub chain. */
export function classifyAll(observations: Observation[]): ClassifiedDevice[] {
  const usb = observations.filter((o): o is UsbObservation => o.bus === "usb" && !isPowerObservation(o));
  return observations.map((observation) => {
    if (isPowerObservation(observation)) {
      return {
        observation,
        kind: "other",
        builtIn: false,
        confidence: "certain",
        evidence: [
          `USB-C ${observation.port}: laptop power role ${observation.powerRole}, partner ${observation.partnerPresent ? "attached" : "absent"}`,
        ],
      };
    }
    const classification =
      observation.bus === "usb" ? classifyUsb(observation, usb) : classifyBluetooth(observation);
    return { observation, ...classification };
  });
}
