// A minimal daemon for the crash test: enqueues events (if asked), then delivers until the outbox is
// empty. The test SIGKILLs it mid-batch and starts it again. Settings come in ECA_CRASH_AGENT as JSON.

import { startDeliverer } from "../../agent/delivery/deliverer.ts";
import { createHttpSink } from "../../agent/delivery/http-sink.ts";
import { createLogger } from "../../agent/log.ts";
import { openOutbox } from "../../agent/outbox/outbox.ts";
import { testEvent } from "./events.ts";

interface Settings {
  stateDir: string;
  url: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  enqueue: number;
}

const settings = JSON.parse(process.env.ECA_CRASH_AGENT ?? "{}") as Settings;
const logger = createLogger("warn");
const outbox = openOutbox({ stateDir: settings.stateDir, logger });

if (settings.enqueue > 0) {
  const events = Array.from({ length: settings.enqueue }, (_, i) =>
    i % 2 === 0 ? testEvent("finding", `f${i}`) : testEvent("heartbeat"),
  );
  outbox.enqueue(events);
  process.stdout.write(`${JSON.stringify({ enqueued: events.map((event) => event.uid) })}\n`);
}

const sink = createHttpSink(
  { url: settings.url, caFile: settings.caFile, certFile: settings.certFile, keyFile: settings.keyFile },
  { logger, agentVersion: "0.1.0", hostname: "crash-test", proxyEnv: null },
);
const deliverer = startDeliverer({
  outbox,
  sink,
  logger,
  retry: { baseMs: 20, capMs: 200 },
  maxBatchEvents: 50,
  idlePollMs: 50,
});
await deliverer.drained();
await deliverer.stop();
sink.close();
outbox.close();
process.stdout.write(`${JSON.stringify({ drained: true })}\n`);
