// Credentials must never leave the process in clear: an endpoint URL written as
// https://user:password@collector/ was logged at start-up (journald keeps it, often forwarded) and
// shown by `eca status` to everyone in the status group. Pure functions; no I/O.

const HIDDEN = "***";

/** Query parameters that carry secrets in collector URLs (tokens, signatures, API keys). */
const SECRET_PARAMETER =
  /^(?:.*token.*|.*secret.*|.*passw(?:or)?d.*|.*key|sig|signature|auth.*|credentials?)$/i;

/**
 * The URL as it may be shown or logged: user name and password become ***, and so do the values of
 * query parameters named like secrets (token, key, sig, password...). A string that is not a URL
 * gets the credential part of anything URL-like inside it hidden (see redactUrlsIn).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactUrlsIn(url);
  }
  if (parsed.username) parsed.username = HIDDEN;
  if (parsed.password) parsed.password = HIDDEN;
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, HIDDEN);
  }
  // URL percent-encodes the asterisks it is given as user name; show them as written.
  return parsed.href.replaceAll("%2A", "*");
}

// scheme://userinfo@ : the userinfo part has no slash, no whitespace and no @.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#]+@/gi;
const SECRET_QUERY =
  /([?&](?:[^=&\s#]*(?:token|secret|passw(?:or)?d)[^=&\s#]*|[^=&\s#]*key|sig|signature|auth[^=&\s#]*)=)[^&\s#]*/gi;

/** Free text (an error message, a last error) with the credentials of every URL in it hidden. */
export function redactUrlsIn(text: string): string {
  return text.replace(USERINFO, `$1${HIDDEN}@`).replace(SECRET_QUERY, `$1${HIDDEN}`);
}
