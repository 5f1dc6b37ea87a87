/**
 * Writes docs/reference.md, the descriptor field reference, from
 * schemas/descriptor.schema.json (`npm run gen:reference`). The unit test
 * scripts/gen-reference.test.ts fails when the page is stale.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format } from "prettier";

export const SCHEMA_FILE = fileURLToPath(new URL("../schemas/descriptor.schema.json", import.meta.url));
export const REFERENCE_FILE = fileURLToPath(new URL("../docs/reference.md", import.meta.url));

/** The part of JSON Schema the descriptor schema uses. */
export interface SchemaNode {
  readonly $ref?: string;
  readonly $defs?: Record<string, SchemaNode>;
  readonly description?: string;
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly required?: readonly string[];
  readonly properties?: Record<string, SchemaNode>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface FieldRow {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly description: string;
}

const TEMPLATE_DEF = "#/$defs/Template";

/** A `$ref`'d definition merged with the referring node (whose description and default win). */
function resolveNode(node: SchemaNode, defs: Record<string, SchemaNode>): SchemaNode {
  if (node.$ref === undefined || node.$ref === TEMPLATE_DEF) return node;
  const target = defs[node.$ref.replace("#/$defs/", "")];
  if (!target) throw new Error(`unknown $ref ${node.$ref}`);
  const { $ref: _ref, ...own } = node;
  return { ...resolveNode(target, defs), ...own };
}

function code(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

function typeOf(node: SchemaNode, defs: Record<string, SchemaNode>): string {
  if (node.$ref === TEMPLATE_DEF) return "template";
  const n = resolveNode(node, defs);
  if (n.const !== undefined) return code(n.const);
  if (n.enum) return n.enum.map(code).join(" | ");
  const types = typeof n.type === "string" ? [n.type] : (n.type ?? ["object"]);
  if (types.length === 1 && types[0] === "array" && n.items) return `list of ${typeOf(n.items, defs)}`;
  if (types.length === 1 && types[0] === "object" && typeof n.additionalProperties === "object") {
    return `map of ${typeOf(n.additionalProperties, defs)}`;
  }
  return types.join(" | ");
}

function constraints(n: SchemaNode): string[] {
  const out: string[] = [];
  if (n.pattern !== undefined) out.push(`pattern \`${n.pattern}\``);
  if (n.minItems !== undefined) out.push(`at least ${n.minItems} item${n.minItems === 1 ? "" : "s"}`);
  if (n.minimum !== undefined) out.push(`minimum ${n.minimum}`);
  if (n.maximum !== undefined) out.push(`maximum ${n.maximum}`);
  return out;
}

function describe(node: SchemaNode, n: SchemaNode, defs: Record<string, SchemaNode>): string {
  const parts = [node.description ?? n.description ?? ""];
  const item = n.items ? resolveNode(n.items, defs) : undefined;
  if (item?.properties && item.description !== undefined) parts.push(`Items: ${item.description}`);
  if (n.additionalProperties === true && n.properties && Object.keys(n.properties).length > 0) {
    parts.push("Further fields are allowed.");
  }
  const limits = constraints(n);
  if (limits.length > 0) parts.push(`Constraints: ${limits.join(", ")}.`);
  return parts.filter((p) => p !== "").join(" ");
}

/** Every field below `node`, depth first in schema order, each with its full path. */
export function fieldRows(schema: SchemaNode): FieldRow[] {
  const defs = schema.$defs ?? {};
  const rows: FieldRow[] = [];
  const visit = (node: SchemaNode, path: string, depth: number): void => {
    if (depth > 20) throw new Error(`schema nests too deep at ${path}`);
    const n = resolveNode(node, defs);
    const object = n.items ? resolveNode(n.items, defs) : n;
    const prefix = n.items ? `${path}[]` : path;
    const required = new Set(object.required ?? []);
    for (const [name, child] of Object.entries(object.properties ?? {})) {
      const childPath = prefix === "" ? name : `${prefix}.${name}`;
      const c = resolveNode(child, defs);
      rows.push({
        path: childPath,
        type: typeOf(child, defs),
        required: required.has(name),
        ...(c.default === undefined ? {} : { default: c.default }),
        description: describe(child, c, defs),
      });
      if (child.$ref !== TEMPLATE_DEF) visit(child, childPath, depth + 1);
    }
  };
  visit(schema, "", 0);
  return rows;
}

/** Table cells: pipes escaped; `<…>` outside code spans kept visible rather than read as HTML. */
function cell(text: string): string {
  const escaped = text
    .split("`")
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("`");
  return escaped.replace(/\|/g, "\\|");
}

const TOP_LEVEL = "Top level";

/** Fields with fields of their own (metadata, spec, spec.api, …) get a section each; the rest join their parent's. */
function sectionOf(path: string, sections: ReadonlySet<string>): string {
  const [first = "", second] = path.replace(/\[\]/g, "").split(".");
  const spec = second === undefined ? undefined : `${first}.${second}`;
  if (spec !== undefined && sections.has(spec)) return spec;
  return sections.has(first) ? first : TOP_LEVEL;
}

function hasChildren(rows: readonly FieldRow[], path: string): boolean {
  return rows.some((r) => r.path.startsWith(`${path}.`) || r.path.startsWith(`${path}[].`));
}

function table(rows: readonly FieldRow[]): string[] {
  const lines = ["| field | type | required | default | description |", "| --- | --- | --- | --- | --- |"];
  for (const r of rows) {
    const def = r.default === undefined ? "—" : code(r.default);
    const cells = [`\`${r.path}\``, r.type, r.required ? "yes" : "no", def, r.description];
    lines.push(`| ${cells.map(cell).join(" | ")} |`);
  }
  return lines;
}

/** The reference page (unformatted markdown). */
export function renderReference(schema: SchemaNode): string {
  const rows = fieldRows(schema);
  const nested = new Set(
    rows
      .map((r) => r.path)
      .filter((p) => !p.includes(".") || (p.startsWith("spec.") && !p.slice(5).includes(".")))
      .filter((p) => hasChildren(rows, p)),
  );
  const order: string[] = [];
  const groups = new Map<string, FieldRow[]>();
  for (const r of rows) {
    const key = sectionOf(r.path, nested);
    if (!groups.has(key)) order.push(key);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out = [
    "# Descriptor reference",
    "",
    "<!-- Generated from schemas/descriptor.schema.json by `npm run gen:reference`; do not edit by hand. -->",
    "",
    schema.description ?? "",
    "",
    "Every field of a `ProviderDescriptor` (`apiVersion: spe.dev/v1alpha1`), with its path, type, whether it",
    "is required, its default and its description. `[]` in a path stands for every item of a list.",
    "A _template_ is a string that may hold `${…}` mapping expressions; their rules (roots, paths,",
    "`[key=operand]` selection, `??` defaults, escaping) are in [descriptor.md](descriptor.md#the-mapping-language).",
    "The schema itself is [schemas/descriptor.schema.json](../schemas/descriptor.schema.json).",
  ];
  for (const key of order) {
    out.push("", key === TOP_LEVEL ? `## ${key}` : `## \`${key}\``, "", ...table(groups.get(key) ?? []));
  }
  return `${out.join("\n")}\n`;
}

/** The formatted content docs/reference.md must have for the current schema. */
export async function generatedReference(
  read: (path: string, enc: "utf8") => Promise<string>,
): Promise<string> {
  const schema = JSON.parse(await read(SCHEMA_FILE, "utf8")) as SchemaNode;
  return format(renderReference(schema), { parser: "markdown", printWidth: 110 });
}

async function main(): Promise<void> {
  await writeFile(REFERENCE_FILE, await generatedReference(readFile));
  console.log(`wrote ${REFERENCE_FILE}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
