// Checks an event against the official OCSF schema, compiled by the OCSF project's compiler and
// trimmed to what eca uses (test/fixtures/ocsf/, made by test/tools/compile-ocsf-schema.sh). It
// follows the OCSF Server's own validator (lib/schema/validator2.ex in ocsf/ocsf-server): the class
// from class_uid; profile attributes only when metadata.profiles names the profile; required
// attributes; types, including the dictionary's subtypes with their regex, max_len and range;
// enum ids; type_uid = class_uid * 100 + activity_id; constraints (at_least_one, just_one);
// unknown attributes anywhere except under `unmapped` (an open `object`). Two checks are stricter
// than the server's warnings: an enum sibling (`type` beside `type_id`) must carry the id's
// caption, and deprecated classes, objects, attributes or enum values are reported as warnings
// that the tests require to be empty.

import { readFileSync } from "node:fs";

interface Attribute {
  caption?: string;
  type: string;
  object_type?: string;
  is_array?: boolean;
  requirement?: "required" | "recommended" | "optional";
  sibling?: string;
  enum?: Record<string, { caption: string; "@deprecated"?: unknown }>;
  profiles?: string[];
  "@deprecated"?: { message?: string; since?: string };
}
interface Item {
  name: string;
  caption?: string;
  uid?: number;
  stub?: boolean;
  attributes?: Record<string, Attribute>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
  "@deprecated"?: { message?: string; since?: string };
}
interface DataType {
  type?: string;
  regex?: string;
  max_len?: number;
  range?: [number, number];
  values?: unknown[];
}
export interface OcsfSchema {
  version: string;
  classes: Record<string, Item>;
  objects: Record<string, Item>;
  profiles: string[];
  types: Record<string, DataType>;
}

export interface ValidationResult {
  errors: string[];
  warnings: string[];
}

export function loadOcsfSchema(version = "1.8.0"): OcsfSchema {
  const url = new URL(`../fixtures/ocsf/schema-${version}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as OcsfSchema;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

export function validateOcsfEvent(schema: OcsfSchema, event: unknown): ValidationResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!isObject(event)) return { errors: ["the event is not a JSON object"], warnings };
  const classUid = event.class_uid;
  const cls = Object.values(schema.classes).find((c) => c.uid === classUid);
  if (!cls) {
    return { errors: [`class_uid ${JSON.stringify(classUid)} is not a class in the fixture`], warnings };
  }
  if (cls["@deprecated"]) warnings.push(`class ${cls.name} is deprecated: ${cls["@deprecated"].message}`);

  const metadata = event.metadata;
  const profiles =
    isObject(metadata) && Array.isArray(metadata.profiles) ? (metadata.profiles as unknown[]) : [];
  profiles.forEach((profile, index) => {
    if (typeof profile === "string" && !schema.profiles.includes(profile)) {
      errors.push(`metadata.profiles[${index}]: no profile "${profile}" in OCSF ${schema.version}`);
    }
  });
  const active = new Set(profiles.filter((p): p is string => typeof p === "string"));
  if (isObject(metadata) && metadata.version !== schema.version) {
    errors.push(`metadata.version: ${JSON.stringify(metadata.version)}, the schema is ${schema.version}`);
  }
  const { checkItem } = checker(schema, active, errors, warnings);
  checkItem(event, cls, "");
  if (
    Number.isInteger(event.class_uid) &&
    Number.isInteger(event.activity_id) &&
    event.type_uid !== (event.class_uid as number) * 100 + (event.activity_id as number)
  ) {
    errors.push(`type_uid: ${event.type_uid} is not class_uid * 100 + activity_id`);
  }
  if (
    event.category_uid !== undefined &&
    cls.uid !== undefined &&
    event.category_uid !== Math.floor(cls.uid / 1000)
  ) {
    errors.push(`category_uid: ${event.category_uid} is not the category of class ${cls.uid}`);
  }
  return { errors, warnings };
}

/** Checks one object (e.g. an eca peripheral inventory entry) against an OCSF object definition. */
export function validateOcsfObject(schema: OcsfSchema, objectName: string, value: unknown): ValidationResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const object = schema.objects[objectName];
  if (!object) return { errors: [`object ${objectName} is not in the fixture`], warnings };
  if (!isObject(value)) return { errors: [`not a ${objectName} object`], warnings };
  checker(schema, new Set(), errors, warnings).checkItem(value, object, "");
  return { errors, warnings };
}

function checker(schema: OcsfSchema, active: Set<string>, errors: string[], warnings: string[]) {
  function attributesOf(item: Item): Record<string, Attribute> {
    return Object.fromEntries(
      Object.entries(item.attributes ?? {}).filter(
        ([, a]) => !a.profiles || a.profiles.some((p) => active.has(p)),
      ),
    );
  }

  function checkItem(value: Record<string, unknown>, item: Item, path: string): void {
    if (item.stub) {
      errors.push(
        `${path || "(event)"}: object ${item.name} is not described in the fixture; add it to OBJECTS in test/tools/trim-ocsf-schema.ts and recompile`,
      );
      return;
    }
    const attributes = attributesOf(item);
    const where = item.uid !== undefined ? `class ${item.name}` : `object ${item.name}`;
    // `object` (used by unmapped) has no attributes: anything goes there.
    if (Object.keys(item.attributes ?? {}).length > 0) {
      for (const key of Object.keys(value)) {
        if (!(key in attributes)) {
          const gated = item.attributes?.[key]?.profiles;
          errors.push(
            gated
              ? `${join(path, key)}: belongs to profile ${gated.join("/")}, not listed in metadata.profiles`
              : `${join(path, key)}: not an attribute of ${where} (put it under unmapped)`,
          );
        }
      }
    }
    for (const [name, attribute] of Object.entries(attributes)) {
      const here = join(path, name);
      const v = value[name];
      if (v === undefined || v === null) {
        if (attribute.requirement === "required") errors.push(`${here}: required by ${where}, missing`);
        continue;
      }
      if (attribute["@deprecated"]) {
        warnings.push(
          `${here}: deprecated since ${attribute["@deprecated"].since}: ${attribute["@deprecated"].message}`,
        );
      }
      if (attribute.is_array) {
        if (!Array.isArray(v)) {
          errors.push(`${here}: must be an array`);
          continue;
        }
        for (const [index, element] of v.entries()) checkValue(element, attribute, `${here}[${index}]`);
      } else checkValue(v, attribute, here);
      if (attribute.enum) {
        const ids = attribute.is_array && Array.isArray(v) ? v : [v];
        for (const id of ids) {
          const entry = attribute.enum[String(id)];
          if (!entry) {
            errors.push(
              `${here}: ${JSON.stringify(id)} is not one of ${Object.keys(attribute.enum).join(", ")}`,
            );
            continue;
          }
          if (entry["@deprecated"]) warnings.push(`${here}: enum value ${id} is deprecated`);
          if (!attribute.is_array && attribute.sibling && value[attribute.sibling] !== undefined) {
            const caption = value[attribute.sibling];
            if (id === 99) {
              if (caption === entry.caption)
                warnings.push(
                  `${join(path, attribute.sibling)}: "Other" should carry the source's own value`,
                );
            } else if (caption !== entry.caption) {
              errors.push(
                `${join(path, attribute.sibling)}: ${JSON.stringify(caption)} is not the caption of ${name} ${id} ("${entry.caption}")`,
              );
            }
          }
        }
      }
    }
    const constraints = item.constraints ?? {};
    if (constraints.at_least_one && !constraints.at_least_one.some((k) => value[k] !== undefined)) {
      errors.push(
        `${path || "(event)"}: ${where} needs at least one of ${constraints.at_least_one.join(", ")}`,
      );
    }
    if (constraints.just_one && constraints.just_one.filter((k) => value[k] !== undefined).length !== 1) {
      errors.push(`${path || "(event)"}: ${where} needs exactly one of ${constraints.just_one.join(", ")}`);
    }
  }

  function checkValue(v: unknown, attribute: Attribute, path: string): void {
    if (attribute.type === "object_t") {
      const object = attribute.object_type ? schema.objects[attribute.object_type] : undefined;
      if (!object) {
        errors.push(`${path}: object type ${attribute.object_type} unknown to the fixture`);
        return;
      }
      if (!isObject(v)) {
        errors.push(`${path}: must be a ${object.name} object`);
        return;
      }
      if (object["@deprecated"]) warnings.push(`${path}: object ${object.name} is deprecated`);
      checkItem(v, object, path);
      return;
    }
    checkPrimitive(v, attribute.type, path);
  }

  function checkPrimitive(v: unknown, typeName: string, path: string): void {
    const type = schema.types[typeName];
    if (!type) {
      errors.push(`${path}: type ${typeName} unknown to the fixture`);
      return;
    }
    const base = type.type ?? typeName;
    const wrong = (expected: string) =>
      errors.push(`${path}: ${JSON.stringify(v)} is not ${expected} (${typeName})`);
    switch (base) {
      case "boolean_t":
        if (typeof v !== "boolean") wrong("a boolean");
        break;
      case "integer_t":
        if (!Number.isInteger(v) || (v as number) < INT_MIN || (v as number) > INT_MAX)
          wrong("a 32-bit integer");
        break;
      case "long_t":
      case "timestamp_t":
        if (!Number.isSafeInteger(v)) wrong("a 64-bit integer");
        break;
      case "float_t":
        if (typeof v !== "number" || !Number.isFinite(v)) wrong("a number");
        break;
      case "string_t":
        if (typeof v !== "string") wrong("a string");
        else {
          if (type.max_len !== undefined && v.length > type.max_len)
            wrong(`at most ${type.max_len} characters`);
          if (type.regex && !new RegExp(type.regex).test(v)) wrong(`matching ${type.regex}`);
        }
        break;
      case "json_t":
        break;
      default:
        errors.push(`${path}: base type ${base} not handled by the validator`);
    }
    if (type.range && typeof v === "number" && (v < type.range[0] || v > type.range[1])) {
      wrong(`in ${type.range[0]}..${type.range[1]}`);
    }
    if (type.values && !type.values.includes(v)) wrong(`one of ${JSON.stringify(type.values)}`);
  }

  return { checkItem };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
