// `eca config check`: beyond the schema, follow what the configuration names, so a file that
// passes here starts and delivers (or says plainly what is left to fill in).

import { join } from "node:path";
import { DocumentError, type DocumentProblem } from "../../policy/document.ts";
import { backendNames } from "../../probes/create.ts";
import { readBoundedText } from "../bounded-read.ts";
import { isAllowedUrl } from "../delivery/secure-url.ts";
import type { AgentConfig } from "./config.ts";

/** Token, certificate and key files are small; anything bigger is not one. */
const MAX_CREDENTIAL_BYTES = 1024 * 1024;

/** Hosts of the example configuration, left in place: a value still to fill in. */
const PLACEHOLDER_HOST = /(^|\.)example(\.|$)/i;

type FileKind = "token" | "ca" | "cert" | "key";

const FILE_WORDS: Record<FileKind, { what: string; fill: string }> = {
  token: {
    what: "the bearer token file",
    fill: "write the collector's bearer token into it (one line), or remove tokenFile if the collector needs none",
  },
  ca: {
    what: "the CA certificate (PEM)",
    fill: "give the PEM file of the CA that signed the collector's certificate, or remove caFile to trust the public CAs Node carries (Mozilla's list)",
  },
  cert: {
    what: "the client certificate (PEM)",
    fill: "give this laptop's PEM client certificate for mutual TLS, or remove certFile and keyFile",
  },
  key: {
    what: "the client key (PEM)",
    fill: "give the PEM private key of the client certificate, or remove certFile and keyFile",
  },
};

function checkCredentialFile(
  path: string,
  place: string,
  kind: FileKind,
): { problem: DocumentProblem } | { text: string } {
  const words = FILE_WORDS[kind];
  const read = readBoundedText(path, MAX_CREDENTIAL_BYTES);
  if (read.ok && read.text.trim() !== "") return { text: read.text };
  if (read.ok)
    return { problem: { path: place, message: `names ${path}, which is empty`, hint: words.fill } };
  if (read.problem === "missing")
    return {
      problem: {
        path: place,
        message: `names ${path}, which does not exist (${words.what})`,
        hint: words.fill,
      },
    };
  const hint =
    read.problem === "unreadable"
      ? `check the file's permissions: the agent (root) must read it; ${words.fill}`
      : `${read.hint}; ${words.fill}`;
  return { problem: { path: place, message: `names ${path}, which ${read.message}`, hint } };
}

/** Problems with what a valid configuration names; empty when it would work as written. */
export async function checkConfigReferences(config: AgentConfig): Promise<DocumentProblem[]> {
  const problems: DocumentProblem[] = [];
  const endpoint = config.endpoint;
  if (endpoint) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint.url);
    } catch {
      problems.push({
        path: "endpoint.url",
        message: `is ${JSON.stringify(endpoint.url)}, which is not a URL`,
        hint: "give the full URL of the collector, e.g. https://collector.example.gov.uk/eca/events",
      });
    }
    if (url && url.hostname === "") {
      problems.push({
        path: "endpoint.url",
        message: "has no host",
        hint: "write the collector's host name after https://",
      });
    } else if (url && !isAllowedUrl(url)) {
      problems.push({
        path: "endpoint.url",
        message: `is ${url.protocol.replace(":", "")}, not https: events would travel unencrypted`,
        hint: "use https://; plain http is allowed only to this machine (127.0.0.1, ::1, localhost) for testing",
      });
    } else if (url && PLACEHOLDER_HOST.test(url.hostname)) {
      problems.push({
        path: "endpoint.url",
        message: `still names the example collector ${url.hostname}`,
        hint: "put your collector's URL here",
      });
    }
    const { X509Certificate, createPrivateKey } = await import("node:crypto");
    const pem = async (
      file: string | undefined,
      place: string,
      kind: FileKind,
    ): Promise<string | undefined> => {
      if (file === undefined) return undefined;
      const result = checkCredentialFile(file, place, kind);
      if ("problem" in result) {
        problems.push(result.problem);
        return undefined;
      }
      return result.text;
    };
    await pem(endpoint.tokenFile, "endpoint.tokenFile", "token");
    const certificate = (text: string, file: string, place: string, kind: FileKind) => {
      if (!text.includes("-----BEGIN CERTIFICATE-----")) {
        problems.push({
          path: place,
          message: `names ${file}, which holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
          hint: `${FILE_WORDS[kind].fill}; convert DER with: openssl x509 -inform der -in FILE -out FILE.pem`,
        });
        return undefined;
      }
      try {
        const parsed = new X509Certificate(text);
        if (Date.parse(parsed.validTo) < Date.now())
          problems.push({
            path: place,
            message: `names ${file}, a certificate that expired on ${parsed.validTo}`,
            hint: "renew the certificate",
          });
        return parsed;
      } catch (error) {
        problems.push({
          path: place,
          message: `names ${file}, whose certificate cannot be parsed (${(error as Error).message})`,
          hint: FILE_WORDS[kind].fill,
        });
        return undefined;
      }
    };
    const caText = await pem(endpoint.caFile, "endpoint.caFile", "ca");
    if (caText !== undefined && endpoint.caFile)
      certificate(caText, endpoint.caFile, "endpoint.caFile", "ca");
    if ((endpoint.certFile === undefined) !== (endpoint.keyFile === undefined)) {
      const missing = endpoint.certFile === undefined ? "endpoint.certFile" : "endpoint.keyFile";
      problems.push({
        path: missing,
        message: "is missing: mutual TLS needs both certFile and keyFile",
        hint: "give both the client certificate and its key, or neither",
      });
    }
    const certText = await pem(endpoint.certFile, "endpoint.certFile", "cert");
    const cert =
      certText !== undefined && endpoint.certFile
        ? certificate(certText, endpoint.certFile, "endpoint.certFile", "cert")
        : undefined;
    const keyText = await pem(endpoint.keyFile, "endpoint.keyFile", "key");
    if (keyText !== undefined && endpoint.keyFile) {
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyText)) {
        problems.push({
          path: "endpoint.keyFile",
          message: `names ${endpoint.keyFile}, which holds no PEM private key (-----BEGIN PRIVATE KEY-----)`,
          hint: FILE_WORDS.key.fill,
        });
      } else {
        try {
          const key = createPrivateKey(keyText);
          if (cert && !cert.checkPrivateKey(key))
            problems.push({
              path: "endpoint.keyFile",
              message: `names ${endpoint.keyFile}, a key that does not belong to the certificate in ${endpoint.certFile}`,
              hint: "give the key the client certificate was issued for",
            });
        } catch (error) {
          problems.push({
            path: "endpoint.keyFile",
            message: `names ${endpoint.keyFile}, whose key cannot be read (${(error as Error).message.split("\n")[0]})`,
            hint: "give an unencrypted PEM private key: the agent starts unattended and cannot ask for a passphrase",
          });
        }
      }
    }
  }
  const known = backendNames();
  if (config.backends.length === 0)
    problems.push({
      path: "backends",
      message: "is empty: nothing would be checked",
      hint: `name at least one of ${known.join(", ")}, or leave backends out for the platform's defaults`,
    });
  config.backends.forEach((name, index) => {
    if (!known.includes(name))
      problems.push({
        path: `backends[${index}]`,
        message: `is ${JSON.stringify(name)}, which is not a probe backend`,
        hint: `choose from ${known.join(", ")}`,
      });
  });
  if (config.policyFile) {
    const { loadPolicy } = await import("../../policy/load.ts");
    try {
      await loadPolicy(config.policyFile);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      for (const p of error.problems)
        problems.push({
          path: "policyFile",
          message: `names ${config.policyFile}, which is not a valid policy: ${p.path ? `${p.path}: ` : ""}${p.message}`,
          ...(p.hint ? { hint: p.hint } : {}),
        });
    }
  }
  // The policy block: a URL that can be fetched securely, and a file that the trusted keys accept.
  const policyBlock = config.policy;
  if (policyBlock?.url) {
    const url = URL.canParse(policyBlock.url) ? new URL(policyBlock.url) : undefined;
    if (!url || !isAllowedUrl(url))
      problems.push({
        path: "policy.url",
        message: `is ${JSON.stringify(policyBlock.url)}, not an https URL`,
        hint: "use https://; plain http is allowed only to this machine for testing",
      });
    else if (PLACEHOLDER_HOST.test(url.hostname))
      problems.push({
        path: "policy.url",
        message: `still names the example server ${url.hostname}`,
        hint: "put your policy server's URL here",
      });
  }
  if (
    policyBlock?.trustedKeys?.length &&
    config.policyFile &&
    !problems.some((p) => p.path === "policyFile")
  ) {
    const { openPolicySource } = await import("../daemon/policy-source.ts");
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const scratch = await mkdtemp(join(tmpdir(), "eca-config-check-"));
    try {
      const { silentLogger } = await import("../log.ts");
      const source = await openPolicySource(config.policyFile, scratch, silentLogger, {
        trustedKeys: policyBlock.trustedKeys,
        host: { hostname: "config-check" },
      });
      await source.current();
      const refused = source.problem();
      if (refused)
        problems.push({
          path: "policy.file",
          message: `names ${config.policyFile}, which the trusted keys do not accept: ${refused.split("\n")[0]}`,
          hint: "sign it with eca policy sign FILE --key KEY using a key listed in policy.trustedKeys",
        });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return problems;
}
