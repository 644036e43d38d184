// Host identity (parsers on recorded outputs, test/fixtures/host/README.md), the privacy switch,
// and Peripheral Activity events.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collectHostIdentity } from "../agent/events/host.ts";
import {
  domainOf,
  firmwareString,
  parseIoregPlatform,
  parseLinuxDmi,
  parseWindowsCim,
} from "../agent/events/host-parse.ts";
import {
  buildFindingEvent,
  buildPeripheralActivity,
  hostDevice,
  peripheralChanges,
} from "../agent/events/ocsf.ts";
import { createPseudonymiser, loadPseudonymiser, PSEUDONYM_PATTERN } from "../agent/events/privacy.ts";
import type { DeviceVerdict } from "../policy/types.ts";
import { captureSourceReader } from "../probes/capture/sources.ts";
import { testContext, testFinding } from "./helpers/events.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/host/${name}`, import.meta.url), "utf8");

/** `grep "" /sys/class/dmi/id/*` output as the files it printed; unreadable ones are absent. */
function dmiFiles(text: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\/sys\/class\/dmi\/id\/(\w+):(.*)$/.exec(line);
    if (match?.[1]) files[match[1]] = `${match[2] ?? ""}\n`;
  }
  return files;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "eca-host-"));
  dirs.push(dir);
  return dir;
}

describe("host identity parsers on recorded outputs", () => {
  it("Linux DMI of an Acer Switch read as a user: model and vendor, a tablet, no serial (root only)", () => {
    expect(parseLinuxDmi(dmiFiles(fixture("linux-dmi-acer-switch-sa5-271.txt")))).toEqual({
      model: "Switch SA5-271",
      vendorName: "Acer",
      typeId: 4,
    });
  });

  it("Linux DMI of a VirtualBox guest: serial 0 is a placeholder, the UUID is kept, the type is Virtual", () => {
    expect(parseLinuxDmi(dmiFiles(fixture("linux-dmi-virtualbox.txt")))).toEqual({
      model: "VirtualBox",
      vendorName: "innotek GmbH",
      hardwareUuid: "762a99bf-6916-450f-80a6-b2e9e78fc9a1",
      typeId: 6,
    });
  });

  it("macOS ioreg IOPlatformExpertDevice: serial, model, vendor, platform UUID, a laptop", () => {
    expect(parseIoregPlatform(fixture("macos-ioreg-platform-macbookpro18-1.txt"))).toEqual({
      serial: "HDWLIF2LM7",
      model: "MacBookPro18,1",
      vendorName: "Apple Inc.",
      hardwareUuid: "81895b8d-9ef9-4ebb-b5de-b00069cf53f0",
      typeId: 3,
    });
  });

  it("Windows CIM: BIOS serial, model, PCSystemType 2 is a laptop, the user and the AD domain", () => {
    expect(
      parseWindowsCim(fixture("windows-win32-bios-lenovo.txt"), fixture("windows-win32-computersystem.txt")),
    ).toEqual({
      serial: "PC2WMBDER",
      model: "20XW0055UK",
      vendorName: "LENOVO",
      typeId: 3,
      user: "CORP\\jsmith",
      domain: "corp.example.gov.uk",
    });
  });

  it("firmware placeholders are not identities", () => {
    for (const value of [
      "To Be Filled By O.E.M.",
      "Default string",
      "0",
      "  ",
      "System Serial Number",
      "00000000",
    ]) {
      expect(firmwareString(value), value).toBeUndefined();
    }
    expect(firmwareString("PF3ABCDE\n")).toBe("PF3ABCDE");
    expect(firmwareString("bad\u001b[2Jname")).toBe("bad[2Jname");
  });

  it("the DNS domain only from a name that starts with the hostname", () => {
    expect(domainOf("laptop-1.corp.example.gov.uk", "laptop-1")).toBe("corp.example.gov.uk");
    expect(domainOf("laptop-1", "laptop-1")).toBeUndefined();
    expect(domainOf("laptop-1.localdomain", "laptop-1")).toBeUndefined();
    expect(domainOf("other.corp", "laptop-1")).toBeUndefined();
  });
});

describe("collectHostIdentity", () => {
  it("Linux from a recorded tree and captured loginctl output, with the configured asset tag", async () => {
    const root = tempDir();
    mkdirSync(join(root, "etc"));
    mkdirSync(join(root, "sys/class/dmi/id"), { recursive: true });
    writeFileSync(join(root, "etc/machine-id"), "4C1D0E6C1F2B4A7E9D3C8B5A6F7E8D9C\n");
    for (const [file, text] of Object.entries(dmiFiles(fixture("linux-dmi-acer-switch-sa5-271.txt")))) {
      writeFileSync(join(root, "sys/class/dmi/id", file), text);
    }
    writeFileSync(join(root, "sys/class/dmi/id/product_serial"), "NXGPMEK0019100ABCD\n");
    const capture = tempDir();
    writeFileSync(join(capture, "loginctl-seat0.txt"), "ActiveSession=2\n");
    writeFileSync(join(capture, "loginctl-session-2.txt"), "Name=jsmith\n");
    writeFileSync(join(capture, "hostname-fqdn.txt"), "laptop-0042.corp.example.gov.uk\n");
    const host = await collectHostIdentity({
      platform: "linux",
      hostname: "laptop-0042",
      root,
      sources: captureSourceReader(capture),
      config: { assetTag: "MOJ-004217", org: "Example Department" },
    });
    expect(host).toMatchObject({
      hostname: "laptop-0042",
      domain: "corp.example.gov.uk",
      uid: "4c1d0e6c1f2b4a7e9d3c8b5a6f7e8d9c",
      serial: "NXGPMEK0019100ABCD",
      model: "Switch SA5-271",
      vendorName: "Acer",
      typeId: 4,
      owner: "jsmith",
      assetTag: "MOJ-004217",
      org: "Example Department",
      os: { type: "Linux", type_id: 200 },
    });
    expect(hostDevice(testContext({ host }))).toMatchObject({
      hw_info: { serial_number: "NXGPMEK0019100ABCD" },
      owner: { name: "jsmith" },
      uid_alt: "MOJ-004217",
      type_id: 4,
      type: "Tablet",
    });
  });

  it("macOS and Windows from captured command outputs; what is missing is left out", async () => {
    const capture = tempDir();
    writeFileSync(join(capture, "ioreg-platform.txt"), fixture("macos-ioreg-platform-macbookpro18-1.txt"));
    writeFileSync(join(capture, "console-user.txt"), "jsmith\n");
    writeFileSync(join(capture, "win-bios.txt"), fixture("windows-win32-bios-lenovo.txt"));
    writeFileSync(join(capture, "win-computersystem.txt"), fixture("windows-win32-computersystem.txt"));
    writeFileSync(
      join(capture, "win-machineguid.txt"),
      "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    2D5A47B1-9C0E-4F5B-8E43-4B1C9C3E1A77\r\n",
    );
    const sources = captureSourceReader(capture);
    const mac = await collectHostIdentity({ platform: "darwin", hostname: "Jos-MacBook-Pro.local", sources });
    expect(mac).toMatchObject({
      hostname: "Jos-MacBook-Pro",
      uid: "81895b8d-9ef9-4ebb-b5de-b00069cf53f0",
      serial: "HDWLIF2LM7",
      owner: "jsmith",
      typeId: 3,
      os: { type: "macOS", type_id: 300 },
    });
    expect(mac.domain).toBeUndefined();
    const win = await collectHostIdentity({ platform: "win32", hostname: "LAPTOP-0042", sources });
    expect(win).toMatchObject({
      uid: "2d5a47b1-9c0e-4f5b-8e43-4b1c9c3e1a77",
      serial: "PC2WMBDER",
      owner: "CORP\\jsmith",
      domain: "corp.example.gov.uk",
      os: { type: "Windows", type_id: 100 },
    });
    const bare = await collectHostIdentity({
      platform: "darwin",
      hostname: "m",
      sources: captureSourceReader(tempDir()),
    });
    expect(Object.keys(bare).sort()).toEqual(["hostname", "os"]);
  });
});

describe("privacy switch", () => {
  const hash = createPseudonymiser(Buffer.from("0123456789abcdef0123456789abcdef"));

  it("a keyed, stable hash: the same value and key always give the same pseudonym, another key another", () => {
    expect(hash("SN-1")).toMatch(PSEUDONYM_PATTERN);
    expect(hash("SN-1")).toBe(hash("SN-1"));
    expect(hash("SN-1")).not.toBe(hash("SN-2"));
    expect(createPseudonymiser(Buffer.alloc(32, 1))("SN-1")).not.toBe(hash("SN-1"));
  });

  it("device serials, names, addresses and ids never reach the event, evidence included; the host stays real", () => {
    const device = {
      ...testFinding("p").device,
      name: "Jo Bloggs's Galaxy S21",
      serial: "R58N12ABCDE",
    };
    const finding = testFinding("p", {
      device,
      evidence: [`name "${device.name}" follows the naming of a phone`, `serial ${device.serial}`],
    });
    const context = testContext({ pseudonymise: hash });
    const json = JSON.stringify(
      buildFindingEvent("opened", { finding, openedAt: "2026-03-01T09:00:00Z" }, context, new Date()).payload,
    );
    expect(json).not.toContain("Jo Bloggs");
    expect(json).not.toContain("R58N12ABCDE");
    expect(json).not.toContain(device.id);
    expect(json).toContain(hash("R58N12ABCDE"));
    expect(json).toContain('"hostname":"laptop-42"');
  });

  it("a missing or short fleet key file is an error naming the file and the fix", () => {
    const dir = tempDir();
    expect(() => loadPseudonymiser(join(dir, "nope"))).toThrow(
      /events\.privacy\.keyFile: .*nope is missing; give a file/,
    );
    writeFileSync(join(dir, "short"), "abc\n");
    expect(() => loadPseudonymiser(join(dir, "short"))).toThrow(/holds 3 bytes; .*openssl rand -hex 32/);
    writeFileSync(join(dir, "key"), "a".repeat(64));
    expect(loadPseudonymiser(join(dir, "key"))("x")).toMatch(PSEUDONYM_PATTERN);
  });
});

describe("Peripheral Activity", () => {
  const phone: DeviceVerdict = {
    ...testFinding("ph").device,
    kind: "phone",
    name: "Galaxy S21",
    vendorId: "04e8",
    productId: "6860",
    builtIn: false,
    confidence: "strong",
    verdict: "violation",
    reason: "personal phone",
    evidence: [],
    findings: ["phone-charging"],
  };

  it("a Connect with the peripheral as an OCSF peripheral_device and the primary user as actor", () => {
    const host = { ...testContext().host, owner: "jsmith" };
    const event = buildPeripheralActivity(
      "connected",
      phone,
      testContext({ host }),
      new Date(1_772_442_843_120),
    );
    expect(event.payload).toMatchObject({
      class_uid: 1010,
      category_uid: 1,
      activity_id: 1,
      type_uid: 101001,
      actor: { user: { name: "jsmith" } },
      peripheral_device: {
        name: "Galaxy S21",
        uid: phone.id,
        type_id: 99,
        type: "phone",
        vendor_id_list: ["04e8"],
        model: "04e8:6860",
        serial_number: phone.serial,
      },
      unmapped: { eca: { verdict: "violation", findings: ["phone-charging"] } },
    });
    expect(buildPeripheralActivity("disconnected", phone, testContext(), new Date()).payload).toMatchObject({
      activity_id: 2,
      type_uid: 101002,
      actor: { app_name: "eca" },
    });
  });

  it("peripheralChanges lists what appeared and what left, by device id", () => {
    const keyboard = { ...phone, id: "kbd", kind: "keyboard" as const };
    expect(peripheralChanges([keyboard], [keyboard, phone])).toEqual({
      connected: [phone],
      disconnected: [],
    });
    expect(peripheralChanges([keyboard, phone], [phone])).toEqual({
      connected: [],
      disconnected: [keyboard],
    });
  });
});
