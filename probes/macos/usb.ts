// The macOS USB probe (work in progress): its sources are the contract of the capture folder.
import type { CommandSource } from "../capture/sources.ts";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { Snapshot } from "../types.ts";

export const IOREG_USB_SOURCE: CommandSource = {
  file: "ioreg-usb.txt",
  command: ["ioreg", "-p", "IOUSB", "-l", "-w0"],
  timeoutMs: 5_000,
  maxBytes: 16 * 1024 * 1024,
};

export const MACOS_USB_SOURCES: readonly CommandSource[] = [IOREG_USB_SOURCE];

class MacosUsbProbe extends Probe {
  readonly name = "macos-usb" as const;
  async snapshot(): Promise<Snapshot> {
    return { observations: [], unavailable: [] };
  }
}

export function createMacosUsbProbe(_options: ProbeOptions): Probe {
  return new MacosUsbProbe();
}
