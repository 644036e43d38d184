// Reads a YAML or JSON document, bounded, with errors a policy owner can act on: the file, the
// place in it, what is wrong, and how to fix it. Used for policy files and agent configuration
// alike; checking a parsed document against its JSON Schema is policy/schema-check.ts.

import { readBoundedFile } from "../agent/bounded-read.ts";

// The YAML parser (a quarter of the bundle) is imported on first use: commands that read no
// document (eca --version, eca status without a configuration file) never load it.

export interface DocumentProblem {
  /** Place in the document, e.g. "approvals[2].approvedOn"; "" for the whole document. */
  path: string;
  message: string;
  hint?: string;
}

/** Problems a DocumentError's message lists one by one. */
const MAX_LISTED_PROBLEMS = 20;

/** A document that cannot be used. The message names the file and every problem. */
export class DocumentError extends Error {
  readonly file: string;
  readonly problems: DocumentProblem[];

  constructor(file: string, problems: DocumentProblem[]) {
    // Every problem stays in `problems`; the message, which reaches logs and `eca status`, lists the
    // first few (a document with 40,000 unknown keys must not make a 2 MB message).
    const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => {
      const where = p.path ? `${p.path}: ` : "";
      return `  - ${where}${p.message}${p.hint ? ` (fix: ${p.hint})` : ""}`;
    });
    if (problems.length > MAX_LISTED_PROBLEMS)
      lines.push(`  - and ${problems.length - MAX_LISTED_PROBLEMS} more problems of the same kind or others`);
    super(`${file} is not valid:\n${lines.join("\n")}`);
    this.name = "DocumentError";
    this.file = file;
    this.problems = problems;
  }
}

/**
 * The largest document read: a policy with thousands of approved devices is well under it. A bigger
 * file is refused before it is parsed, so a hostile or mistaken file cannot exhaust the agent's
 * memory (the daemon runs under a 128 MB limit) or hold up its scans while it parses.
 */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * The largest YAML document parsed. The YAML library holds several hundred bytes per byte of
 * source while it parses: measured with Node 26 on generated policies, a 64 KiB policy of
 * 640 approved devices raised peak RSS by 29 MB and took 123 ms, 128 KiB by 56 MB, against the
 * daemon's 128 MB limit. A bigger list is written as JSON, parsed natively: 1 MiB, 9,300 devices,
 * +11 MB and 53 ms.
 */
export const MAX_YAML_BYTES = 64 * 1024;

/** Nesting deeper than this is refused: no eca document needs more than a handful of levels. */
const MAX_DEPTH = 64;

/** Nodes a document may expand to once its aliases are followed (an alias bomb expands to billions). */
const MAX_EXPANDED_NODES = 100_000;

/** Keys that would reach an object's prototype in code that copies documents naively. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Reads a document file, refusing one larger than `maxBytes` (never read whole: a FIFO or a link
 * to /dev/zero ends at the bound) with an error that names the file and the fix.
 */
export async function readDocumentFile(
  file: string,
  missingHint: string,
  maxBytes: number = MAX_DOCUMENT_BYTES,
): Promise<string> {
  return (await readDocumentBytes(file, missingHint, maxBytes)).toString("utf8");
}

/** As readDocumentFile, but the exact bytes: a signature covers them, not their decoding. */
export async function readDocumentBytes(
  file: string,
  missingHint: string,
  maxBytes: number = MAX_DOCUMENT_BYTES,
  /** What to say of a file past `maxBytes`, when the limit that matters is not the read's own. */
  tooLarge?: DocumentProblem,
): Promise<Buffer> {
  const read = readBoundedFile(file, maxBytes);
  if (read.ok) return read.bytes;
  if (read.problem === "too-large") {
    throw new DocumentError(file, [
      tooLarge ?? {
        path: "",
        message: `is larger than ${maxBytes} bytes (${Math.round(maxBytes / 1024)} KiB), the most eca reads`,
        hint: "split it or remove entries; a policy with thousands of devices fits well within this",
      },
    ]);
  }
  // A wrong path is the caller's to explain (which option names the file); the rest the read's.
  const hint = read.problem === "missing" || read.problem === "directory" ? missingHint : read.hint;
  throw new DocumentError(file, [{ path: "", message: read.message, ...(hint ? { hint } : {}) }]);
}

/**
 * Parses YAML (which includes JSON) in time linear in its size. Every error names a line: syntax
 * errors, duplicate keys, forbidden keys (`__proto__`, `constructor`, `prototype`), aliases to no
 * anchor and alias bombs. Documents are read with the YAML 1.2 core schema whatever their `%YAML`
 * directive says, so under `%YAML 1.1` too, dates such as `approvedOn: 2026-03-14` stay text.
 */
export async function parseDocument(text: string, file: string): Promise<unknown> {
  const json = parseJsonDocument(text, file);
  if (json.parsed) return json.value;
  if (Buffer.byteLength(text, "utf8") > MAX_YAML_BYTES) {
    throw new DocumentError(file, [
      {
        path: "",
        message: `is YAML larger than ${MAX_YAML_BYTES / 1024} KiB, the most eca parses as YAML`,
        hint: `write a policy this large as JSON (up to ${MAX_DOCUMENT_BYTES / 1024} KiB), or remove entries`,
      },
    ]);
  }
  const yaml = await import("yaml");
  const lines = new yaml.LineCounter();
  const at = (offset: number | undefined) => {
    const { line, col } = lines.linePos(offset ?? 0);
    return `line ${line}, column ${col}`;
  };
  // The library's own duplicate-key check compares every key with every other (40,000 keys: 14 s);
  // the walk below does it with a Set per mapping instead.
  const document = yaml.parseDocument(text, {
    prettyErrors: true,
    uniqueKeys: false,
    schema: "core",
    lineCounter: lines,
  });
  if (document.errors.length > 0) {
    throw new DocumentError(
      file,
      document.errors.slice(0, 5).map((error) => {
        const position = error.linePos?.[0];
        // The library appends " at line N, column M:" and a code excerpt; the place goes in `path`.
        const first = (error.message.split("\n")[0] ?? error.message).replace(
          / at line \d+, column \d+:?$/,
          "",
        );
        return {
          path: position ? `line ${position.line}, column ${position.col}` : "",
          message: first,
          hint: "check the indentation and quoting around that line",
        };
      }),
    );
  }

  const problems: DocumentProblem[] = [];
  /** Expanded size of each anchored node, by anchor name, once its definition has been walked. */
  const anchors = new Map<string, number>();
  let total = 0;
  let firstAlias: number | undefined;
  /** Returns the node's size with aliases expanded; stops early once there is a problem. */
  const walk = (node: unknown, depth: number): number => {
    if (problems.length > 0 || node === null || node === undefined) return 0;
    const range = (node as { range?: [number, number, number] }).range;
    if (depth > MAX_DEPTH) {
      problems.push({
        path: at(range?.[0]),
        message: `nests deeper than ${MAX_DEPTH} levels`,
        hint: "no eca document needs more than a few levels; check the indentation",
      });
      return 0;
    }
    let size = 1;
    if (yaml.isAlias(node)) {
      firstAlias ??= range?.[0];
      const target = anchors.get(node.source);
      if (target === undefined) {
        problems.push({
          path: at(range?.[0]),
          message: `the alias *${node.source} refers to no anchor &${node.source} defined before it`,
          hint: `define &${node.source} earlier in the file, or write the value out in full`,
        });
        return 0;
      }
      size = target;
    } else if (yaml.isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        const keyRange = (key as { range?: [number, number, number] } | null)?.range;
        if (!yaml.isScalar(key)) {
          problems.push({
            path: at(keyRange?.[0] ?? range?.[0]),
            message: "a key is a list, mapping or alias; eca documents use plain text keys",
            hint: "write the key as plain text, e.g. vendorId:",
          });
          return 0;
        }
        const name = String(key.value ?? "");
        if (FORBIDDEN_KEYS.has(name)) {
          problems.push({
            path: at(keyRange?.[0]),
            message: `the key "${name}" is not allowed`,
            hint: "remove it: no eca setting has that name",
          });
          return 0;
        }
        if (keys.has(name)) {
          problems.push({
            path: at(keyRange?.[0]),
            message: `the key "${name}" appears twice in one mapping`,
            hint: "keep one of them: YAML would silently use the last",
          });
          return 0;
        }
        keys.add(name);
        size += 1 + walk(pair.value, depth + 1);
      }
    } else if (yaml.isSeq(node)) {
      for (const item of node.items) size += walk(item, depth + 1);
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, size);
    if (yaml.isAlias(node)) {
      total += size;
      if (total > MAX_EXPANDED_NODES && problems.length === 0) {
        problems.push({
          path: at(range?.[0]),
          message: `aliases expand the document to more than ${MAX_EXPANDED_NODES} values (an alias bomb)`,
          hint: "write the values out instead of repeating aliases of aliases",
        });
      }
    } else total += 1;
    return size;
  };
  walk(document.contents, 0);
  if (problems.length > 0) throw new DocumentError(file, problems);
  try {
    // The library's own alias limit, as a backstop at the same bound: the walk above finds bombs
    // first, with their line (the library's default, 100, refuses 300 plain aliases of one value).
    return document.toJS({ maxAliasCount: MAX_EXPANDED_NODES });
  } catch (error) {
    if (error instanceof ReferenceError) {
      throw new DocumentError(file, [
        {
          path: firstAlias === undefined ? "" : at(firstAlias),
          message: `aliases: ${error.message}`,
          hint: "write the values out instead of using aliases",
        },
      ]);
    }
    throw error;
  }
}

/** Line and column (1-based) of an offset in `text`. */
function linePosition(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/**
 * A document that is JSON is parsed natively, in linear time and a fraction of the YAML library's
 * memory. JSON.parse silently keeps the last of two equal keys, so one pass over the text first
 * checks every object's keys with a Set, and refuses `__proto__`, `constructor` and `prototype`.
 * Text that is not JSON (`{a: 1}` is YAML) is left to the YAML parser: `parsed: false`.
 */
function parseJsonDocument(text: string, file: string): { parsed: true; value: unknown } | { parsed: false } {
  const start = text.search(/\S/);
  if (start === -1 || (text[start] !== "{" && text[start] !== "[")) return { parsed: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Small enough for the YAML parser, which also reads `{a: 1}`: its error names the line.
    if (Buffer.byteLength(text, "utf8") <= MAX_YAML_BYTES) return { parsed: false };
    // Too big for YAML, so it was meant as JSON: say what is wrong with it, and where.
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    throw new DocumentError(file, [
      {
        path: position ? linePosition(text, Number(position[1])) : "",
        message: `is not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, "")}`,
        hint: "check the quoting and commas around that place (JSON allows no trailing commas or comments)",
      },
    ]);
  }
  // Valid JSON from here: strings are well formed, so the scan only tracks nesting and keys.
  const stack: (Set<string> | undefined)[] = [];
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push(c === 0x7b ? new Set() : undefined);
      if (stack.length > MAX_DEPTH) {
        throw new DocumentError(file, [
          {
            path: linePosition(text, i),
            message: `nests deeper than ${MAX_DEPTH} levels`,
            hint: "no eca document needs more than a few levels",
          },
        ]);
      }
    } else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      const keys = stack.at(-1);
      let next = end + 1;
      while (/\s/.test(text[next] ?? "")) next++;
      if (keys && text[next] === ":") {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const problem = FORBIDDEN_KEYS.has(key)
          ? { message: `the key "${key}" is not allowed`, hint: "remove it: no eca setting has that name" }
          : keys.has(key)
            ? {
                message: `the key "${key}" appears twice in one object`,
                hint: "keep one of them: JSON readers silently use the last",
              }
            : undefined;
        if (problem) throw new DocumentError(file, [{ path: linePosition(text, i), ...problem }]);
        keys.add(key);
      }
      i = end;
    }
  }
  return { parsed: true, value };
}
