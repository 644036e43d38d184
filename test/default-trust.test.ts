// What a connection without endpoint.caFile trusts, under the executable's --use-openssl-ca
// (packaging/build-sea.ts EXEC_ARGV). The flag stops Node parsing its bundled root certificates
// when node:tls loads (1.3 MB of an idle daemon whose caFile replaces them), but it also moves
// Node's implicit default trust to OpenSSL's store (SSL_CERT_FILE, /etc/ssl/certs). eca never uses
// the implicit default: without a caFile it names Node's bundled list itself. So a collector whose
// CA is only in OpenSSL's store is refused, as it was before the flag, and one named by caFile is
// trusted. Each case is a forked Node with the flag, delivering to a real HTTPS receiver on
// 127.0.0.1.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXEC_ARGV } from "../packaging/build-sea.ts";
import { createTestPki, type Receiver, startReceiver, type TestPki } from "./helpers/https-receiver.ts";

const run = promisify(execFile);
const tlsFiles = join(import.meta.dirname, "../agent/delivery/tls-files.ts");

let pki: TestPki;
let receiver: Receiver;
beforeAll(async () => {
  pki = createTestPki();
  receiver = await startReceiver({ pki, requireClientCert: false });
});
afterAll(async () => {
  await receiver.close();
  pki.cleanup();
});

/** An empty batch POSTed to the receiver from a Node run with the executable's flags: "ok" or the TLS error's code. */
async function connectWith(files: Record<string, string>): Promise<string> {
  const script = `
    const { tlsOptionsFromFiles } = await import(${JSON.stringify(tlsFiles)});
    const https = await import("node:https");
    const options = tlsOptionsFromFiles(${JSON.stringify(files)});
    const again = tlsOptionsFromFiles(${JSON.stringify(files)});
    if (options.secureContext !== again.secureContext) throw new Error("default context made twice");
    const request = https.request(${JSON.stringify(receiver.url)}, { ...options, method: "POST", agent: false }, (response) => {
      response.resume();
      console.log("ok");
    });
    request.on("error", (error) => console.log(error.code ?? error.message));
    request.end("[]");
  `;
  const { stdout } = await run(process.execPath, [...EXEC_ARGV, "--input-type=module", "-e", script], {
    // OpenSSL's store trusts the test CA: the flag would make that Node's default.
    env: { PATH: process.env.PATH ?? "", SSL_CERT_FILE: pki.caFile, SSL_CERT_DIR: pki.dir },
  });
  return stdout.trim();
}

describe("trust without a caFile under --use-openssl-ca", () => {
  it("the executable's flags include --use-openssl-ca (what these cases are about)", () => {
    expect(EXEC_ARGV).toContain("--use-openssl-ca");
  });

  it("a collector whose CA is only in OpenSSL's store is refused: Node's bundled list is what counts", async () => {
    expect(await connectWith({})).toBe("SELF_SIGNED_CERT_IN_CHAIN");
  });

  it("a collector signed by the configured caFile is trusted", async () => {
    expect(await connectWith({ caFile: pki.caFile })).toBe("ok");
  });
});
