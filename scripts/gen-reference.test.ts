import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  fieldRows,
  generatedReference,
  REFERENCE_FILE,
  renderReference,
  type SchemaNode,
} from "./gen-reference.js";

describe("docs/reference.md", () => {
  it("is up to date with schemas/descriptor.schema.json (npm run gen:reference)", async () => {
    expect(await readFile(REFERENCE_FILE, "utf8")).toBe(await generatedReference(readFile));
  });
});

describe("fieldRows", () => {
  const schema: SchemaNode = {
    type: "object",
    required: ["spec"],
    properties: {
      spec: { $ref: "#/$defs/Spec" },
    },
    $defs: {
      Template: { type: "string", description: "a template" },
      Spec: {
        description: "The spec.",
        type: "object",
        required: ["units"],
        properties: {
          mode: { description: "A mode.", enum: ["a", "b"], default: "a" },
          units: { description: "Units.", type: "array", minItems: 1, items: { $ref: "#/$defs/Unit" } },
        },
      },
      Unit: {
        description: "One unit.",
        type: "object",
        required: ["name"],
        properties: { name: { description: "Its name.", $ref: "#/$defs/Template" } },
      },
    },
  };

  it("lists every nested field with path, type, required-ness, default and description", () => {
    expect(fieldRows(schema)).toEqual([
      { path: "spec", type: "object", required: true, description: "The spec." },
      { path: "spec.mode", type: '`"a"` | `"b"`', required: false, default: "a", description: "A mode." },
      {
        path: "spec.units",
        type: "list of object",
        required: true,
        description: "Units. Items: One unit. Constraints: at least 1 item.",
      },
      { path: "spec.units[].name", type: "template", required: true, description: "Its name." },
    ]);
  });

  it("escapes table pipes and keeps <placeholders> visible", () => {
    const page = renderReference({
      type: "object",
      properties: { a: { type: "string", description: "x | y for <name>, `<kept>`" } },
    });
    expect(page).toContain("| `a` | string | no | — | x \\| y for &lt;name&gt;, `<kept>` |");
  });
});
