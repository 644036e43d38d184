// Keeps, from a schema compiled by ocsf-schema-compiler, only what eca's events use: the classes it
// emits, the objects it fills, the data types, and the profile names; descriptions are dropped.
// Objects an eca class merely could hold are kept as stubs, so the validator can say "eca fills an
// object the fixture does not describe: add it to OBJECTS here and recompile".
//   node test/tools/trim-ocsf-schema.ts <compiled.json> <out.json>

import { readFileSync, writeFileSync } from "node:fs";

/** The classes eca emits (agent/events/ocsf.ts). */
const CLASSES = ["compliance_finding", "inventory_info", "peripheral_activity"];
/** The objects eca fills, at any depth. `object` is the open type of `unmapped`. */
const OBJECTS = [
  "actor",
  "compliance",
  "device",
  "device_hw_info",
  "finding_info",
  "metadata",
  "object",
  "organization",
  "os",
  "peripheral_device",
  "policy",
  "product",
  "remediation",
  "resource_details",
  "user",
];
const KEEP = new Set([
  "name",
  "caption",
  "uid",
  "category",
  "category_uid",
  "category_name",
  "extends",
  "profiles",
  "constraints",
  "type",
  "type_name",
  "object_type",
  "is_array",
  "requirement",
  "sibling",
  "enum",
  "regex",
  "max_len",
  "range",
  "values",
  "@deprecated",
]);

type Json = Record<string, unknown>;

function trimAttribute(attribute: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(attribute)) {
    if (!KEEP.has(key)) continue;
    if (key === "enum") {
      out.enum = Object.fromEntries(
        Object.entries(value as Record<string, Json>).map(([id, item]) => [
          id,
          { caption: item.caption, ...(item["@deprecated"] ? { "@deprecated": item["@deprecated"] } : {}) },
        ]),
      );
    } else out[key] = value;
  }
  return out;
}

function trimItem(item: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(item)) {
    if (key === "attributes") {
      out.attributes = Object.fromEntries(
        Object.entries(value as Record<string, Json>).map(([name, a]) => [name, trimAttribute(a)]),
      );
    } else if (KEEP.has(key)) out[key] = value;
  }
  return out;
}

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error("usage: trim-ocsf-schema.ts <compiled.json> <out.json>");
const schema = JSON.parse(readFileSync(input, "utf8")) as {
  version: string;
  classes: Record<string, Json>;
  objects: Record<string, Json>;
  profiles: Record<string, Json>;
  dictionary: { types: { attributes: Record<string, Json> } };
};
const classes = Object.fromEntries(
  CLASSES.map((name) => {
    const item = schema.classes[name];
    if (!item) throw new Error(`class ${name} is not in OCSF ${schema.version}`);
    return [name, trimItem(item)];
  }),
);
const objects: Record<string, Json> = {};
for (const name of OBJECTS) {
  const item = schema.objects[name];
  if (!item) throw new Error(`object ${name} is not in OCSF ${schema.version}`);
  objects[name] = trimItem(item);
}
for (const item of [...Object.values(classes), ...Object.values(objects)]) {
  for (const attribute of Object.values(item.attributes as Record<string, Json>)) {
    const type = attribute.object_type as string | undefined;
    if (type && !objects[type]) {
      const source = schema.objects[type];
      objects[type] = { name: type, caption: source?.caption, stub: true };
    }
  }
}
const types = Object.fromEntries(
  Object.entries(schema.dictionary.types.attributes).map(([name, t]) => [name, trimAttribute(t)]),
);
const trimmed = {
  version: schema.version,
  classes,
  objects: Object.fromEntries(Object.entries(objects).sort(([a], [b]) => a.localeCompare(b))),
  profiles: Object.keys(schema.profiles).sort(),
  types,
};
writeFileSync(output, `${JSON.stringify(trimmed, null, 1)}\n`);
