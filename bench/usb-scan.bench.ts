// How long a full USB scan takes: eca's sysfs probe in process, against `lsusb -v` and
// systeminformation's usb() (which runs `lsusb -v` and parses it), all on the same 30-device
// recording. The recording is generated (with real descriptors, so lsusb can read it) and run
// twice: as a plain tree through `root`, and under umockdev-run so lsusb and systeminformation
// see it at /sys and /dev.
//
// A 250-device recording (the 30 plus a bank of 7-port hubs) is timed in process too, and with
// `--baseline REF` the probe as it was at commit REF (its probes/ folder, from git) is timed in the
// same run, rounds interleaved, so the ratio holds on a shared machine.
//
// Usage: npx node bench/usb-scan.bench.ts [--baseline REF]   (writes bench/results/usb-scan.md)
//        npx node bench/usb-scan.bench.ts --write-recording FILE [--devices N]   (just the recording)

import { spawnSync } from "node:child_process";
import { closeSync, constants, existsSync, opendirSync, openSync, readSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { performance } from "node:perf_hooks";
import { observeSysfs, type SysfsOperation } from "../probes/linux/sysfs-read.ts";
import { createLinuxUsbProbe } from "../probes/linux/usb-sysfs.ts";
import { umockdevToTree } from "../test/tools/umockdev-to-tree.ts";

interface Template {
  vendorId: number;
  productId: number;
  product: string;
  deviceClass: number;
  interfaces: [number, number, number][];
  speed: string;
  maxPowerMilliamps: number;
}

const HUB: Template = {
  vendorId: 0x05e3,
  productId: 0x0610,
  product: "USB2.1 Hub",
  deviceClass: 0x09,
  interfaces: [[0x09, 0x00, 0x00]],
  speed: "480",
  maxPowerMilliamps: 100,
};

const TEMPLATES: Template[] = [
  {
    vendorId: 0x413c,
    productId: 0x2113,
    product: "Dell KB216 Wired Keyboard",
    deviceClass: 0,
    interfaces: [
      [3, 1, 1],
      [3, 0, 0],
    ],
    speed: "1.5",
    maxPowerMilliamps: 100,
  },
  {
    vendorId: 0x046d,
    productId: 0xc077,
    product: "USB Optical Mouse",
    deviceClass: 0,
    interfaces: [[3, 1, 2]],
    speed: "1.5",
    maxPowerMilliamps: 100,
  },
  {
    vendorId: 0x0781,
    productId: 0x5581,
    product: " SanDisk 3.2Gen1",
    deviceClass: 0,
    interfaces: [[8, 6, 0x50]],
    speed: "480",
    maxPowerMilliamps: 224,
  },
  {
    vendorId: 0x04f2,
    productId: 0xb6dd,
    product: "Integrated Camera",
    deviceClass: 0xef,
    interfaces: [
      [0x0e, 1, 0],
      [0x0e, 2, 0],
      [1, 1, 0],
      [1, 2, 0],
    ],
    speed: "480",
    maxPowerMilliamps: 500,
  },
  {
    vendorId: 0x8087,
    productId: 0x0026,
    product: "",
    deviceClass: 0xe0,
    interfaces: [
      [0xe0, 1, 1],
      [0xe0, 1, 1],
    ],
    speed: "12",
    maxPowerMilliamps: 100,
  },
  {
    vendorId: 0x06cb,
    productId: 0x00bd,
    product: "",
    deviceClass: 0xff,
    interfaces: [[0xff, 0, 0]],
    speed: "12",
    maxPowerMilliamps: 100,
  },
  {
    vendorId: 0x18d1,
    productId: 0x4ee2,
    product: "Pixel 7",
    deviceClass: 0,
    interfaces: [
      [0xff, 0xff, 0],
      [0xff, 0x42, 1],
    ],
    speed: "480",
    maxPowerMilliamps: 500,
  },
  {
    vendorId: 0x0d8c,
    productId: 0x0014,
    product: "USB Audio Device",
    deviceClass: 0,
    interfaces: [
      [1, 1, 0],
      [1, 2, 0],
      [1, 2, 0],
      [3, 0, 0],
    ],
    speed: "12",
    maxPowerMilliamps: 100,
  },
  {
    vendorId: 0x1050,
    productId: 0x0407,
    product: "YubiKey OTP+FIDO+CCID",
    deviceClass: 0,
    interfaces: [
      [3, 1, 1],
      [3, 0, 0],
      [0x0b, 0, 0],
    ],
    speed: "12",
    maxPowerMilliamps: 30,
  },
];

function le16(value: number): string {
  return [value & 0xff, value >> 8].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function le16Big(value: number): string {
  return value.toString(16).padStart(4, "0");
}

function up(text: string): string {
  return text.toUpperCase();
}

function hex(...bytes: number[]): string {
  return bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The iInterface of the interfaces the recording names (`interface=MTP`, below): set, as the kernel needs it to name one. */
const INTERFACE_NAME_INDEX = 4;

/**
 * Device descriptor followed by the configuration, interface and endpoint descriptors, as sysfs
 * `descriptors` holds them. String indices are 0 where the recording has no such attribute, as
 * the kernel has it (it creates `serial`, `product`, `manufacturer` only for a non-zero index).
 */
function descriptors(template: Template, hasSerial: boolean): string {
  const strings = template.product ? [1, 2] : [0, 0];
  const device = `1201${le16(0x0200)}${hex(template.deviceClass, 0, template.deviceClass === 9 ? 1 : 0, 64)}${le16(template.vendorId)}${le16(template.productId)}${le16(0x0100)}${hex(...strings, hasSerial ? 3 : 0, 1)}`;
  const interfaces = template.interfaces
    .map(
      ([cls, subclass, protocol], index) =>
        `${hex(9, 4, index, 0, 1, cls, subclass, protocol, cls === 0xff ? INTERFACE_NAME_INDEX : 0)}${hex(7, 5, 0x81 + index, 3)}${le16(8)}${hex(10)}`,
    )
    .join("");
  const total = 9 + template.interfaces.length * 16;
  const config = `${hex(9, 2)}${le16(total)}${hex(template.interfaces.length, 1, 0, 0xa0, template.maxPowerMilliamps / 2)}`;
  return (device + config + interfaces).toUpperCase();
}

const CONTROLLER = "/devices/pci0000:00/0000:00:14.0";
/** The xHCI controller's root hub in the ACPI namespace (\_SB.PCI0.XHC.RHUB), as sysfs places it. */
const ACPI_ROOT_HUB_NODE = "/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:10/device:11";
const COLD_RUNS = 15;
/** In-process timing: interleaved rounds, runs a round per task, warm-up runs a task. */
const ROUNDS = 10;
const PER_ROUND = 25;
const WARMUP = 50;

/**
 * A 30-device laptop-plus-dock recording: 2 root hubs, 3 hubs, 25 devices. With `total` over 30,
 * 7-port hubs full of devices follow on bus 2 until there are `total` devices.
 */
export function benchRecording(total = 30): string {
  const blocks: string[] = [];
  /** The ACPI node of the port each device is plugged into, where firmware describes it. */
  const acpiNodes = new Map<string, string>();
  let deviceNumber = 1;
  const add = (path: string, name: string, template: Template, removable: string) => {
    const bus = name.startsWith("usb") ? Number(name.slice(3)) : Number(name.split("-")[0]);
    const node = `bus/usb/${String(bus).padStart(3, "0")}/${String(deviceNumber++).padStart(3, "0")}`;
    const desc = descriptors(template, !name.startsWith("usb"));
    const lines = [
      `P: ${path}`,
      `N: ${node}=${desc}`,
      "E: SUBSYSTEM=usb",
      "E: DEVTYPE=usb_device",
      // libusb (lsusb) enumerates through udev, which needs the device node's name and numbers.
      `E: DEVNAME=/dev/${node}`,
      `E: BUSNUM=${String(bus).padStart(3, "0")}`,
      `E: DEVNUM=${String(deviceNumber - 1).padStart(3, "0")}`,
      `E: PRODUCT=${template.vendorId.toString(16)}/${template.productId.toString(16)}/100`,
      `E: TYPE=${template.deviceClass}/0/${template.deviceClass === 9 ? 1 : 0}`,
      `A: idVendor=${template.vendorId.toString(16).padStart(4, "0")}`,
      `A: idProduct=${template.productId.toString(16).padStart(4, "0")}`,
      `A: bDeviceClass=${hex(template.deviceClass)}`,
      "A: bDeviceSubClass=00",
      `A: bDeviceProtocol=${template.deviceClass === 9 ? "01" : "00"}`,
      `A: bMaxPower=${template.maxPowerMilliamps}mA`,
      `A: speed=${template.speed}`,
      `A: removable=${removable}`,
      // usbguard-daemon (bench/idle.bench.ts runs it on this recording) refuses a device without it.
      "A: authorized=1",
      `A: busnum=${bus}`,
      `A: devnum=${deviceNumber - 1}`,
      `H: descriptors=${desc}`,
    ];
    if (template.product) lines.push(`A: product=${template.product}`, "A: manufacturer=Bench Devices Inc.");
    if (!name.startsWith("usb")) {
      lines.push(`A: serial=BENCH${String(deviceNumber).padStart(6, "0")}`);
      // The hub port this device is plugged into, and the device's `port` link to it, as on real kernels.
      const parentPath = path.slice(0, path.lastIndexOf("/"));
      const parentName = parentPath.slice(parentPath.lastIndexOf("/") + 1);
      const portNumber = name.split(/[.-]/).at(-1);
      const hubInterface = parentName.startsWith("usb")
        ? `${parentName.slice(3)}-0:1.0`
        : `${parentName}:1.0`;
      const portName = `${parentName}-port${portNumber}`;
      lines.push(`L: port=../${hubInterface}/${portName}`);
      const portPath = `${parentPath}/${hubInterface}/${portName}`;
      // As the kernel has it: firmware describes the laptop's own ports (and sets `removable`
      // from that), an external hub's ports are "unknown" (and `removable` says what its
      // descriptor says).
      const connectType = { fixed: "hardwired", removable: "hotplug" }[removable] ?? "unknown";
      const port = [`P: ${portPath}`, "E: SUBSYSTEM=usb_port", `A: connect_type=${connectType}`];
      // A port firmware describes has an ACPI companion, linked as `firmware_node` (acpi_bind_one);
      // a non-root hub's port's node is a child of the node of the port the hub is plugged into
      // (usb-acpi.c, usb_acpi_get_companion_for_port), as a built-in hub's are in a laptop's DSDT.
      if (connectType !== "unknown") {
        const above = acpiNodes.get(parentName) ?? ACPI_ROOT_HUB_NODE;
        const node = `${above}/device:${(0x20 + acpiNodes.size).toString(16)}`;
        acpiNodes.set(name, node);
        blocks.push([`P: ${node}`, "E: SUBSYSTEM=acpi"].join("\n"));
        port.push(`L: firmware_node=${posix.relative(portPath, node)}`);
      }
      blocks.push(port.join("\n"));
    }
    blocks.push(lines.join("\n"));
    const interfacePrefix = name.startsWith("usb") ? `${bus}-0` : name;
    template.interfaces.forEach(([cls, subclass, protocol], index) => {
      blocks.push(
        [
          `P: ${path}/${interfacePrefix}:1.${index}`,
          "E: SUBSYSTEM=usb",
          "E: DEVTYPE=usb_interface",
          `A: bInterfaceClass=${hex(cls)}`,
          `A: bInterfaceSubClass=${hex(subclass)}`,
          `A: bInterfaceProtocol=${hex(protocol)}`,
          // The kernel's format: lowercase field letters, uppercase hex.
          `A: modalias=usb:v${up(le16Big(template.vendorId))}p${up(le16Big(template.productId))}d0100dc${up(hex(template.deviceClass))}dsc00dp00ic${up(hex(cls))}isc${up(hex(subclass))}ip${up(hex(protocol))}in${up(hex(index))}`,
          ...(cls === 0xff ? ["A: interface=MTP"] : []),
        ].join("\n"),
      );
    });
  };
  const rootHub = (bus: number, speed: string): Template => ({
    ...HUB,
    vendorId: 0x1d6b,
    productId: bus === 1 ? 2 : 3,
    product: "xHCI Host Controller",
    speed,
    maxPowerMilliamps: 0,
  });
  add(`${CONTROLLER}/usb1`, "usb1", rootHub(1, "480"), "unknown");
  add(`${CONTROLLER}/usb2`, "usb2", rootHub(2, "10000"), "unknown");
  let templateIndex = 0;
  const next = () => TEMPLATES[templateIndex++ % TEMPLATES.length] as Template;
  // Internal hub with six devices.
  add(`${CONTROLLER}/usb1/1-1`, "1-1", HUB, "fixed");
  for (let port = 1; port <= 6; port++)
    add(`${CONTROLLER}/usb1/1-1/1-1.${port}`, `1-1.${port}`, next(), "fixed");
  // A dock: hub with four ports, the last one another hub with three devices.
  add(`${CONTROLLER}/usb1/1-2`, "1-2", HUB, "removable");
  for (let port = 1; port <= 3; port++)
    add(`${CONTROLLER}/usb1/1-2/1-2.${port}`, `1-2.${port}`, next(), "unknown");
  add(`${CONTROLLER}/usb1/1-2/1-2.4`, "1-2.4", HUB, "unknown");
  for (let port = 1; port <= 3; port++) {
    add(`${CONTROLLER}/usb1/1-2/1-2.4/1-2.4.${port}`, `1-2.4.${port}`, next(), "unknown");
  }
  for (let port = 3; port <= 11; port++)
    add(`${CONTROLLER}/usb1/1-${port}`, `1-${port}`, next(), "removable");
  for (let port = 1; port <= 4; port++) add(`${CONTROLLER}/usb2/2-${port}`, `2-${port}`, next(), "removable");
  let count = 30;
  for (let port = 5; count < total; port++) {
    add(`${CONTROLLER}/usb2/2-${port}`, `2-${port}`, HUB, "removable");
    count++;
    for (let child = 1; child <= 7 && count < total; child++, count++)
      add(`${CONTROLLER}/usb2/2-${port}/2-${port}.${child}`, `2-${port}.${child}`, next(), "unknown");
  }
  return `${blocks.join("\n\n")}\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function timeAsync(runs: number, warmup: number, task: () => Promise<unknown>): Promise<number> {
  for (let index = 0; index < warmup; index++) await task();
  const samples: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    await task();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

interface InnerResults {
  probeAtRoot: number;
  probeDevices: number;
  lsusb?: number;
  lsusbDevices?: number;
  lsusbError?: string;
  systeminformation?: number;
  systeminformationDevices?: number;
  systeminformationError?: string;
}

/** Runs inside umockdev-run: everything sees the recording at /sys and /dev. */
async function inner(): Promise<void> {
  const probe = createLinuxUsbProbe({ root: "/" });
  const snapshot = await probe.snapshot();
  const results: InnerResults = {
    probeAtRoot: await timeAsync(200, 50, () => probe.snapshot()),
    probeDevices: snapshot.observations.length,
  };
  const lsusbRun = spawnSync("lsusb", ["-v"], { encoding: "utf8" });
  if (lsusbRun.error || lsusbRun.stdout === "") {
    results.lsusbError = String(lsusbRun.error ?? lsusbRun.stderr);
  } else {
    results.lsusbDevices = lsusbRun.stdout.match(/^Bus \d+ Device \d+:/gm)?.length ?? 0;
    results.lsusb = await timeAsync(20, 3, async () => spawnSync("lsusb", ["-v"], { encoding: "utf8" }));
  }
  try {
    const si = await import("systeminformation");
    const devices = await si.usb();
    results.systeminformationDevices = devices.length;
    results.systeminformation = await timeAsync(20, 3, () => si.usb());
  } catch (error) {
    results.systeminformationError = String(error);
  }
  process.stdout.write(JSON.stringify(results));
}

interface Timings {
  /** Each task's median over all its runs. */
  medians: number[];
  /** Each task's median in each round (in process) or its time in each run (fresh processes). */
  byRound: number[][];
}

/** Tasks timed in interleaved rounds (A B A B …), so a busy spell hits them alike. */
async function timeInterleaved(
  tasks: (() => Promise<unknown>)[],
  rounds: number,
  perRound: number,
  warmup: number,
): Promise<Timings> {
  for (const task of tasks) for (let index = 0; index < warmup; index++) await task();
  const samples: number[][] = tasks.map(() => []);
  const byRound: number[][] = tasks.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [at, task] of tasks.entries()) {
      const roundSamples: number[] = [];
      for (let index = 0; index < perRound; index++) {
        const started = performance.now();
        await task();
        roundSamples.push(performance.now() - started);
      }
      samples[at]?.push(...roundSamples);
      byRound[at]?.push(median(roundSamples));
    }
  }
  return { medians: samples.map(median), byRound };
}

/**
 * "N % of before" as the median of the rounds' own ratios (each round's two medians were taken
 * minutes, not seconds, apart at most), with the lowest and highest: on a shared machine that is
 * steadier than the ratio of two overall medians, and the range says how noisy the run was.
 */
function percentOfBefore(
  timings: Timings,
  task: number,
  before: number | undefined,
  unit = "rounds",
): string {
  if (before === undefined) return "";
  const ours = timings.byRound[task] ?? [];
  const theirs = timings.byRound[before] ?? [];
  const ratios = ours.map((ms, round) => (ms / (theirs[round] ?? Number.NaN)) * 100);
  const sorted = [...ratios].sort((a, b) => a - b);
  return `; ${median(ratios).toFixed(0)} % of before (${unit} ${sorted[0]?.toFixed(0)}–${sorted.at(-1)?.toFixed(0)} %)`;
}

type ProbeFactory = typeof createLinuxUsbProbe;

/**
 * One scan in a fresh process, what `eca scan` pays: the probe's code runs cold (interpreted, not
 * yet optimised). Loading the module is not counted. Median of `runs` processes a module,
 * alternating between the modules so a busy spell hits them alike.
 */
function timeColdScans(modules: string[], root: string, runs: number): Timings {
  const script = [
    "const probe = await import(process.argv[1]);",
    'const { performance } = await import("node:perf_hooks");',
    "const started = performance.now();",
    "await probe.createLinuxUsbProbe({ root: process.argv[2] }).snapshot();",
    "process.stdout.write(String(performance.now() - started));",
  ].join("\n");
  return timeFreshProcesses(
    modules.map((module) => ["--input-type=module", "-e", script, module, root]),
    runs,
  );
}

/**
 * Runs `node <args>` for each entry of `argvs`, `runs` times, alternating between them so a busy
 * spell hits them alike; each prints the milliseconds it measured. Their medians and every sample.
 */
function timeFreshProcesses(argvs: string[][], runs: number): Timings {
  const samples: number[][] = argvs.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (const [at, argv] of argvs.entries()) {
      const child = spawnSync(process.execPath, argv, { encoding: "utf8" });
      const ms = Number(child.stdout);
      if (child.status !== 0 || !Number.isFinite(ms))
        throw new Error(`a fresh scan (node ${argv.slice(-3).join(" ")}): ${child.stderr}`);
      samples[at]?.push(ms);
    }
  }
  return { medians: samples.map(median), byRound: samples };
}

// Run by `node -e` with: the probe's bundle, its code cache, a tree. The bundle is compiled exactly
// as agent/bin/eca-sea.cjs compiles the program (one CommonJS function, vm.Script).
const COMPILE_BUNDLE = `const fs = require("node:fs"), vm = require("node:vm");
const [bundle, cache, tree] = process.argv.slice(1);
const source = "(function (exports, require, module) {" + fs.readFileSync(bundle, "utf8") + "\\n})";
const options = { filename: bundle };
if (fs.existsSync(cache)) options.cachedData = fs.readFileSync(cache);
const script = new vm.Script(source, options);
if (script.cachedDataRejected) throw new Error(cache + ": code cache rejected");
const module = { exports: {} };
script.runInThisContext()(module.exports, require, module);`;

/**
 * One scan in a fresh process as the single executable runs it: the probe bundled into one
 * CommonJS script (esbuild) and compiled with a V8 code cache made after a scan of `warmTree` (what
 * packaging/code-cache.ts does for the whole program with the example laptop), so its functions
 * start compiled but not optimised. The same for every module compared; loading not counted.
 */
async function timeCachedScans(
  modules: string[],
  tree: string,
  warmTree: string,
  runs: number,
  scratch: string,
): Promise<Timings> {
  const { build } = await import("esbuild");
  const prepared: { bundle: string; cache: string }[] = [];
  for (const [at, module] of modules.entries()) {
    const bundle = join(scratch, `cached-probe-${at}.cjs`);
    const cache = join(scratch, `cached-probe-${at}.cache`);
    await build({
      entryPoints: [module],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node26",
      outfile: bundle,
      logLevel: "silent",
    });
    const make = spawnSync(
      process.execPath,
      [
        "-e",
        `${COMPILE_BUNDLE}
module.exports.createLinuxUsbProbe({ root: tree }).snapshot().then(() => { fs.writeFileSync(cache, script.createCachedData()); process.exit(0); });`,
        bundle,
        cache,
        warmTree,
      ],
      { encoding: "utf8" },
    );
    if (make.status !== 0) throw new Error(`code cache of ${module}: ${make.stderr}`);
    prepared.push({ bundle, cache });
  }
  const scan = `${COMPILE_BUNDLE}
const started = performance.now();
module.exports.createLinuxUsbProbe({ root: tree }).snapshot().then(() => process.stdout.write(String(performance.now() - started)));`;
  return timeFreshProcesses(
    prepared.map(({ bundle, cache }) => ["-e", scan, bundle, cache, tree]),
    runs,
  );
}

type Operation = [SysfsOperation, string];

/** Every file operation of one first scan of `root`, in order (probes/linux/sysfs-read.ts observeSysfs). */
async function firstScanOperations(root: string): Promise<Operation[]> {
  const operations: Operation[] = [];
  const stop = observeSysfs((operation, path) => operations.push([operation, path]));
  try {
    await createLinuxUsbProbe({ root }).snapshot();
  } finally {
    stop();
  }
  return operations;
}

const bareBuffer = Buffer.allocUnsafe(65_536);

/** The same operations with nothing around them: opendir, open + read + close, access. */
async function replayOperations(operations: Operation[]): Promise<void> {
  for (const [operation, path] of operations) {
    try {
      if (operation === "read") {
        const descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
        readSync(descriptor, bareBuffer, 0, 4096, 0);
        closeSync(descriptor);
      } else if (operation === "list") {
        const directory = opendirSync(path, { bufferSize: 128 });
        while (directory.readSync() !== null);
        directory.closeSync();
      } else existsSync(path);
    } catch {
      // What failed for the probe fails here too, as cheaply.
    }
  }
}

/** "1,303 reads, 232 existence checks, 3 listings" */
function describeOperations(operations: Operation[]): string {
  const count = (kind: SysfsOperation) => operations.filter(([operation]) => operation === kind).length;
  return `${count("read").toLocaleString("en")} reads, ${count("exists")} existence checks, ${count("list")} listings`;
}

/** The probe as it was at `ref`: that commit's probes/ folder and package.json, extracted next to the recording. */
async function baselineProbe(
  ref: string,
  scratch: string,
): Promise<{ commit: string; create: ProbeFactory; module: string }> {
  const repo = join(import.meta.dirname, "..");
  const commit = spawnSync("git", ["-C", repo, "rev-parse", "--short", ref], {
    encoding: "utf8",
  }).stdout.trim();
  if (!commit) throw new Error(`--baseline ${ref}: not a commit in ${repo}`);
  const target = join(scratch, "baseline");
  await mkdir(target, { recursive: true });
  // With its package.json: without one ("type": "module") Node detects each .ts file's module
  // syntax, and that probe's one scan in a fresh process measured about 12 % slower than the same
  // code beside a package.json, which flattered the probe being compared.
  const archive = spawnSync("git", ["-C", repo, "archive", commit, "probes", "package.json"], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const untar = spawnSync("tar", ["-x", "-C", target], { input: archive.stdout });
  if (archive.status !== 0 || untar.status !== 0) throw new Error(`--baseline ${ref}: git archive failed`);
  const module = (await import(join(target, "probes/linux/usb-sysfs.ts"))) as {
    createLinuxUsbProbe: ProbeFactory;
  };
  return { commit, create: module.createLinuxUsbProbe, module: join(target, "probes/linux/usb-sysfs.ts") };
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), "eca-usb-bench-"));
  try {
    const recording = join(scratch, "bench-30.umockdev");
    const text = benchRecording();
    await writeFile(recording, text);
    const tree = join(scratch, "tree");
    await umockdevToTree(text, tree);
    const tree250 = join(scratch, "tree-250");
    await umockdevToTree(benchRecording(250), tree250);
    const at = process.argv.indexOf("--baseline");
    const baseline = at > 0 ? await baselineProbe(process.argv[at + 1] ?? "HEAD", scratch) : undefined;

    const probe = createLinuxUsbProbe({ root: tree });
    const probe250 = createLinuxUsbProbe({ root: tree250 });
    const devices = (await probe.snapshot()).observations.length;
    const devices250 = (await probe250.snapshot()).observations.length;
    // "First scan": a new probe each time, so nothing is known from a previous scan (as `eca scan`).
    const tasks: (() => Promise<unknown>)[] = [
      () => probe.snapshot(),
      () => probe250.snapshot(),
      () => createLinuxUsbProbe({ root: tree250 }).snapshot(),
    ];
    if (baseline) {
      const old = baseline.create({ root: tree });
      const old250 = baseline.create({ root: tree250 });
      tasks.push(
        () => old.snapshot(),
        () => old250.snapshot(),
      );
    }
    // The floor of a first scan: the file operations it makes (observed), alone in a bare loop.
    const operations = await firstScanOperations(tree250);
    tasks.push(() => replayOperations(operations));
    const timings = await timeInterleaved(tasks, ROUNDS, PER_ROUND, WARMUP);
    const [inProcess = 0, inProcess250 = 0, first250 = 0, ...rest] = timings.medians;
    const [baseline30, baseline250] = baseline ? rest : [];
    const floor250 = rest.at(-1) ?? 0;
    const ofBefore = (task: number) => percentOfBefore(timings, task, baseline ? 4 : undefined);
    const coldTimings = timeColdScans(
      [join(import.meta.dirname, "../probes/linux/usb-sysfs.ts"), ...(baseline ? [baseline.module] : [])],
      tree250,
      COLD_RUNS,
    );
    const [cold250 = 0, coldBaseline250] = coldTimings.medians;
    const ofColdBefore = () => percentOfBefore(coldTimings, 0, baseline ? 1 : undefined, "pairs");
    const cachedTimings = await timeCachedScans(
      [join(import.meta.dirname, "../probes/linux/usb-sysfs.ts"), ...(baseline ? [baseline.module] : [])],
      tree250,
      join(import.meta.dirname, "../examples/laptop-with-phone-and-stick"),
      COLD_RUNS,
      scratch,
    );
    const [cached250 = 0, cachedBaseline250] = cachedTimings.medians;
    const ofCachedBefore = () => percentOfBefore(cachedTimings, 0, baseline ? 1 : undefined, "pairs");

    const innerRun = spawnSync(
      "umockdev-run",
      ["--device", recording, "--", process.execPath, import.meta.filename, "--inner"],
      {
        encoding: "utf8",
      },
    );
    let innerResults: InnerResults | undefined;
    let innerError: string | undefined;
    try {
      innerResults = JSON.parse(innerRun.stdout) as InnerResults;
    } catch {
      innerError = `umockdev-run failed: ${innerRun.error ?? innerRun.stderr.trim().slice(0, 300)}`;
    }

    const format = (ms: number | undefined) => (ms === undefined ? "n/a" : `${ms.toFixed(2)} ms`);
    const ratio = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / inProcess).toFixed(0)}×`);
    /** The row of the probe at the baseline commit, beside the one before it. */
    const before = (count: number, ms: number | undefined) =>
      baseline ? [[`the same at ${baseline.commit} (before)`, count, format(ms), ratio(ms)]] : [];
    const rows = [
      ["eca linux-sysfs probe, in process, `root` = tree", devices, format(inProcess), "1×"],
      ...before(devices, baseline30),
      [
        "eca linux-sysfs probe, in process, 250-device tree, every scan after the first (the daemon)",
        devices250,
        format(inProcess250),
        `${ratio(inProcess250)}${ofBefore(1)}`,
      ],
      [
        "the same, first scan of a new probe (`eca scan`)",
        devices250,
        format(first250),
        `${ratio(first250)}${ofBefore(2)}`,
      ],
      [
        `its file operations alone, in a bare loop (${describeOperations(operations)})`,
        devices250,
        format(floor250),
        `${ratio(floor250)}${ofBefore(tasks.length - 1)}`,
      ],
      ...before(devices250, baseline250),
      [
        "the same, the one scan of a fresh process, its code compiled on first call (`node agent/bin/eca.ts scan`)",
        devices250,
        format(cold250),
        `${ratio(cold250)}${ofColdBefore()}`,
      ],
      ...before(devices250, coldBaseline250),
      [
        "the same, the one scan of a fresh process from a build-time code cache (as the executable's `eca scan` runs it)",
        devices250,
        format(cached250),
        `${ratio(cached250)}${ofCachedBefore()}`,
      ],
      ...before(devices250, cachedBaseline250),
      [
        "eca linux-sysfs probe, in process, under umockdev-run",
        innerResults?.probeDevices,
        format(innerResults?.probeAtRoot),
        ratio(innerResults?.probeAtRoot),
      ],
      [
        "`lsusb -v` (usbutils), under umockdev-run",
        innerResults?.lsusbDevices,
        format(innerResults?.lsusb),
        ratio(innerResults?.lsusb),
      ],
      [
        "systeminformation `usb()` (runs `lsusb -v`), under umockdev-run",
        innerResults?.systeminformationDevices,
        format(innerResults?.systeminformation),
        ratio(innerResults?.systeminformation),
      ],
    ];
    const table = [
      "| what | observations / devices | median scan time | vs eca in process |",
      "| --- | ---: | ---: | ---: |",
      ...rows.map((row) => `| ${row.map((cell) => cell ?? "n/a").join(" | ")} |`),
    ].join("\n");
    const notes = [
      `Recording: 30 USB devices (2 root hubs, 3 hubs, 25 devices with 1–4 interfaces each), generated by bench/usb-scan.bench.ts.`,
      `Medians: eca in process over ${ROUNDS * PER_ROUND} runs after ${WARMUP} warm-up runs, in ${ROUNDS} interleaved rounds of ${PER_ROUND} per probe and tree${baseline ? ` (the probe at ${baseline.commit} taken from git into the same process)` : ""}; a fresh process over ${COLD_RUNS} processes a probe, alternating, the module's loading (and compiling) not counted, the code-cache rows' cache made by a scan of examples/laptop-with-phone-and-stick as the executable's is; "% of before" is the median of the ratios of each round's medians (in process) or of each pair of processes (fresh), with their range; under umockdev 200 after 50; lsusb and systeminformation over 20 runs after 3.`,
      "The recordings have each device's binary `descriptors` (as the kernel and umockdev-record give it), so the probe takes ids, classes, bMaxPower and interface classes from it; the individual attributes are there too, as on a real machine.",
      `Node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString().slice(0, 10)}.`,
      "eca's count includes Type-C ports (none here); lsusb's counts `Bus … Device …` lines.",
      "The umockdev rows run with umockdev-run's LD_PRELOAD redirecting every file operation to the recording; lsusb and systeminformation can only be timed that way (they read /sys and /dev). Their times include starting the lsusb process, which is part of what they cost.",
      innerError ? `Under umockdev-run: ${innerError}` : "",
      innerResults?.lsusbError ? `lsusb: ${innerResults.lsusbError}` : "",
      innerResults?.systeminformationError ? `systeminformation: ${innerResults.systeminformationError}` : "",
    ].filter(Boolean);
    const report = `# USB scan benchmark\n\n${table}\n\n${notes.map((note) => `- ${note}`).join("\n")}\n`;
    process.stdout.write(report);
    await mkdir(join(import.meta.dirname, "results"), { recursive: true });
    await writeFile(join(import.meta.dirname, "results/usb-scan.md"), report);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const recordingArgument = process.argv.indexOf("--write-recording");
if (!import.meta.main) {
  // Imported for benchRecording (bench/idle.bench.ts): nothing to run.
} else if (recordingArgument !== -1)
  await writeFile(
    process.argv[recordingArgument + 1] ?? "bench-30.umockdev",
    benchRecording(Number(process.argv[process.argv.indexOf("--devices") + 1]) || 30),
  );
else if (process.argv.includes("--inner")) await inner();
else await main();
