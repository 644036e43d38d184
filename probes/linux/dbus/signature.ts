// D-Bus type signatures parsed into trees, per the D-Bus specification ("Type System").

export type BasicCode = "y" | "b" | "n" | "q" | "i" | "u" | "x" | "t" | "d" | "s" | "o" | "g" | "h";

export type TypeNode =
  | { code: BasicCode }
  | { code: "v" }
  | { code: "a"; element: TypeNode }
  | { code: "("; fields: TypeNode[] }
  | { code: "{"; key: TypeNode; value: TypeNode };

const basicCodes = new Set<string>(["y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g", "h"]);

/** Parses a whole signature (zero or more complete types). Throws on a malformed signature. */
export function parseSignature(signature: string): TypeNode[] {
  const types: TypeNode[] = [];
  let position = 0;
  while (position < signature.length) {
    const [node, next] = parseOne(signature, position, 0);
    types.push(node);
    position = next;
  }
  return types;
}

/** Parses exactly one complete type, as a variant's signature must be. */
export function parseSingleType(signature: string): TypeNode {
  const types = parseSignature(signature);
  const only = types[0];
  if (types.length !== 1 || !only) throw new Error(`Expected a single complete type, got "${signature}"`);
  return only;
}

// The spec caps container nesting at 32 arrays and 32 structs; one shared cap keeps hostile input bounded.
const maxDepth = 64;

function parseOne(signature: string, start: number, depth: number): [TypeNode, number] {
  if (depth > maxDepth) throw new Error(`Signature nests too deeply: "${signature}"`);
  const code = signature[start];
  if (code === undefined) throw new Error(`Signature ends early: "${signature}"`);
  if (basicCodes.has(code)) return [{ code: code as BasicCode }, start + 1];
  if (code === "v") return [{ code: "v" }, start + 1];
  if (code === "a") {
    if (signature[start + 1] === "{") {
      const [key, afterKey] = parseOne(signature, start + 2, depth + 1);
      if (!basicCodes.has(key.code)) throw new Error(`Dict key must be a basic type: "${signature}"`);
      const [value, afterValue] = parseOne(signature, afterKey, depth + 1);
      if (signature[afterValue] !== "}") throw new Error(`Unclosed dict entry: "${signature}"`);
      return [{ code: "a", element: { code: "{", key, value } }, afterValue + 1];
    }
    const [element, next] = parseOne(signature, start + 1, depth + 1);
    return [{ code: "a", element }, next];
  }
  if (code === "(") {
    const fields: TypeNode[] = [];
    let position = start + 1;
    while (signature[position] !== ")") {
      if (position >= signature.length) throw new Error(`Unclosed struct: "${signature}"`);
      const [field, next] = parseOne(signature, position, depth + 1);
      fields.push(field);
      position = next;
    }
    if (fields.length === 0) throw new Error(`Empty struct: "${signature}"`);
    return [{ code: "(", fields }, position + 1];
  }
  throw new Error(`Unknown type code "${code}" in signature "${signature}"`);
}

/** Alignment in bytes of a type's marshalled form. */
export function alignmentOf(node: TypeNode): number {
  switch (node.code) {
    case "y":
    case "g":
    case "v":
      return 1;
    case "n":
    case "q":
      return 2;
    case "x":
    case "t":
    case "d":
    case "(":
    case "{":
      return 8;
    default:
      return 4;
  }
}

/** The signature text of a parsed type, for variants written from a tree. */
export function signatureOf(node: TypeNode): string {
  switch (node.code) {
    case "a":
      return `a${signatureOf(node.element)}`;
    case "(":
      return `(${node.fields.map(signatureOf).join("")})`;
    case "{":
      return `{${signatureOf(node.key)}${signatureOf(node.value)}}`;
    default:
      return node.code;
  }
}
