// The TLS settings every connection the agent makes shares (delivery over HTTPS or syslog, policy
// downloads): the configured CA, client certificate and key, read from their files, and certificate
// checks always on. rejectUnauthorized is explicit because Node otherwise takes
// NODE_TLS_REJECT_UNAUTHORIZED=0 from the environment and silently stops verifying.

import { readFileSync } from "node:fs";

export interface TlsFiles {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

/** Throws (ENOENT, EACCES) when a named file cannot be read; the caller says which setting. */
export function tlsOptionsFromFiles(files: TlsFiles): {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: true;
} {
  return {
    ...(files.caFile !== undefined ? { ca: readFileSync(files.caFile) } : {}),
    ...(files.certFile !== undefined ? { cert: readFileSync(files.certFile) } : {}),
    ...(files.keyFile !== undefined ? { key: readFileSync(files.keyFile) } : {}),
    rejectUnauthorized: true,
  };
}
