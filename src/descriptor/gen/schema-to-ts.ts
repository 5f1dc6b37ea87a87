/**
 * Generates TypeScript declarations from the descriptor JSON Schema, so the schema
 * stays the one source of truth for the types. Handles the subset the schema uses:
 * $defs/$ref, object/array/scalars, enum/const, required, default, descriptions.
 * A property with a `default` is typed as present, because loading applies defaults.
 */

export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  $defs?: Record<string, SchemaNode>;
  title?: string;
}

const SCALARS: Record<string, string> = {
  string: "string",
  integer: "number",
  number: "number",
  boolean: "boolean",
  null: "null",
};

function doc(description: string | undefined, indent: string): string {
  if (description === undefined) return "";
  const text = description.replaceAll("*/", "*\\/");
  return `${indent}/** ${text} */\n`;
}

function refName(ref: string): string {
  return ref.replace(/^#\/\$defs\//, "");
}

function typeOf(node: SchemaNode, indent: string): string {
  if (node.$ref !== undefined) return refName(node.$ref);
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum !== undefined) return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  if (types.length === 0) return node.properties ? objectType(node, indent) : "unknown";
  return types.map((t) => singleType(t, node, indent)).join(" | ");
}

function singleType(type: string, node: SchemaNode, indent: string): string {
  if (type === "array") {
    const inner = node.items ? typeOf(node.items, indent) : "unknown";
    return inner.includes(" ") ? `(${inner})[]` : `${inner}[]`;
  }
  if (type === "object") return objectType(node, indent);
  return SCALARS[type] ?? "unknown";
}

function indexSignature(node: SchemaNode, indent: string): string | undefined {
  const extra = node.additionalProperties;
  if (extra === false) return undefined;
  if (extra === undefined || extra === true) return "unknown";
  return typeOf(extra, indent);
}

function objectType(node: SchemaNode, indent: string): string {
  const props = Object.entries(node.properties ?? {});
  const index = indexSignature(node, indent);
  if (props.length === 0) return index === undefined ? "Record<string, never>" : `Record<string, ${index}>`;
  const inner = `${indent}  `;
  const required = new Set(node.required ?? []);
  const lines = props.map(([key, prop]) => {
    const optional = required.has(key) || prop.default !== undefined ? "" : "?";
    return `${doc(prop.description, inner)}${inner}${key}${optional}: ${typeOf(prop, inner)};\n`;
  });
  if (index !== undefined) lines.push(`${inner}[key: string]: unknown;\n`);
  return `{\n${lines.join("")}${indent}}`;
}

function declaration(name: string, node: SchemaNode): string {
  const body = typeOf(node, "");
  const isInterface = body.startsWith("{") && node.$ref === undefined;
  const head = doc(node.description, "");
  return isInterface
    ? `${head}export interface ${name} ${body}\n`
    : `${head}export type ${name} = ${body};\n`;
}

/** Returns the TypeScript source for a root schema with $defs. */
export function schemaToTypeScript(root: SchemaNode, sourceName: string): string {
  const header = `// Generated from ${sourceName} by src/descriptor/gen/main.ts; do not edit (npm run gen:descriptor-types).\n\n`;
  const defs = Object.entries(root.$defs ?? {}).map(([name, def]) => declaration(name, def));
  const rootDecl = declaration(root.title ?? "Root", { ...root, $defs: undefined });
  return header + [rootDecl, ...defs].join("\n");
}
