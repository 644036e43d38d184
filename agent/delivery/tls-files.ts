// The TLS settings every connection the agent makes shares (delivery over HTTPS or syslog, policy
// downloads): the configured CA, client certificate and key, read from their files, and certificate
// checks always on. rejectUnauthorized is explicit because Node otherwise takes
// NODE_TLS_REJECT_UNAUTHORIZED=0 from the environment and silently stops verifying.
//
// These files, and the bearer token beside them, are read with the bounded reader: a FIFO or a
// device (a link to /dev/zero) named in the configuration is refused instead of blocking the
// daemon or being read for ever, and a file past the bound is refused instead of read whole.

import type * as tls from "node:tls";
import { readBoundedFile } from "../bounded-read.ts";

export interface TlsFiles {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

/** The most read of a CA bundle, certificate chain or key: a full public CA bundle is ~220 KiB. */
export const MAX_PEM_BYTES = 1024 * 1024;
/** The most read of a token file: a bearer token or HEC token is well under 1 KiB, a JWT a few KiB. */
export const MAX_TOKEN_BYTES = 64 * 1024;

/** A configured file that could not be read: names the file, what is wrong and the fix. */
export class ConfiguredFileError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "ConfiguredFileError";
    this.code = code;
  }
}

/**
 * Reads a file the agent is configured with, at most `maxBytes`, a regular file only. Throws a
 * ConfiguredFileError ("CA file /etc/eca/ca.pem is missing: check the path"), its `code` the errno
 * (ENOENT, EACCES) when the system refused.
 */
export function readConfiguredFile(what: string, path: string, maxBytes: number): Buffer {
  const read = readBoundedFile(path, maxBytes);
  if (!read.ok) throw new ConfiguredFileError(`${what} ${read.reason}: ${read.hint}`, read.code);
  return read.bytes;
}

/** The token in a token file, whitespace around it removed. Throws as readConfiguredFile. */
export function readTokenFile(path: string): string {
  return readConfiguredFile("token file", path, MAX_TOKEN_BYTES).toString("utf8").trim();
}

/**
 * What a connection without a caFile trusts: Node's bundled Mozilla list and NODE_EXTRA_CA_CERTS,
 * which is Node's own default, given explicitly. The executable runs with --use-openssl-ca
 * (packaging/build-sea.ts EXEC_ARGV) so that loading node:tls does not parse the ~120 bundled
 * certificates at start for a daemon whose caFile replaces them; without this list a connection
 * would trust OpenSSL's store instead (/etc/ssl/certs), which is another set.
 */
function defaultCaCertificates(): string[] {
  const { getCACertificates } = tlsModule();
  return [...getCACertificates("bundled"), ...getCACertificates("extra")];
}

/** node:tls, taken when a connection is first set up: a one-shot command never loads it. */
export const tlsModule = () => process.getBuiltinModule("node:tls") as typeof tls;

// Parsing the default list takes ~6 ms: made once, for the connections that have neither a caFile
// nor a client certificate (a collector with a public certificate); the others parse their files.
let defaultContext: tls.SecureContext | undefined;

/** Throws a ConfiguredFileError when a named file cannot be read; the caller says which setting. */
export function tlsOptionsFromFiles(files: TlsFiles): {
  ca?: Buffer | string[];
  cert?: Buffer;
  key?: Buffer;
  secureContext?: tls.SecureContext;
  rejectUnauthorized: true;
} {
  if (files.caFile === undefined && files.certFile === undefined && files.keyFile === undefined) {
    defaultContext ??= tlsModule().createSecureContext({ ca: defaultCaCertificates() });
    return { secureContext: defaultContext, rejectUnauthorized: true };
  }
  return {
    ca:
      files.caFile !== undefined
        ? readConfiguredFile("CA file", files.caFile, MAX_PEM_BYTES)
        : defaultCaCertificates(),
    ...(files.certFile !== undefined
      ? { cert: readConfiguredFile("certificate file", files.certFile, MAX_PEM_BYTES) }
      : {}),
    ...(files.keyFile !== undefined
      ? { key: readConfiguredFile("key file", files.keyFile, MAX_PEM_BYTES) }
      : {}),
    rejectUnauthorized: true,
  };
}
