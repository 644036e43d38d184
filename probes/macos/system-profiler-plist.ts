// A minimal XML property list reader for what `system_profiler -xml` prints (macOS before 10.15,
// which has no -json): <dict>, <array>, <string>, <integer>, <real>, <true/>, <false/>, <date>,
// <data>. No DTD, entities beyond the five XML ones, or binary plists: system_profiler emits none.
// Written here rather than taken from npm: the `plist` package pulls an XML DOM (@xmldom/xmldom)
// for this subset, and this reader is 80 lines tested on recorded output (test/macos-usb.test.ts).

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

const TOKEN = /<(\/?)([a-zA-Z]+)(?:\s[^>]*?)?\s*(\/?)>|<\?[^>]*\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->|([^<]+)/g;

/** Parses an XML plist document into plain values; throws with the reason when it is not one. */
export function parsePlistXml(text: string): PlistValue {
  const tokens: { close: boolean; tag: string; empty: boolean; text?: string }[] = [];
  for (const match of text.matchAll(TOKEN)) {
    if (match[2]) tokens.push({ close: match[1] === "/", tag: match[2], empty: match[3] === "/" });
    else if (match[4] !== undefined && match[4].trim() !== "")
      tokens.push({ close: false, tag: "#text", empty: true, text: match[4] });
  }
  let position = 0;
  const next = () => {
    const token = tokens[position++];
    if (!token) throw new Error("the property list ends early");
    return token;
  };
  const textUntil = (tag: string): string => {
    let collected = "";
    for (;;) {
      const token = next();
      if (token.tag === "#text") collected += token.text ?? "";
      else if (token.close && token.tag === tag) return decode(collected);
      else throw new Error(`<${token.tag}> inside <${tag}>`);
    }
  };
  const value = (): PlistValue => {
    const token = next();
    if (token.close) throw new Error(`unexpected </${token.tag}>`);
    switch (token.tag) {
      case "dict": {
        const object: { [key: string]: PlistValue } = {};
        if (token.empty) return object;
        for (;;) {
          const key = next();
          if (key.close && key.tag === "dict") return object;
          if (key.tag !== "key") throw new Error(`<${key.tag}> where a <key> belongs`);
          object[key.empty ? "" : textUntil("key")] = value();
        }
      }
      case "array": {
        const list: PlistValue[] = [];
        if (token.empty) return list;
        for (;;) {
          if (tokens[position]?.close && tokens[position]?.tag === "array") {
            position++;
            return list;
          }
          list.push(value());
        }
      }
      case "string":
      case "date":
      case "data":
        return token.empty ? "" : textUntil(token.tag).trim();
      case "integer":
      case "real":
        return Number(textUntil(token.tag).trim());
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new Error(`<${token.tag}> is not a property list element`);
    }
  };
  const root = next();
  if (root.tag !== "plist") throw new Error("no <plist> element");
  return value();
}
