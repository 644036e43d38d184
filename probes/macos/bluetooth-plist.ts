// A strict, bounded reader of XML property lists, the format `plutil -convert xml1 -o - FILE`
// prints (Apple's "PropertyList-1.0.dtd": plist, dict/key, array, string, integer, real, true,
// false, date, data). Pure: text in, values out; bad input is a PlistError naming the line.
//
// Why not the `plist` package from npm: plutil's output is this small closed grammar, and `plist`
// brings an XML DOM (@xmldom/xmldom) and a builder (xmlbuilder) to read it; the parser below is
// about a hundred lines, keeps dictionaries as Maps (a key "__proto__" is just a key), limits
// nesting, and says where input is wrong. Binary plists are not read: the probe asks plutil for XML.

export type PlistValue = string | number | boolean | Date | Uint8Array | PlistValue[] | PlistDict;
export type PlistDict = Map<string, PlistValue>;

export class PlistError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, problem: string) {
    super(`${file}, line ${line}: ${problem}`);
    this.name = "PlistError";
    this.file = file;
    this.line = line;
  }
}

/** Deeper nesting than any preferences file has: a hostile file cannot exhaust the stack. */
const MAX_DEPTH = 64;

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string, fail: (problem: string) => never): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (whole, name: string | undefined) => {
    if (name === undefined) fail('a bare "&": write &amp;');
    if (name.startsWith("#")) {
      const code = name.startsWith("#x")
        ? Number.parseInt(name.slice(2), 16)
        : Number.parseInt(name.slice(1), 10);
      if (!(code <= 0x10ffff)) fail(`character reference ${whole} is beyond Unicode`);
      return String.fromCodePoint(code);
    }
    const entity = ENTITIES[name];
    if (entity === undefined) fail(`unknown entity ${whole}`);
    return entity;
  });
}

/** Parses an XML plist document; `file` names it in errors. */
export function parseXmlPlist(text: string, file: string): PlistValue {
  // Tags, with the text between them. Comments, the XML declaration and the DOCTYPE are skipped.
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z][A-Za-z0-9]*)((?:\s[^>]*?)?)(\/?)>/g;
  let position = 0;
  let line = 1;
  const advanceTo = (index: number) => {
    for (let i = position; i < index; i++) if (text.charCodeAt(i) === 10) line++;
    position = index;
  };
  const fail = (problem: string): never => {
    throw new PlistError(file, line, problem);
  };

  interface Tag {
    closing: boolean;
    name: string;
    selfClosing: boolean;
    textBefore: string;
  }
  function nextTag(): Tag | undefined {
    for (;;) {
      token.lastIndex = position;
      const match = token.exec(text);
      if (!match) {
        if (text.slice(position).trim() !== "") fail("text after the last tag");
        advanceTo(text.length);
        return undefined;
      }
      const textBefore = text.slice(position, match.index);
      advanceTo(match.index);
      advanceTo(match.index + match[0].length);
      if (match[2] === undefined) {
        if (textBefore.trim() !== "") fail("text outside any element");
        continue; // comment, declaration, DOCTYPE
      }
      return { closing: match[1] === "/", name: match[2], selfClosing: match[4] === "/", textBefore };
    }
  }

  function textElement(name: string): string {
    const end = nextTag();
    if (!end?.closing || end.name !== name) fail(`<${name}> is not closed by </${name}>`);
    return decodeEntities((end as Tag).textBefore, fail);
  }

  function value(tag: Tag, depth: number): PlistValue {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    if (tag.closing) fail(`unexpected </${tag.name}>`);
    if (tag.textBefore.trim() !== "") fail(`text before <${tag.name}>`);
    switch (tag.name) {
      case "true":
      case "false":
        if (!tag.selfClosing) textElement(tag.name);
        return tag.name === "true";
      case "string":
        return tag.selfClosing ? "" : textElement("string");
      case "integer": {
        const raw = tag.selfClosing ? "" : textElement("integer").trim();
        if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(raw)) fail(`<integer> "${raw}" is not an integer`);
        return raw.includes("0x") ? Number.parseInt(raw, 16) : Number.parseInt(raw, 10);
      }
      case "real": {
        const raw = tag.selfClosing ? "" : textElement("real").trim();
        const number = Number(raw);
        if (raw === "" || Number.isNaN(number)) fail(`<real> "${raw}" is not a number`);
        return number;
      }
      case "date": {
        const raw = tag.selfClosing ? "" : textElement("date").trim();
        const date = new Date(raw);
        if (Number.isNaN(date.getTime())) fail(`<date> "${raw}" is not an ISO 8601 date`);
        return date;
      }
      case "data": {
        const raw = tag.selfClosing ? "" : textElement("data").replace(/\s+/g, "");
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) fail("<data> is not base64");
        return new Uint8Array(Buffer.from(raw, "base64"));
      }
      case "array": {
        const items: PlistValue[] = [];
        if (tag.selfClosing) return items;
        for (;;) {
          const next = nextTag() ?? fail("<array> is not closed");
          if (next.closing && next.name === "array") {
            if (next.textBefore.trim() !== "") fail("text inside <array>");
            return items;
          }
          items.push(value(next, depth + 1));
        }
      }
      case "dict": {
        const dict: PlistDict = new Map();
        if (tag.selfClosing) return dict;
        for (;;) {
          const next = nextTag() ?? fail("<dict> is not closed");
          if (next.textBefore.trim() !== "") fail("text inside <dict>");
          if (next.closing && next.name === "dict") return dict;
          if (next.closing) fail(`<dict> is not closed before </${next.name}>`);
          if (next.closing || next.name !== "key") fail(`<dict> holds <${next.name}> where a <key> belongs`);
          const key = next.selfClosing ? "" : textElement("key");
          const item = nextTag() ?? fail(`<key>${key}</key> has no value`);
          if (item.closing) fail(`<key>${key}</key> has no value`);
          dict.set(key, value(item, depth + 1));
        }
      }
      default:
        return fail(`unknown element <${tag.name}>`);
    }
  }

  const root = nextTag();
  if (!root || root.closing || root.name !== "plist") fail("not an XML property list (no <plist> element)");
  if ((root as Tag).selfClosing) fail("<plist/> is empty");
  const first = nextTag() ?? fail("<plist> is not closed");
  const result = value(first, 1);
  const end = nextTag();
  if (!end?.closing || end.name !== "plist") fail("<plist> holds more than one value");
  if (nextTag() !== undefined) fail("content after </plist>");
  return result;
}

/** The dictionary at `value`, if it is one. */
export function asDict(value: PlistValue | undefined): PlistDict | undefined {
  return value instanceof Map ? value : undefined;
}
