// Downloads the policy from an HTTPS URL with If-None-Match, through the delivery endpoint's TLS
// settings (caFile; certFile and keyFile for mutual TLS) and the proxy environment (HTTPS_PROXY,
// NO_PROXY), as agent/delivery/http-sink.ts does. The bearer token goes only to the endpoint's own
// origin: a policy server elsewhere never sees the collector's credential. The TLS files are re-read
// on every fetch (one every few minutes), so a rotated certificate needs no restart.
//
// Nothing here judges what was downloaded: the policy source verifies it before it is used.

import type http from "node:http";
import type https from "node:https";
import { MAX_DOCUMENT_BYTES } from "../../policy/document.ts";
import { isAllowedUrl } from "../delivery/secure-url.ts";
import { readTokenFile, tlsOptionsFromFiles } from "../delivery/tls-files.ts";

export interface PolicyFetchTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Sent as a bearer token only when the policy URL has the same origin as `tokenOrigin`. */
  tokenFile?: string;
  tokenOrigin?: string;
}

export type FetchResult =
  | { status: "new"; body: Buffer; etag?: string }
  | { status: "unchanged" }
  | { status: "failed"; reason: string };

/** A bundle is the policy in base64 plus a little: 4/3 of the largest policy, rounded up. */
export const MAX_DOWNLOAD_BYTES = 2 * MAX_DOCUMENT_BYTES;

const httpsModule = () => process.getBuiltinModule("node:https") as typeof https;
const httpModule = () => process.getBuiltinModule("node:http") as typeof http;

export interface PolicyFetcher {
  /** Fetches the policy; with `etag`, a 304 answers "unchanged". Never throws. */
  fetch(etag?: string): Promise<FetchResult>;
}

export function createPolicyFetcher(
  urlText: string,
  tls: PolicyFetchTls = {},
  options: { timeoutMs?: number; proxyEnv?: NodeJS.ProcessEnv | null } = {},
): PolicyFetcher {
  const url = new URL(urlText);
  if (!isAllowedUrl(url)) {
    throw new Error(`policy.url must be https (plain http only to loopback): ${urlText}`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const proxyEnv = options.proxyEnv === undefined ? process.env : options.proxyEnv;

  function get(target: URL, etag: string | undefined): Promise<FetchResult> {
    return new Promise((resolve) => {
      let agent: http.Agent;
      let token: string | undefined;
      try {
        // Certificate checks stay on whatever NODE_TLS_REJECT_UNAUTHORIZED says, as for delivery.
        const agentOptions: https.AgentOptions = {
          ...tlsOptionsFromFiles(tls),
          ...(proxyEnv ? { proxyEnv } : {}),
        };
        agent =
          target.protocol === "https:"
            ? new (httpsModule().Agent)(agentOptions)
            : new (httpModule().Agent)(agentOptions);
        if (tls.tokenFile && tls.tokenOrigin && new URL(tls.tokenOrigin).origin === target.origin)
          token = readTokenFile(tls.tokenFile);
      } catch (error) {
        resolve({ status: "failed", reason: `cannot read the TLS files: ${(error as Error).message}` });
        return;
      }
      const headers: Record<string, string> = { accept: "application/json, application/yaml, */*" };
      if (etag) headers["if-none-match"] = etag;
      if (token) headers.authorization = `Bearer ${token}`;
      const request = (target.protocol === "https:" ? httpsModule() : httpModule()).request(target, {
        method: "GET",
        agent,
        headers,
        timeout: timeoutMs,
      });
      const done = (result: FetchResult) => {
        agent.destroy();
        resolve(result);
      };
      request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on("error", (error) => done({ status: "failed", reason: error.message }));
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        if (status === 304) {
          response.resume();
          done({ status: "unchanged" });
          return;
        }
        if (status !== 200) {
          response.resume();
          done({
            status: "failed",
            reason: `the server answered ${status} ${response.statusMessage ?? ""}`.trim(),
          });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_DOWNLOAD_BYTES) {
            response.destroy();
            done({ status: "failed", reason: `the download is larger than ${MAX_DOWNLOAD_BYTES} bytes` });
            return;
          }
          chunks.push(chunk);
        });
        response.on("error", (error) => done({ status: "failed", reason: error.message }));
        response.on("end", () => {
          if (size > MAX_DOWNLOAD_BYTES) return;
          const header = response.headers.etag;
          done({ status: "new", body: Buffer.concat(chunks), ...(header ? { etag: header } : {}) });
        });
      });
      request.end();
    });
  }

  return {
    fetch: (etag) => get(url, etag),
  };
}
