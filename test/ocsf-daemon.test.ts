// End to end through `eca run` (forked, the replay backend): the `events` configuration reaches
// the events, every event the daemon sends validates against OCSF 1.8.0, Peripheral Activity
// follows devices coming and going when switched on, the privacy switch keeps serials out while
// `eca status` shows them, and a relp+tls:// endpoint delivers into a real rsyslog.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usbStick } from "./helpers/devices.ts";
import { forkEca, runEca } from "./helpers/eca-cli.ts";
import {
  createTestPki,
  endpointConfigLines,
  type Receiver,
  startReceiver,
  type TestPki,
} from "./helpers/https-receiver.ts";
import { loadOcsfSchema, validateOcsfEvent } from "./helpers/ocsf-validator.ts";
import { rsyslogAvailable, startRsyslog } from "./helpers/rsyslog-receiver.ts";
import { until } from "./helpers/until.ts";

const schema = loadOcsfSchema();

const stick = usbStick("4C530001");
const phone = {
  ...stick,
  id: "usb:04e8:6860:R58N12ABCDE",
  vendorId: "04e8",
  productId: "6860",
  serial: "R58N12ABCDE",
  manufacturer: "SAMSUNG",
  product: "Jo Bloggs's Galaxy",
  interfaces: [{ class: "06", subclass: "01", protocol: "01", name: "MTP" }],
  portPath: "1-3",
};

type Event = Record<string, unknown> & { class_uid?: number; activity_id?: number };

describe("eca run with the events configuration", () => {
  let pki: TestPki;
  let dir: string;
  beforeAll(() => {
    pki = createTestPki();
    dir = mkdtempSync(join(tmpdir(), "eca-ocsf-daemon-"));
    writeFileSync(join(dir, "fleet.key"), "an example fleet key of enough bytes\n");
  });
  afterAll(() => {
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function config(name: string, endpoint: string[], replayFile: string): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        ...endpointConfigLines(pki, endpoint),
        `stateDir: ${join(dir, `${name}-state`)}`,
        `socketPath: ${join(dir, `${name}.sock`)}`,
        "pollIntervalSeconds: 1",
        "heartbeatMinutes: 60",
        `replayFile: ${replayFile}`,
        "events:",
        "  vendorName: Example Department",
        "  tenantUid: example-dept",
        "  logName: eca-peripherals",
        "  standards: [Example standard]",
        "  assetTag: EX-0042",
        "  peripheralActivity: true",
        "  privacy:",
        `    keyFile: ${join(dir, "fleet.key")}`,
      ].join("\n"),
    );
    return file;
  }

  const start = (configFile: string) =>
    forkEca(["run", "--config", configFile], { env: { ECA_LOG_LEVEL: "warn" } });

  it("configured metadata, Peripheral Activity on connect and disconnect, hashed serials, all valid OCSF 1.8.0", async () => {
    const receiver: Receiver = await startReceiver({ pki });
    const replayFile = join(dir, "https-devices.json");
    writeFileSync(replayFile, JSON.stringify({ observations: [stick] }));
    const configFile = config("https", [`url: ${receiver.url}`], replayFile);
    const agent = start(configFile);
    try {
      const events = () => receiver.events() as Event[];
      await until(() => events().some((e) => e.class_uid === 2003), "the stick's finding");
      writeFileSync(replayFile, JSON.stringify({ observations: [phone] }));
      await until(
        () => events().filter((e) => e.class_uid === 1010).length >= 2,
        "Peripheral Activity for the phone and the stick",
      );
      const activity = events().filter((e) => e.class_uid === 1010);
      expect(activity.map((e) => e.activity_id).sort()).toEqual([1, 2]);
      const connect = activity.find((e) => e.activity_id === 1) as {
        peripheral_device: Record<string, unknown>;
      };
      expect(connect.peripheral_device).toMatchObject({ vendor_id_list: ["04e8"], type: "phone" });
      expect(connect.peripheral_device.serial_number).toMatch(/^hmac:[0-9a-f]{32}$/);

      for (const event of events()) {
        expect(validateOcsfEvent(schema, event), JSON.stringify(event)).toEqual({ errors: [], warnings: [] });
        expect(event.metadata).toMatchObject({
          version: "1.8.0",
          tenant_uid: "example-dept",
          log_name: "eca-peripherals",
          product: { vendor_name: "Example Department" },
        });
        expect(event.device).toMatchObject({ uid_alt: "EX-0042", os: { type_id: 200, type: "Linux" } });
      }
      const wire = JSON.stringify(events());
      for (const secret of ["4C530001", "R58N12ABCDE", "Jo Bloggs"]) expect(wire).not.toContain(secret);
      const finding = events().find((e) => e.class_uid === 2003) as { compliance: { standards: string[] } };
      expect(finding.compliance.standards).toEqual(["Example standard"]);

      // On the laptop, `eca status` shows the real values.
      const status = await runEca(["status", "--json", "--config", configFile]);
      expect(status.stdout).toContain("R58N12ABCDE");
    } finally {
      await agent.stop();
      await receiver.close();
    }
  });

  it.skipIf(!rsyslogAvailable())("delivers through relp+tls:// into rsyslog (createSink)", async () => {
    const rsyslog = await startRsyslog({ pki });
    const replayFile = join(dir, "relp-devices.json");
    writeFileSync(replayFile, JSON.stringify({ observations: [stick] }));
    const agent = start(config("relp", [`url: ${rsyslog.relpUrl}`], replayFile));
    try {
      await until(
        () =>
          rsyslog.lines().some((l) => l.classUid === "2003") &&
          rsyslog.lines().some((l) => l.classUid === "5001"),
        "a finding and a heartbeat in rsyslog",
      );
      expect(rsyslog.lines().every((l) => l.parse === "OK")).toBe(true);
    } finally {
      await agent.stop();
      await rsyslog.close();
    }
  });
});
