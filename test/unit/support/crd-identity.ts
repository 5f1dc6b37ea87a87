/**
 * API identity of generated CRDs with upstream's, path by path. The upstream side is a
 * table in the format of ../shared/openmcp-apis.md (`@key value` header lines, then one
 * `path  attributes` line per schema path); the spe side is a CRD as `spe crds` prints it,
 * flattened to the same form. Descriptions are not compared, nor the sub-fields of
 * conditions (the facts leave them out).
 */

type Schema = Record<string, unknown>;

/** One CRD as the table describes it. */
export interface CrdFacts {
  labels: Record<string, string>;
  group: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: string;
  versions: { name: string; served: boolean; storage: boolean; subresources: unknown }[];
  /** Printer columns per version: `Name(jsonPath,type)`. */
  columns: Record<string, string[]>;
  /** Schema path → its attributes as text, e.g. `.spec.version` → `type=string required`. */
  paths: Map<string, string>;
}

function versionHeader(value: string): CrdFacts["versions"][number] {
  const [name = "", ...rest] = value.split(/\s+/);
  const attr = Object.fromEntries(rest.map((r) => [r.slice(0, r.indexOf("=")), r.slice(r.indexOf("=") + 1)]));
  return {
    name,
    served: attr.served === "true",
    storage: attr.storage === "true",
    subresources: JSON.parse(attr.subresources ?? "{}") as unknown,
  };
}

const NAME_KEYS = ["group", "kind", "plural", "singular", "scope"] as const;

function header(facts: CrdFacts, key: string, value: string): void {
  if ((NAME_KEYS as readonly string[]).includes(key)) facts[key as (typeof NAME_KEYS)[number]] = value;
  else if (key === "labels") facts.labels = JSON.parse(value) as Record<string, string>;
  else if (key === "shortNames") facts.shortNames = JSON.parse(value) as string[];
  else if (key === "version") facts.versions.push(versionHeader(value));
  else if (key === "printerColumns") {
    const [name = "", ...cols] = value.split(/\s+/).filter(Boolean);
    facts.columns[name] = cols;
  } else throw new Error(`unknown table header @${key}`);
}

function schemaLine(facts: CrdFacts, line: string): void {
  const m = /^\s*(\S*)\s+(.*)$/.exec(line);
  const path = m?.[1] ?? "";
  facts.paths.set(path.startsWith(".") ? path : "", normalize(m?.[2] ?? ""));
}

/** Parses one table block (the text between the ``` fences of the facts file). */
export function parseFacts(text: string): CrdFacts {
  const facts: CrdFacts = {
    labels: {},
    group: "",
    kind: "",
    plural: "",
    singular: "",
    shortNames: [],
    scope: "",
    versions: [],
    columns: {},
    paths: new Map(),
  };
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line.trim() === "" || line.startsWith("#")) continue;
    const at = /^@(\S+)\s*(.*)$/.exec(line);
    if (at) header(facts, at[1] ?? "", at[2] ?? "");
    else schemaLine(facts, line);
  }
  return facts;
}

/** The blocks of a table file, in order (each between ``` fences). */
export function parseFactsFile(text: string): CrdFacts[] {
  const blocks = [...text.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.map(parseFacts);
}

/** Splits `a=1 b="x y" c` into attributes, sorted so that order does not matter. */
function normalize(attrs: string): string {
  const parts = attrs.match(/[^\s=]+(=("([^"\\]|\\.)*"|\[[^\]]*\]|\S+))?/g) ?? [];
  return parts.sort().join(" ");
}

const IGNORED = new Set(["description", "title", "properties", "items", "required", "example"]);

function attributes(node: Schema, required: boolean): string {
  const parts: string[] = [];
  if (required) parts.push("required");
  for (const [k, v] of Object.entries(node)) {
    if (IGNORED.has(k)) continue;
    parts.push(k === "type" ? `type=${String(v)}` : `${k}=${JSON.stringify(v)}`);
  }
  return parts.sort().join(" ");
}

function walk(node: Schema, path: string, required: boolean, out: Map<string, string>): void {
  out.set(path, attributes(node, required));
  if (path.startsWith(".status.conditions[]")) return;
  const req = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
  const props = (node.properties ?? {}) as Record<string, Schema>;
  for (const [k, v] of Object.entries(props)) walk(v, `${path}.${k}`, req.has(k), out);
  if (typeof node.items === "object" && node.items !== null)
    walk(node.items as Schema, `${path}[]`, false, out);
}

/** Every .spec and .status path of one version's schema with its attributes. */
export function flattenSchema(root: Schema): Map<string, string> {
  const out = new Map<string, string>();
  out.set("", attributes({ type: root.type }, false));
  const req = new Set(Array.isArray(root.required) ? (root.required as string[]) : []);
  const props = (root.properties ?? {}) as Record<string, Schema>;
  for (const key of ["spec", "status"]) {
    const node = props[key];
    if (node !== undefined) walk(node, `.${key}`, req.has(key), out);
  }
  return out;
}

/** A CRD object as `spe crds` prints it. */
export interface Crd {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: unknown;
      additionalPrinterColumns?: { name: string; jsonPath: string; type: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

/** status keys spe writes besides openMCP's: kept (the engine needs them), never upstream's. */
export const SPE_STATUS_KEYS = [
  "observedGeneration",
  "phase",
  "conditions",
  "resources",
  "drift",
  "units",
  "providerConfigRef",
];

export interface Comparison {
  /** Upstream schema paths whose attributes spe matches exactly. */
  matched: string[];
  /** `path: upstream <attrs> / spe <attrs|absent|extra>` for every difference. */
  mismatches: string[];
  /** spe's own status paths upstream lacks (allowed). */
  additions: string[];
  /** Differences of names, scope, versions, labels and printer columns. */
  identity: string[];
}

function isSpeStatus(path: string): boolean {
  const key = /^\.status\.([^.[]+)/.exec(path)?.[1];
  return key !== undefined && SPE_STATUS_KEYS.includes(key);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function identityDiffs(facts: CrdFacts, crd: Crd): string[] {
  const out: string[] = [];
  const want = (what: string, up: unknown, got: unknown): void => {
    if (!sameJson(up, got)) out.push(`${what}: upstream ${JSON.stringify(up)} / spe ${JSON.stringify(got)}`);
  };
  const { spec } = crd;
  want("labels", facts.labels, crd.metadata.labels ?? {});
  want("group", facts.group, spec.group);
  want("kind", facts.kind, spec.names.kind);
  want("plural", facts.plural, spec.names.plural);
  want("singular", facts.singular, spec.names.singular);
  want("shortNames", facts.shortNames, spec.names.shortNames ?? []);
  want("scope", facts.scope, spec.scope);
  want("name", `${facts.plural}.${facts.group}`, crd.metadata.name);
  want(
    "versions",
    facts.versions,
    spec.versions.map((v) => ({
      name: v.name,
      served: v.served,
      storage: v.storage,
      subresources: v.subresources,
    })),
  );
  for (const v of spec.versions) {
    const cols = (v.additionalPrinterColumns ?? []).map((c) => `${c.name}(${c.jsonPath},${c.type})`);
    want(`printerColumns ${v.name}`, facts.columns[v.name] ?? [], cols);
  }
  return out;
}

/** Compares one CRD with its table, path by path (the storage version's schema). */
export function compareCrd(facts: CrdFacts, crd: Crd): Comparison {
  const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  const spe = flattenSchema(version?.schema.openAPIV3Schema ?? {});
  const result: Comparison = {
    matched: [],
    mismatches: [],
    additions: [],
    identity: identityDiffs(facts, crd),
  };
  for (const [path, up] of facts.paths) {
    const got = spe.get(path);
    if (got === up) result.matched.push(path);
    else result.mismatches.push(`${path || "(root)"}: upstream ${up} / spe ${got ?? "absent"}`);
  }
  for (const [path, got] of spe) {
    if (facts.paths.has(path) || path.startsWith(".status.conditions[]")) continue;
    if (isSpeStatus(path)) result.additions.push(path);
    else result.mismatches.push(`${path}: upstream absent / spe ${got}`);
  }
  return result;
}
