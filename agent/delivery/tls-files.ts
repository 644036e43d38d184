// The TLS settings every connection the agent makes shares (delivery over HTTPS or syslog, policy
// downloads): the configured CA, client certificate and key, read from their files, and certificate
// checks always on. rejectUnauthorized is explicit because Node otherwise takes
// NODE_TLS_REJECT_UNAUTHORIZED=0 from the environment and silently stops verifying.
//
// These files, and the bearer token beside them, are read with the bounded reader: a FIFO or a
// device (a link to /dev/zero) named in the configuration is refused instead of blocking the
// daemon or being read for ever, and a file past the bound is refused instead of read whole.

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

/** Throws a ConfiguredFileError when a named file cannot be read; the caller says which setting. */
export function tlsOptionsFromFiles(files: TlsFiles): {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: true;
} {
  return {
    ...(files.caFile !== undefined ? { ca: readConfiguredFile("CA file", files.caFile, MAX_PEM_BYTES) } : {}),
    ...(files.certFile !== undefined
      ? { cert: readConfiguredFile("certificate file", files.certFile, MAX_PEM_BYTES) }
      : {}),
    ...(files.keyFile !== undefined
      ? { key: readConfiguredFile("key file", files.keyFile, MAX_PEM_BYTES) }
      : {}),
    rejectUnauthorized: true,
  };
}
