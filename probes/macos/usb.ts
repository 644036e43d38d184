// The macOS USB probe ("macos-usb"): ioreg on every scan, system_profiler only when the device set
// changes. Collection only; parsing is pure (ioreg-parse.ts, system-profiler-usb-parse.ts,
// usb-observations.ts). Every command goes through a SourceReader, so `eca scan --capture DIR`
// replays exactly the files `eca capture DIR` wrote (docs/CAPTURE.md).
//
// What runs, and how often (BENCHMARKS.md has the recorded timings):
// - every scan: `ioreg -p IOUSB -l -w0` (the device tree) and
//   `ioreg -p IOService -r -c IOUSBHostInterface -l -w0` (the interfaces; the IOUSB plane lists
//   devices only). Both read the in-kernel registry: tens of milliseconds.
// - system_profiler SPUSBDataType (-json, or -xml before 10.15) and SPUSBHostDataType (macOS 26):
//   seconds each, so NOT on every poll. The last answer is kept, keyed on the device set ioreg
//   reports (location id, vendor, product, serial of every device); system_profiler runs again
//   only when that set changes (a device plugged in, removed, or re-enumerated). Polls with the same
//   set reuse the cached facts, which only describe storage and built-in flags of those devices.
// - hot-plug: watch() lets libusb (node-usb) listen to IOKit's attach/detach notifications and
//   turns them into `change` events, so the daemon rescans within a second instead of at the next
//   poll. libusb's descriptors are never used: ioreg has all of them and more. Without node-usb the
//   daemon simply polls.

import {
  type CommandSource,
  liveSourceReader,
  readWithFallback,
  type SourceReader,
} from "../capture/sources.ts";
import { Probe, type ProbeOptions } from "../probe.ts";
import type { Snapshot } from "../types.ts";
import { type IoregUsbDevice, parseIoregUsb } from "./ioreg-parse.ts";
import {
  type ProfilerUsbDevice,
  parseSpUsbHostJson,
  parseSpUsbJson,
  parseSpUsbXml,
} from "./system-profiler-usb-parse.ts";
import { macosUsbObservations } from "./usb-observations.ts";

const MB = 1024 * 1024;

export const IOREG_USB_SOURCE: CommandSource = {
  file: "ioreg-usb.txt",
  command: ["ioreg", "-p", "IOUSB", "-l", "-w0"],
  timeoutMs: 5_000,
  maxBytes: 16 * MB,
};

export const IOREG_INTERFACES_SOURCE: CommandSource = {
  file: "ioreg-usb-interfaces.txt",
  command: ["ioreg", "-p", "IOService", "-r", "-c", "IOUSBHostInterface", "-l", "-w0"],
  timeoutMs: 5_000,
  maxBytes: 16 * MB,
};

export const SP_USB_SOURCE: CommandSource = {
  file: "system_profiler-SPUSBDataType.json",
  command: ["system_profiler", "-json", "SPUSBDataType"],
  timeoutMs: 30_000,
  maxBytes: 16 * MB,
  expects: { test: (text) => text.trimStart().startsWith("{"), description: "a JSON object" },
  // macOS before 10.15 has no -json.
  fallback: {
    file: "system_profiler-SPUSBDataType.xml",
    command: ["system_profiler", "-xml", "SPUSBDataType"],
    timeoutMs: 30_000,
    maxBytes: 16 * MB,
  },
};

export const SP_USB_HOST_SOURCE: CommandSource = {
  file: "system_profiler-SPUSBHostDataType.json",
  command: ["system_profiler", "-json", "SPUSBHostDataType"],
  timeoutMs: 30_000,
  maxBytes: 16 * MB,
};

/** What `eca capture` records on a Mac for this probe. */
export const MACOS_USB_SOURCES: readonly CommandSource[] = [
  IOREG_USB_SOURCE,
  IOREG_INTERFACES_SOURCE,
  SP_USB_SOURCE,
  SP_USB_HOST_SOURCE,
];

/** The device set system_profiler's answer is kept for. */
export function deviceSetKey(devices: readonly IoregUsbDevice[]): string {
  return devices
    .filter((device) => !device.isRootHub)
    .map(
      (device) =>
        // Without a locationID the node's name stands in (its line number moves with other devices).
        `${device.locationId ?? device.name}:${device.vendorId}:${device.productId}:${device.serial ?? ""}`,
    )
    .sort()
    .join("|");
}

type Unavailable = Snapshot["unavailable"];

interface ProfilerAnswer {
  key: string;
  devices: ProfilerUsbDevice[];
  unavailable: Unavailable;
}

interface Watcher {
  on(event: "change", listener: (reason: string) => void): unknown;
  watch(): void;
  stop(): Promise<void>;
}

class MacosUsbProbe extends Probe {
  readonly name = "macos-usb" as const;
  readonly #sources: SourceReader;
  #profiler: ProfilerAnswer | undefined;
  #watcher: Watcher | undefined;
  #stopped = false;
  /** How many times system_profiler was asked (tests check the cache with it). */
  profilerRuns = 0;

  constructor(options: ProbeOptions) {
    super();
    this.#sources = options.sources ?? liveSourceReader();
  }

  async snapshot(): Promise<Snapshot> {
    const [tree, interfaces] = await Promise.all([
      this.#sources.read(IOREG_USB_SOURCE),
      this.#sources.read(IOREG_INTERFACES_SOURCE),
    ]);
    if (!tree.ok) return { observations: [], unavailable: [{ source: this.name, reason: tree.reason }] };
    const unavailable: Unavailable = [];
    if (!interfaces.ok) {
      unavailable.push({
        source: this.name,
        reason: `${interfaces.reason}: interface classes unknown, devices are judged on ids and macOS's own flags`,
      });
    }
    const devices = parseIoregUsb(tree.text, interfaces.ok ? interfaces.text : undefined);
    const key = deviceSetKey(devices);
    if (this.#profiler?.key !== key) this.#profiler = await this.#askProfiler(key);
    unavailable.push(...this.#profiler.unavailable);
    return { observations: macosUsbObservations(devices, this.#profiler.devices), unavailable };
  }

  async #askProfiler(key: string): Promise<ProfilerAnswer> {
    this.profilerRuns++;
    const [usb, host] = await Promise.all([
      readWithFallback(this.#sources, SP_USB_SOURCE),
      this.#sources.read(SP_USB_HOST_SOURCE),
    ]);
    const answer: ProfilerAnswer = { key, devices: [], unavailable: [] };
    const parse = (file: string, output: typeof host, parser: (text: string) => ProfilerUsbDevice[]) => {
      if (!output.ok) {
        answer.unavailable.push({
          source: this.name,
          reason: `${output.reason}: storage and built-in facts from it are missing`,
        });
        return;
      }
      try {
        answer.devices.push(...parser(output.text));
      } catch (error) {
        answer.unavailable.push({
          source: this.name,
          reason: `${file} cannot be read: ${(error as Error).message}`,
        });
      }
    };
    parse(usb.source.file, usb.output, usb.source.file.endsWith(".xml") ? parseSpUsbXml : parseSpUsbJson);
    // SPUSBHostDataType exists from macOS 26 on; older ones print nothing, which parses to nothing.
    parse(SP_USB_HOST_SOURCE.file, host, parseSpUsbHostJson);
    return answer;
  }

  override watch(): void {
    if (this.#sources.kind === "capture" || this.#watcher || this.#stopped) return;
    void import("../libusb.ts").then(({ createLibusbProbe }) => {
      if (this.#stopped || this.#watcher) return;
      const watcher = createLibusbProbe({ root: "/" });
      watcher.on("change", (reason) => this.emit("change", `macos-usb: ${reason}`));
      // node-usb missing or failing is not an error here: the daemon keeps polling.
      watcher.on("error", () => {});
      watcher.watch();
      this.#watcher = watcher;
    });
  }

  override async stop(): Promise<void> {
    this.#stopped = true;
    await this.#watcher?.stop();
    this.#watcher = undefined;
  }
}

export function createMacosUsbProbe(options: ProbeOptions): Probe {
  return new MacosUsbProbe(options);
}
