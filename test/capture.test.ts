// The capture folder contract (docs/CAPTURE.md): `eca capture` writes what the probes read, and
// `eca scan --capture` replays it as the platform in the manifest, with no live source consulted.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, probeOptions } from "../agent/config/config.ts";
import { DocumentError } from "../policy/document.ts";
import { managedObjectsFromJson, readBluezObjects } from "../probes/capture/bluez-objects.ts";
import { writeCapture } from "../probes/capture/capture.ts";
import { redactBluezInfo } from "../probes/capture/linux.ts";
import { readCaptureManifest } from "../probes/capture/manifest.ts";
import { captureProbeSetup } from "../probes/capture/replay-setup.ts";
import {
  type CommandSource,
  captureSourceReader,
  type SourceReader,
  throttledSourceReader,
} from "../probes/capture/sources.ts";
import { createBluezDbusProbe } from "../probes/linux/bluez-dbus.ts";
import { runEca as eca, REPO } from "./helpers/eca-cli.ts";
import { type MockBluez, startMockBluez } from "./helpers/mock-bluez.ts";

const EXAMPLE = join(REPO, "examples/laptop-with-phone-and-stick");

const scratch = () => mkdtempSync(join(tmpdir(), "eca-capture-"));

function writeManifest(directory: string, manifest: unknown): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, "manifest.json"), JSON.stringify(manifest));
}

const goodManifest = {
  format: "eca-capture/1",
  platform: "linux",
  ecaVersion: "0.1.0",
  capturedAt: "2026-12-01T09:00:00.000Z",
  sources: [],
};

describe("Linux capture and replay", () => {
  it("a capture of a recorded laptop replays to the same devices and findings as --root on it", async () => {
    const directory = join(scratch(), "laptop");
    const manifest = await writeCapture({ directory, platform: "linux", root: EXAMPLE });
    expect(manifest.sources.map((s) => s.file)).toEqual([
      "sys/bus/usb/devices",
      "sys/class/typec",
      "var/lib/bluetooth",
      "bluez-objects.json",
    ]);
    // --root points at a recording: this machine's D-Bus is no part of it, so it is not read.
    expect(manifest.sources[3]?.error).toMatch(/not read/);
    const replayed = JSON.parse((await eca(["scan", "--json", "--capture", directory])).stdout);
    const direct = JSON.parse(
      (await eca(["scan", "--json", "--backend", "linux-sysfs", "bluez-store", "--root", EXAMPLE])).stdout,
    );
    expect(replayed.devices).toEqual(direct.devices);
    expect(replayed.findings).toEqual(direct.findings);
    expect(replayed.unavailable).toEqual([
      { source: "bluez-dbus", reason: `capture: ${join(directory, "bluez-objects.json")} is missing` },
    ]);
  });

  it("pairing keys never leave the laptop: Key= lines in key groups are redacted, the groups kept", () => {
    const info = "[General]\nName=Car\n\n[LinkKey]\nKey=0123456789ABCDEF0123456789ABCDEF\nType=4\n";
    const redacted = redactBluezInfo(info);
    expect(redacted).not.toContain("0123456789ABCDEF");
    expect(redacted).toContain("[LinkKey]\nKey=REDACTED\nType=4");
    expect(redacted).toContain("Name=Car");
  });

  it("eca capture exits 0 with what it wrote, and 2 on a folder that already holds something", async () => {
    const directory = join(scratch(), "forked");
    const first = await eca(["capture", directory, "--root", EXAMPLE]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/wrote 3 of 4 sources .*eca scan --capture/);
    expect(first.stderr).toMatch(/bluez-objects\.json: not read/);
    const again = await eca(["capture", directory, "--root", EXAMPLE]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty: give eca capture a new or empty folder/);
  });

  it("eca capture --help says the folder holds names and serials", async () => {
    const { stdout } = await eca(["capture", "--help"]);
    expect(stdout).toMatch(/device names, serial numbers and Bluetooth addresses/);
    expect(stdout).toMatch(/treat it as personal data/);
    expect(stdout).toMatch(/Exit codes:\n\s+0\s+written/);
  });

  it("refuses a folder that already holds something", async () => {
    const directory = scratch();
    writeFileSync(join(directory, "other.txt"), "x");
    await expect(writeCapture({ directory, platform: "linux", root: EXAMPLE })).rejects.toThrow(/not empty/);
  });
});

describe("bluez-objects.json", () => {
  let bluez: MockBluez;
  beforeAll(async () => {
    bluez = await startMockBluez();
    await bluez.addDevice({
      address: "00:1E:AE:4C:A2:01",
      name: "MY VW 4821",
      classOfDevice: 0x240420,
      uuids: ["111e", "110b"],
      paired: true,
      connected: true,
    });
  }, 20_000);
  afterAll(async () => {
    await bluez?.stop();
  });

  it("the bluez-dbus probe replays the recorded GetManagedObjects reply as it read the live bus", async () => {
    const recorded = await readBluezObjects(bluez.address);
    if (!("text" in recorded)) throw new Error(recorded.error);
    const directory = scratch();
    writeFileSync(join(directory, "bluez-objects.json"), recorded.text);
    const live = await createBluezDbusProbe({ root: "/", systemBusAddress: bluez.address }).snapshot();
    // A bus address that answers nothing proves the replay never touches a bus.
    const replay = createBluezDbusProbe({
      root: directory,
      systemBusAddress: "unix:path=/nonexistent/bus",
      sources: captureSourceReader(directory),
    });
    expect(await replay.snapshot()).toEqual(live);
    expect(live.observations.length).toBe(1);
  });

  it("eca capture on a live Linux laptop records BlueZ's objects, and eca scan --capture judges them", async () => {
    const directory = join(scratch(), "live");
    const captured = await eca(["capture", directory], { env: { DBUS_SYSTEM_BUS_ADDRESS: bluez.address } });
    expect(captured.code).toBe(0);
    const manifest = readCaptureManifest(directory);
    expect(manifest.sources.find((s) => s.file === "bluez-objects.json")?.error).toBeUndefined();
    // Replayed with the bus gone: the car comes from the file alone.
    const { stdout } = await eca(["scan", "--json", "--capture", directory]);
    const report = JSON.parse(stdout) as {
      devices: { id: string; kind: string }[];
      findings: { rule: string }[];
    };
    expect(report.devices).toContainEqual(
      expect.objectContaining({ id: "bt:00:1E:AE:4C:A2:01", kind: "vehicle" }),
    );
    expect(report.findings.map((f) => f.rule)).toContain("vehicle-pairing");
  });

  it("a garbled bluez-objects.json makes bluez-dbus unavailable with the reason, not a crash", async () => {
    const directory = scratch();
    writeFileSync(join(directory, "bluez-objects.json"), "[1, 2");
    const snapshot = await createBluezDbusProbe({
      root: directory,
      sources: captureSourceReader(directory),
    }).snapshot();
    expect(snapshot.observations).toEqual([]);
    expect(snapshot.unavailable[0]?.reason).toMatch(/bluez-objects\.json cannot be used/);
    expect(() => managedObjectsFromJson("[]")).toThrow(/object keyed by D-Bus object path/);
  });
});

describe("the manifest", () => {
  it("chooses the platform's replayable backends: no hci, libusb or systeminformation", () => {
    const directory = scratch();
    writeManifest(directory, goodManifest);
    expect(captureProbeSetup(directory).backends).toEqual(["linux-sysfs", "bluez-dbus", "bluez-store"]);
    writeManifest(directory, { ...goodManifest, platform: "darwin" });
    expect(captureProbeSetup(directory).backends).toEqual(["macos-usb", "macos-bluetooth"]);
    expect(() => captureProbeSetup(directory, ["libusb"])).toThrow(/libusb reads only live devices/);
    writeManifest(directory, { ...goodManifest, platform: "win32" });
    expect(captureProbeSetup(directory).backends).toEqual(["windows-pnp", "windows-bluetooth"]);
  });

  const bad: [string, unknown, RegExp][] = [
    ["an unknown platform", { ...goodManifest, platform: "beos" }, /platform: .*linux, darwin or win32/],
    ["another format", { ...goodManifest, format: "other/2" }, /format: .*eca-capture\/1/],
    [
      "a file outside the folder",
      { ...goodManifest, sources: [{ file: "../etc/passwd" }] },
      /sources\[0\]\.file/,
    ],
    ["an absolute file", { ...goodManifest, sources: [{ file: "/etc/passwd" }] }, /sources\[0\]\.file/],
    ["no capture time", { ...goodManifest, capturedAt: undefined }, /capturedAt/],
    ["a bad capture time", { ...goodManifest, capturedAt: "yesterday" }, /capturedAt.*ISO 8601/],
  ];
  for (const [what, manifest, message] of bad) {
    it(`refuses ${what}, naming the file, the place and the fix`, () => {
      const directory = scratch();
      writeManifest(directory, manifest);
      let error: unknown;
      try {
        readCaptureManifest(directory);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DocumentError);
      expect((error as DocumentError).message).toContain(join(directory, "manifest.json"));
      expect((error as DocumentError).message).toMatch(message);
      expect((error as DocumentError).message).toContain("fix:");
    });
  }

  it("eca scan --capture on a folder without a manifest exits 2 and says what to give it", async () => {
    const { code, stderr } = await eca(["scan", "--capture", scratch()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/manifest\.json is missing.*eca capture DIR/);
  });

  it("a replay never runs a command: a source missing from a Mac's folder is missing, not 'ioreg is not installed'", async () => {
    const directory = scratch();
    writeManifest(directory, { ...goodManifest, platform: "darwin" });
    const { stdout } = await eca(["scan", "--json", "--capture", directory]);
    const reasons = (JSON.parse(stdout) as { unavailable: { reason: string }[] }).unavailable.map(
      (u) => u.reason,
    );
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      expect(reason).toMatch(/^capture: /);
      expect(reason).not.toMatch(/not installed|ENOENT.*spawn/);
    }
  });

  it("eca scan --capture cannot be mixed with --replay", async () => {
    const { code, stderr } = await eca(["scan", "--capture", scratch(), "--replay", "x.json"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot be used with/);
  });
});

describe("eca run --capture", () => {
  it("the daemon's configuration replays the folder as its platform, with no live source", async () => {
    const directory = join(REPO, "test/fixtures/captures/mac-tahoe-iphone-stick");
    const config = await loadConfig(undefined, { captureDir: directory });
    expect(config.backends).toEqual(["macos-usb", "macos-bluetooth"]);
    const options = probeOptions(config);
    expect(options.root).toBe(directory);
    expect(options.sources?.kind).toBe("capture");
  });

  it("a bad manifest stops the daemon before it starts, naming the file", async () => {
    const directory = scratch();
    writeManifest(directory, { ...goodManifest, platform: "amiga" });
    await expect(loadConfig(undefined, { captureDir: directory })).rejects.toThrow(
      /manifest\.json is not valid/,
    );
  });
});

/** What the fake Mac prints: JSON where JSON was asked for, as the real commands do. */
const fakeOutput = (file: string, command: readonly string[]) =>
  file.endsWith(".json")
    ? `{ "output of": ${JSON.stringify(command.join(" "))} }\n`
    : `output of ${command.join(" ")}\n`;

describe("command sources", () => {
  it("a darwin capture runs each probe command once and writes its output under the documented name", async () => {
    const ran: string[][] = [];
    const reader: SourceReader = {
      kind: "live",
      async read(source) {
        ran.push([...source.command]);
        return { ok: true, text: fakeOutput(source.file, source.command), durationMs: 3 };
      },
    };
    const directory = join(scratch(), "mac");
    const manifest = await writeCapture({ directory, platform: "darwin", root: "/", reader });
    expect(ran[0]).toEqual(["ioreg", "-p", "IOUSB", "-l", "-w0"]);
    for (const source of manifest.sources) {
      expect(source.exitCode).toBe(0);
      expect(readFileSync(join(directory, source.file), "utf8")).toBe(
        fakeOutput(source.file, source.command ?? []),
      );
    }
    expect(readCaptureManifest(directory).platform).toBe("darwin");
  });
});

describe("a win32 capture", () => {
  it("runs the Windows collectors and names their scripts in the manifest, not kilobytes of base64", async () => {
    const reader: SourceReader = {
      kind: "live",
      async read(source) {
        return { ok: true, text: `{"file": ${JSON.stringify(source.file)}}`, durationMs: 2 };
      },
    };
    const directory = join(scratch(), "win");
    const manifest = await writeCapture({ directory, platform: "win32", root: "/", reader });
    expect(manifest.sources.map((source) => source.file)).toEqual([
      "pnp-devices.json",
      "bluetooth-registry.json",
    ]);
    expect(manifest.sources[0]?.command?.at(-1)).toBe("<collect-pnp.ps1>");
    expect(readFileSync(join(directory, "pnp-devices.json"), "utf8")).toBe('{"file": "pnp-devices.json"}');
  });

  it("names the in-process collectors (CfgMgr32, advapi32) when they answered, PowerShell's scripts otherwise", async () => {
    const answers = async (source: CommandSource) => ({
      ok: true as const,
      text: `{"file": ${JSON.stringify(source.file)}}`,
      durationMs: 2,
    });
    for (const [name, expected] of [
      ["cfgmgr32", "<probes/windows/cfgmgr32.ts>"],
      ["powershell", "<collect-pnp.ps1>"],
    ] as const) {
      const reader = {
        kind: "live" as const,
        read: answers,
        collector: () => ({ name }),
        registryCollector: () => ({
          name: name === "cfgmgr32" ? ("advapi32" as const) : ("powershell" as const),
        }),
      };
      const manifest = await writeCapture({
        directory: join(scratch(), `win-${name}`),
        platform: "win32",
        root: "/",
        reader,
      });
      expect(manifest.sources[0]?.command?.at(-1)).toBe(expected);
      expect(manifest.sources[1]?.command?.at(-1)).toBe(
        name === "cfgmgr32" ? "<probes/windows/bthport.ts>" : "<collect-bluetooth.ps1>",
      );
    }
  });
});

describe("throttledSourceReader", () => {
  const source = {
    file: "system_profiler-SPBluetoothDataType.json",
    command: ["system_profiler"],
    timeoutMs: 1,
    maxBytes: 1,
  };

  it("a slow command is run at most once per interval on a live machine; failures are retried at once", async () => {
    let clock = 0;
    let runs = 0;
    let fail = false;
    const live: SourceReader = {
      kind: "live",
      async read() {
        runs++;
        return fail ? { ok: false, reason: "busy" } : { ok: true, text: `run ${runs}`, durationMs: 1200 };
      },
    };
    const reader = throttledSourceReader(live, 60_000, () => clock);
    expect(await reader.read(source)).toMatchObject({ text: "run 1" });
    clock = 5_000; // the next poll
    expect(await reader.read(source)).toMatchObject({ text: "run 1" });
    expect(runs).toBe(1);
    clock = 61_000;
    fail = true;
    expect(await reader.read(source)).toMatchObject({ ok: false });
    fail = false;
    expect(await reader.read(source)).toMatchObject({ text: "run 3" });
    expect(runs).toBe(3);
  });

  it("a capture folder is read as it is", () => {
    const capture = captureSourceReader(scratch());
    expect(throttledSourceReader(capture, 60_000)).toBe(capture);
  });
});
