// `eca run` enforcing on a recorded laptop (test/fixtures/usb/enforce-laptop.umockdev as a --root
// tree), and `eca unblock` forked as a real process: its exit codes, what it writes, and the
// release the daemon then reports with the finding and honours until the device is unplugged.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderStatus } from "../agent/cli/status-command.ts";
import { loadConfig } from "../agent/config/config.ts";
import { startDaemon } from "../agent/daemon/daemon.ts";
import { silentLogger } from "../agent/log.ts";
import { runEca } from "./helpers/eca-cli.ts";
import { storedFindings } from "./helpers/state-db.ts";
import { umockdevToTree } from "./tools/umockdev-to-tree.ts";

const repository = join(import.meta.dirname, "..");
const node = join(repository, "node_modules/.bin/node");
const dir = mkdtempSync(join(tmpdir(), "eca-enforce-daemon-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tree = join(dir, "tree");
const stateDir = join(dir, "state");
const STICK = "usb:0781:5581:0401d1c3a8e5f0b2c9d7";
const stickInterface = join(tree, "sys/devices/pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/authorized");
const phone = join(tree, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/authorized");

type Payload = {
  activity_id: number;
  action_id?: number;
  disposition?: string;
  finding_info: { uid: string };
  unmapped: { eca: { enforcement?: { result: string; released_by?: string } } };
};

const findingEvents = () => storedFindings<Payload>(stateDir).events;

async function unblock(args: string[], options: { uid?: number; env?: NodeJS.ProcessEnv } = {}) {
  return runEca(["unblock", ...args, "--root", tree, "--state-dir", stateDir], {
    node,
    ...(options.env ? { env: options.env } : {}),
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
}

describe("eca run enforcing, and eca unblock", async () => {
  await umockdevToTree(
    await readFile(join(repository, "test/fixtures/usb/enforce-laptop.umockdev"), "latin1"),
    tree,
  );
  const daemon = await startDaemon(
    {
      ...(await loadConfig(undefined, {
        root: tree,
        stateDir,
        socketPath: join(dir, "eca.sock"),
        policyFile: join(repository, "test/fixtures/enforce/policy.yaml"),
        pollIntervalSeconds: 3600,
        heartbeatMinutes: 1440,
      })),
    },
    silentLogger,
  );
  afterAll(() => daemon.stop());

  it("blocks at start-up, and each finding's event says what was done in OCSF terms", () => {
    expect(readFileSync(stickInterface, "utf8").trim()).toBe("0");
    expect(readFileSync(phone, "utf8").trim()).toBe("0");
    const created = findingEvents().filter((e) => e.activity_id === 1);
    expect(
      created.map((e) => [e.action_id, e.disposition, e.unmapped.eca.enforcement?.result]).sort(),
    ).toEqual([
      [2, "Blocked", "blocked"],
      [2, "Blocked", "blocked"],
      [3, "Uncorrected", "could-not-block"],
    ]);
  });

  it("eca status shows the blocked devices and the command that releases each", () => {
    const status = daemon.status();
    expect(status.enforcement?.blocked.map((b) => b.release)).toEqual([
      "sudo eca unblock 'usb:18d1:4ee2:28031FDH2004WV'",
      `sudo eca unblock '${STICK}'`,
    ]);
    const text = renderStatus(status);
    expect(text).toContain(
      "enforcement:    blocking personal-storage, phone-charging, unapproved-peripheral",
    );
    expect(text).toContain(`release it: sudo eca unblock '${STICK}'`);
    expect(text).toContain("not blocked:  Lenovo ThinkPad Compact USB Keyboard with TrackPoint: a keyboard");
  });

  it("eca unblock refuses without root (exit 2) and writes nothing", async () => {
    const result = await unblock([STICK], { uid: 65534 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("must run as root");
    expect(readFileSync(stickInterface, "utf8").trim()).toBe("0");
  });

  it("eca unblock refuses a device eca did not block (exit 2), naming what it did block", async () => {
    const result = await unblock(["usb:17ef:6047:KB6047-0099001"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("eca did not block usb:17ef:6047:KB6047-0099001");
    expect(result.stderr).toContain(STICK);
  });

  it("eca unblock releases the stick at once (exit 0); the daemon reports who did it and does not block it again", async () => {
    const result = await unblock(["2-2"], { env: { SUDO_USER: "alice" } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("until it is unplugged");
    expect(readFileSync(stickInterface, "utf8").trim()).toBe("1");
    await daemon.scanNow("test");
    await daemon.scanNow("test");
    expect(readFileSync(stickInterface, "utf8").trim()).toBe("1");
    const update = findingEvents().filter((e) => e.activity_id === 2);
    expect(update.map((e) => [e.action_id, e.disposition, e.unmapped.eca.enforcement?.released_by])).toEqual([
      [1, "Allowed", "alice"],
    ]);
    expect(daemon.status().enforcement?.blocked.map((b) => b.deviceId)).toEqual([
      "usb:18d1:4ee2:28031FDH2004WV",
    ]);
    expect(daemon.status().enforcement?.releases.map((r) => r.by)).toEqual(["alice"]);
  });

  it("once the released stick is unplugged and plugged in again, it is blocked again", async () => {
    const link = join(tree, "sys/bus/usb/devices/2-2");
    const saved = readFileSync(join(link, "serial"));
    rmSync(link);
    await daemon.scanNow("unplugged");
    expect(daemon.status().enforcement?.releases).toEqual([]);
    const { symlinkSync } = await import("node:fs");
    symlinkSync("../../../devices/pci0000:00/0000:00:14.0/usb2/2-2", link);
    writeFileSync(join(link, "serial"), saved);
    await daemon.scanNow("plugged in");
    expect(readFileSync(stickInterface, "utf8").trim()).toBe("0");
  });
});
