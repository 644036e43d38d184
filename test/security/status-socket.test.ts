// Regression: one status connection held open delayed SIGTERM shutdown indefinitely, because
// net.Server.close waits for every open connection. Stop now ends them.

import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadConfig } from "../../agent/config/config.ts";
import { startDaemon } from "../../agent/daemon/daemon.ts";
import { silentLogger } from "../../agent/log.ts";

/**
 * A client that reads its answer and then never closes its side, trickling a byte now and then so
 * no idle timeout ends the connection either.
 */
function holdOpen(socketPath: string): Promise<{ socket: Socket; release: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath, allowHalfOpen: true });
    const trickle = setInterval(() => socket.writable && socket.write("x"), 200);
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.once("end", () =>
      resolve({
        socket,
        release: () => {
          clearInterval(trickle);
          socket.destroy();
        },
      }),
    );
    socket.once("error", reject);
  });
}

it("one status connection held open no longer delays the daemon's stop", { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "eca-held-"));
  const replayFile = join(dir, "devices.json");
  writeFileSync(replayFile, JSON.stringify({ observations: [] }));
  const socketPath = join(dir, "run", "eca.sock");
  const daemon = await startDaemon(
    {
      ...(await loadConfig(undefined)),
      stateDir: join(dir, "state"),
      socketPath,
      replayFile,
      backends: ["replay"],
      pollIntervalSeconds: 3600,
      heartbeatMinutes: 1440,
    },
    silentLogger,
  );
  const held = await holdOpen(socketPath);
  try {
    await daemon.stop(); // before the fix this never resolved: the test timed out here
  } finally {
    held.release();
  }
  expect(existsSync(socketPath)).toBe(false);
});
