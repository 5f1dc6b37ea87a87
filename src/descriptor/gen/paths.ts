import { fileURLToPath } from "node:url";
import { format } from "prettier";
import { schemaToTypeScript, type SchemaNode } from "./schema-to-ts.js";

export const SCHEMA_FILE = fileURLToPath(new URL("../../../schemas/descriptor.schema.json", import.meta.url));
export const TYPES_FILE = fileURLToPath(new URL("../types.gen.ts", import.meta.url));

/** The formatted content types.gen.ts must have for the current schema. */
export async function generatedTypes(read: (path: string, enc: "utf8") => Promise<string>): Promise<string> {
  const schema = JSON.parse(await read(SCHEMA_FILE, "utf8")) as SchemaNode;
  const source = schemaToTypeScript(schema, "schemas/descriptor.schema.json");
  return format(source, { parser: "typescript", printWidth: 110 });
}
