// Text from devices (USB strings, Bluetooth names, serials) is chosen by whoever made or named the
// device, so it is hostile until shown otherwise: a Bluetooth name "\x1b[2J" cleared the terminal of
// whoever ran `eca status`, and U+202E (right-to-left override) in a USB product string reorders
// what follows it on screen. Pure functions; no I/O.

/**
 * Characters that change how a terminal (or a log viewer) shows the text around them rather than
 * showing themselves: C0 controls (ESC, BEL, BS, CR, LF...), DEL, C1 controls (U+0080-U+009F,
 * U+009B is a one-byte CSI on some terminals), the bidirectional embeddings, overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069, Unicode TR9), the bidi marks (U+061C, U+200E, U+200F)
 * and the line and paragraph separators (U+2028, U+2029).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const WHITESPACE_CONTROLS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * The text as it may be printed to a terminal: tabs and line breaks become spaces (a name never
 * spans table rows), every other control or bidi formatting character is removed.
 */
export function sanitizeForTerminal(text: string): string {
  return text.replace(WHITESPACE_CONTROLS, " ").replace(UNSAFE, "");
}

// JSON.stringify escapes C0 controls (ESC becomes \u001b) but leaves DEL, C1 controls and the
// bidi characters as they are, so `--json` printed to a terminal could still be hostile.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify, with every character that JSON leaves raw but a terminal would act on written
 * as a \uXXXX escape. JSON.parse of the result gives back exactly the original values: --json keeps
 * the real device strings, byte for byte, for tools; only their spelling on screen changes.
 */
export function jsonForTerminal(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
