// A real rsyslog (Debian packages rsyslog, rsyslog-gnutls, rsyslog-relp) on 127.0.0.1 for tests:
// imtcp with the gtls stream driver (RFC 5425 TLS, octet-counted frames) and imrelp over TLS,
// both with mutual TLS against the test CA,
// mmjsonparse on MSG, and one line per message in a private work directory:
// $!class_uid, $!metadata!uid, MSGID, PRI, structured data. Stopped and
// started again by the tests, on the same port.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestPki } from "./https-receiver.ts";

export interface ParsedLine {
  parse: string;
  classUid: string;
  uid: string;
  msgId: string;
  pri: string;
  sd: string;
  truncated: string;
}

export interface RsyslogReceiver {
  /** RFC 5425 (imtcp, gtls). */
  url: string;
  /** RELP over TLS (imrelp). */
  relpUrl: string;
  port: number;
  dir: string;
  lines(): ParsedLine[];
  /** SIGTERM and wait for the process to exit. */
  stop(): Promise<void>;
  /** Start again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function rsyslogAvailable(): boolean {
  const modules = "/usr/lib/x86_64-linux-gnu/rsyslog";
  return ["/usr/sbin/rsyslogd", `${modules}/lmnsd_gtls.so`, `${modules}/imrelp.so`].every((f) =>
    existsSync(f),
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = address && typeof address === "object" ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRsyslog(options: {
  pki: TestPki;
  /** global(maxMessageSize); rsyslog's default is 8k. */
  maxMessageSize?: string;
}): Promise<RsyslogReceiver> {
  const dir = mkdtempSync(join(tmpdir(), "eca-rsyslog-"));
  mkdirSync(join(dir, "work"));
  const port = await freePort();
  const relpPort = await freePort();
  const out = join(dir, "messages.tsv");
  const conf = join(dir, "rsyslog.conf");
  writeFileSync(
    conf,
    `global(
  workDirectory="${dir}/work"
  ${options.maxMessageSize ? `maxMessageSize="${options.maxMessageSize}"` : ""}
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile="${options.pki.caFile}"
  defaultNetstreamDriverCertFile="${options.pki.serverCertFile}"
  defaultNetstreamDriverKeyFile="${options.pki.serverKeyFile}"
)
# The main queue Direct: a message is written before imtcp reads the next one, so the TLS close
# the sink waits for comes after everything it sent is in the file.
main_queue(queue.type="Direct")
module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
module(load="mmjsonparse")
template(name="eca" type="string"
  string="%$!class_uid%\\t%$!metadata!uid%\\t%msgid%\\t%pri%\\t%structured-data%\\t%$!metadata!is_truncated%\\n")
ruleset(name="eca") {
  action(type="mmjsonparse" cookie="")
  action(type="omfile" file="${out}" template="eca")
}
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="eca")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="${relpPort}" ruleset="eca" tls="on"
  tls.caCert="${options.pki.caFile}" tls.myCert="${options.pki.serverCertFile}"
  tls.myPrivKey="${options.pki.serverKeyFile}" tls.authMode="name" tls.permittedPeer=["client"])
`,
  );
  let child: ChildProcess | undefined;
  let log = "";

  async function start(): Promise<void> {
    const proc = spawn("/usr/sbin/rsyslogd", ["-n", "-f", conf, "-i", join(dir, "rsyslogd.pid")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    proc.stdout?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    proc.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    // Ready once the port accepts a TCP connection.
    for (let i = 0; i < 500; i++) {
      if (proc.exitCode !== null) throw new Error(`rsyslogd exited ${proc.exitCode}: ${log}`);
      const listening = (p: number) =>
        new Promise<boolean>((resolve) => {
          const socket = new Socket();
          socket.once("connect", () => {
            socket.destroy();
            resolve(true);
          });
          socket.once("error", () => resolve(false));
          socket.connect(p, "127.0.0.1");
        });
      if ((await listening(port)) && (await listening(relpPort))) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`rsyslogd did not listen on ${port}: ${log}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    await exited;
  }

  await start();
  return {
    url: `syslog+tls://127.0.0.1:${port}`,
    relpUrl: `relp+tls://127.0.0.1:${relpPort}`,
    port,
    dir,
    lines() {
      if (!existsSync(out)) return [];
      return readFileSync(out, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const [classUid = "", uid = "", msgId = "", pri = "", sd = "", truncated = ""] = line.split("\t");
          // mmjsonparse leaves $!class_uid empty when MSG is not JSON.
          return { parse: classUid === "" ? "FAIL" : "OK", classUid, uid, msgId, pri, sd, truncated };
        });
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
