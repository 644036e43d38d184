// State lost or rebuilt while running. Regressions: after a corrupt database was moved aside, the
// open findings in memory were not written to the new one, so each got a second open event after a
// restart; deleting the state directory while running went unnoticed and 23 of 40 queued events
// were lost. The daemon notices the file replaced, removed or overwritten, rebuilds it with the
// queued events and the open set, and says so.

import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { loadConfig } from "../../agent/config/config.ts";
import { type RunningDaemon, startDaemon } from "../../agent/daemon/daemon.ts";
import { silentLogger } from "../../agent/log.ts";
import { readOutboxStats } from "../../agent/outbox/outbox.ts";
import { replayDaemonConfig } from "../helpers/devices.ts";
import {
  createTestPki,
  type Receiver,
  startReceiver,
  type TestPki,
  uidOf,
} from "../helpers/https-receiver.ts";
import { type StoredFindingEvent, storedFindings } from "../helpers/state-db.ts";
import { capturingLogger, recording, until, usbStick } from "./support.ts";

let dir: string;
let replayFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "eca-lost-"));
  replayFile = join(dir, "devices.json");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function daemonOn(
  stateDir: string,
  logger: ReturnType<typeof capturingLogger>["logger"],
  extra: Partial<Awaited<ReturnType<typeof loadConfig>>> = {},
): Promise<RunningDaemon> {
  return startDaemon(
    {
      ...(await replayDaemonConfig(dir, replayFile)),
      stateDir,
      socketPath: join(dir, `${Math.random().toString(36).slice(2)}.sock`),
      ...extra,
    },
    logger,
  );
}

const opensIn = (events: StoredFindingEvent[]) =>
  events.filter((e) => e.activity_id === 1).map((e) => e.metadata.uid);

describe("state lost or rebuilt while running", () => {
  for (const damage of ["overwritten in place", "replaced by another file"] as const) {
    it(`state lost: a database ${damage} while running is rebuilt with the open findings; a restart opens nothing again`, async () => {
      const stateDir = join(dir, `state-${damage.replaceAll(" ", "-")}`);
      writeFileSync(replayFile, recording(usbStick("AAAA0001"), usbStick("BBBB0002", "1-3")));
      const first = capturingLogger();
      let daemon = await daemonOn(stateDir, first.logger);
      const before = opensIn(storedFindings(stateDir).events);
      expect(before).toHaveLength(2);

      const path = join(stateDir, "state.db");
      if (damage === "overwritten in place") {
        writeFileSync(path, Buffer.alloc(readFileSync(path).length, 0xff), { flag: "r+" });
      } else {
        writeFileSync(`${path}.planted`, "not a database");
        renameSync(`${path}.planted`, path);
      }
      await daemon.scanNow("test");
      expect(first.lines()).toMatch(
        damage === "overwritten in place"
          ? /state database is corrupt/
          : /state database was replaced by another file/,
      );
      expect(first.lines()).toContain("state database rebuilt");
      expect(daemon.status().delivery.stateRebuilt?.reason).toMatch(
        damage === "overwritten in place" ? /corrupt/ : /replaced/,
      );
      expect(readdirSync(stateDir).some((name) => /state\.db\.(corrupt|replaced)-\d+$/.test(name))).toBe(
        true,
      );
      await daemon.stop();

      daemon = await daemonOn(stateDir, capturingLogger().logger);
      await daemon.scanNow("test");
      await daemon.stop();
      const after = storedFindings(stateDir);
      expect(after.open).toHaveLength(2);
      // Every open event is one of the two from before: nothing opened a second time.
      for (const uid of opensIn(after.events)) expect(before).toContain(uid);
    });
  }

  describe("with an endpoint", () => {
    let pki: TestPki;
    let receiver: Receiver;
    beforeAll(async () => {
      pki = createTestPki();
      receiver = await startReceiver({ pki });
    });
    afterAll(async () => {
      await receiver.close();
      pki.cleanup();
    });

    it("state lost: the state directory removed while events are queued and the endpoint is down loses nothing", async () => {
      const stateDir = join(dir, "state-removed");
      const sticks = Array.from({ length: 20 }, (_, i) =>
        usbStick(`SN${String(i).padStart(6, "0")}`, `1-${i + 2}`),
      );
      writeFileSync(replayFile, recording());
      await receiver.down();
      const { logger, lines } = capturingLogger();
      const daemon = await daemonOn(stateDir, logger, {
        endpoint: {
          url: receiver.url,
          format: "ocsf",
          caFile: pki.caFile,
          certFile: pki.clientCertFile,
          keyFile: pki.clientKeyFile,
        },
      });
      try {
        // 20 opened, then 20 resolved: 40 finding events queued while the endpoint is down.
        writeFileSync(replayFile, recording(...sticks));
        await daemon.scanNow("test");
        writeFileSync(replayFile, recording());
        await daemon.scanNow("test");
        expect(daemon.status().delivery.outboxDepth).toBeGreaterThanOrEqual(40);

        rmSync(stateDir, { recursive: true, force: true });
        // One more change after the removal, with a finding left open.
        writeFileSync(replayFile, recording(usbStick("LAST0001")));
        await daemon.scanNow("test");
        expect(lines()).toContain("state database was removed while running");
        expect(daemon.status().delivery.stateRebuilt?.reason).toBe("the database file was removed");
        expect(existsSync(join(stateDir, "state.db")), lines()).toBe(true);
        expect(daemon.status().delivery.outboxDepth).toBeGreaterThanOrEqual(41);
        // On disk, not only in the daemon's connection: another process (or a restart) sees them too.
        expect(readOutboxStats(stateDir, silentLogger)?.depth).toBeGreaterThanOrEqual(41);

        await receiver.up();
        await until(() => daemon.status().delivery.outboxDepth === 0, "the outbox to drain", 20_000);
      } finally {
        await daemon.stop();
      }
      const acknowledged = receiver.acknowledgedUids();
      const findingEvents = receiver
        .events()
        .filter((e) => acknowledged.has(uidOf(e)) && e.class_uid === 2003) as StoredFindingEvent[];
      const byFinding = Map.groupBy(findingEvents, (e) => e.finding_info.uid);
      expect(byFinding.size).toBe(21);
      for (const [, events] of byFinding) {
        const distinct = [...new Map(events.map((e) => [e.metadata.uid, e.activity_id])).values()];
        expect(distinct.filter((a) => a === 1)).toHaveLength(1);
      }
      const closes = findingEvents.filter((e) => e.activity_id === 3);
      expect(new Set(closes.map((e) => e.metadata.uid)).size).toBe(20);
      expect(storedFindings(stateDir).open).toHaveLength(1);
    }, 30_000);
  });
});
