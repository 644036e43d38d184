// Where the agent may send events or fetch policies from: https, or plain http to this machine only
// (a test collector). One rule for the HTTP sink, the policy fetcher and `eca config check`.

/** Host names that can only mean this machine, as URL.hostname spells them. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** https, or http to loopback. */
export function isAllowedUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}
