import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE } from "./paths.js";
import { schemaToTypeScript, type SchemaNode } from "./schema-to-ts.js";

const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as SchemaNode;

function undescribed(node: SchemaNode, path: string, out: string[]): void {
  for (const [key, prop] of Object.entries(node.properties ?? {})) {
    const def = prop.$ref === undefined ? undefined : schema.$defs?.[prop.$ref.replace("#/$defs/", "")];
    if (prop.description === undefined && def?.description === undefined) out.push(`${path}.${key}`);
    undescribed(prop, `${path}.${key}`, out);
  }
  if (node.items !== undefined) undescribed(node.items, `${path}[]`, out);
}

describe("descriptor.schema.json", () => {
  it("describes every field, so editors can explain it", () => {
    const out: string[] = [];
    undescribed(schema, "", out);
    for (const [name, def] of Object.entries(schema.$defs ?? {})) {
      if (def.description === undefined) out.push(`$defs.${name}`);
      undescribed(def, name, out);
    }
    expect(out).toEqual([]);
  });
});

describe("schemaToTypeScript", () => {
  it("maps required, defaults, enums, arrays, maps and refs", () => {
    const ts = schemaToTypeScript(
      {
        title: "Root",
        type: "object",
        required: ["a"],
        additionalProperties: false,
        properties: {
          a: { type: "string", description: "An a." },
          b: { enum: ["x", "y"], default: "x" },
          c: { type: "array", items: { $ref: "#/$defs/Item" } },
          d: { type: "object", additionalProperties: { type: "integer" } },
          e: { type: ["object", "string"] },
        },
        $defs: { Item: { type: "object", properties: { n: { type: "number" } } } },
      },
      "test",
    );
    expect(ts).toContain("export interface Root {");
    expect(ts).toContain("  /** An a. */\n  a: string;");
    expect(ts).toContain('  b: "x" | "y";');
    expect(ts).toContain("  c?: Item[];");
    expect(ts).toContain("  d?: Record<string, number>;");
    expect(ts).toContain("  e?: Record<string, unknown> | string;");
    expect(ts).toContain("export interface Item {");
  });
});
