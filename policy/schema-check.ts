// Checks a parsed document against a published JSON Schema, with errors a policy owner can act on:
// the place in it, what is wrong, and how to fix it. The checker interprets the subset of JSON
// Schema our schemas use (type, enum, properties, required, additionalProperties, minProperties,
// items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum, format: date, local
// $ref), plus an "x-hint" keyword carrying the fix in words.

import type { DocumentProblem } from "./document.ts";
import { isoDay } from "./iso-time.ts";

export interface JsonSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  format?: "date";
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  description?: string;
  "x-hint"?: string;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** True for a real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const time = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(time) && isoDay(time) === text;
}

function typeMatches(type: NonNullable<JsonSchema["type"]>, value: unknown): boolean {
  switch (type) {
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
  }
}

const TYPE_WORDS: Record<NonNullable<JsonSchema["type"]>, string> = {
  object: "a mapping of keys to values",
  array: "a list",
  string: "text",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
};

/** Returns every problem found; an empty list means the value fits the schema. */
export function checkAgainstSchema(
  value: unknown,
  schema: JsonSchema,
  root: JsonSchema = schema,
): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  visit(value, schema, "", root, problems);
  return problems;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace(/^#\/\$defs\//, "");
  const target = root.$defs?.[name];
  if (!target) throw new Error(`Schema reference ${schema.$ref} does not resolve`);
  return { ...target, ...schema, $ref: undefined };
}

function visit(
  value: unknown,
  rawSchema: JsonSchema,
  path: string,
  root: JsonSchema,
  out: DocumentProblem[],
): void {
  const schema = resolve(rawSchema, root);
  const hint = schema["x-hint"];
  const problem = (message: string, at = path) =>
    out.push(hint ? { path: at, message, hint } : { path: at, message });

  if (schema.enum && !schema.enum.includes(value)) {
    problem(
      `is ${describeValue(value)}; expected one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`,
    );
    return;
  }
  if (schema.type && !typeMatches(schema.type, value)) {
    const extra =
      schema.type === "string" && typeof value === "number" ? "; YAML read it as a number, so quote it" : "";
    problem(`is ${describeValue(value)}; expected ${TYPE_WORDS[schema.type]}${extra}`);
    return;
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      problem("is empty; expected some text");
    else if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
      problem(`is ${describeValue(value)}, which is not in the expected form`);
    } else if (schema.format === "date" && !isIsoDate(value)) {
      problem(`is ${describeValue(value)}, which is not a real date written YYYY-MM-DD`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      problem(`is ${value}; the smallest allowed is ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problem(`is ${value}; the largest allowed is ${schema.maximum}`);
  }
  if (typeof value === "string" && schema.maxLength !== undefined && value.length > schema.maxLength)
    problem(`is ${value.length} characters long; the most allowed is ${schema.maxLength}`);
  if (Array.isArray(value) && schema.minItems !== undefined && value.length < schema.minItems)
    problem(`is an empty list; expected at least ${schema.minItems} entry`);
  if (Array.isArray(value) && schema.maxItems !== undefined && value.length > schema.maxItems) {
    problem(`has ${value.length} entries; the most allowed is ${schema.maxItems}`);
    return;
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, index) => {
      visit(item, items, joinPath(path, index), root, out);
    });
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (const key of schema.required ?? []) {
      if (!(key in record)) {
        const childHint = schema.properties?.[key]
          ? resolve(schema.properties[key], root)["x-hint"]
          : undefined;
        out.push({
          path: joinPath(path, key),
          message: "is missing",
          ...(childHint ? { hint: childHint } : {}),
        });
      }
    }
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) problem("is empty");
    for (const key of keys) {
      const child = schema.properties?.[key];
      if (child) visit(record[key], child, joinPath(path, key), root, out);
      else if (schema.additionalProperties === false) {
        const known = Object.keys(schema.properties ?? {}).filter((k) => k !== "$schema");
        out.push({
          path: joinPath(path, key),
          message: "is not a known setting",
          hint: `check the spelling; known here: ${known.join(", ")}`,
        });
      }
    }
  }
}
