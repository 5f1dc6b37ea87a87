/**
 * What a descriptor says about its generated CRDs besides the schema: labels
 * (openMCP's init routes a CRD by `openmcp.cloud/cluster`), printer columns
 * and whether spec is required. Each is either given in full or spe's default.
 */
import { issue, type Issue, type IssuePath } from "./issues.js";
import type { PrinterColumn } from "./types.gen.js";

/** openMCP's CRD routing label: `onboarding` (the API) or `platform` (the config). */
export const CLUSTER_LABEL = "openmcp.cloud/cluster";
export const CLUSTER_LABEL_VALUES = ["onboarding", "platform"] as const;

/** A printer column as the CRD carries it. */
export interface CrdColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** spe's built-in columns, named by a printer column that has no jsonPath. */
export const BUILTIN_COLUMNS: Readonly<Record<string, CrdColumn>> = {
  Ready: {
    name: "Ready",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: "Whether the object is ready.",
  },
  Phase: {
    name: "Phase",
    type: "string",
    jsonPath: ".status.phase",
    description: "The object's phase.",
  },
  Age: { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
};

/** The CRD labels: the descriptor's exactly, or spe's default with the routing label. */
export function crdLabels(
  given: Record<string, string> | undefined,
  cluster: (typeof CLUSTER_LABEL_VALUES)[number],
): Record<string, string> {
  return given !== undefined
    ? { ...given }
    : { "app.kubernetes.io/managed-by": "spe", [CLUSTER_LABEL]: cluster };
}

function column(c: PrinterColumn): CrdColumn | undefined {
  if (c.jsonPath === undefined) {
    const builtin = BUILTIN_COLUMNS[c.name];
    if (builtin === undefined) return undefined;
    return c.priority !== 0 ? { ...builtin, priority: c.priority } : { ...builtin };
  }
  const out: CrdColumn = { name: c.name, type: c.type, jsonPath: c.jsonPath, priority: c.priority };
  if (c.description !== undefined) out.description = c.description;
  if (c.format !== undefined) out.format = c.format;
  return out;
}

/** The CRD's columns: the descriptor's list in its order, or the built-ins named in `defaults`. */
export function crdColumns(given: PrinterColumn[] | undefined, defaults: readonly string[]): CrdColumn[] {
  const list = given ?? defaults.map((name) => ({ name, type: "string" as const, priority: 0 }));
  return list.map(column).filter((c): c is CrdColumn => c !== undefined);
}

/** Whether spec is required: as the descriptor says, else when its schema requires any field. */
export function specRequired(given: boolean | undefined, schema: Record<string, unknown>): boolean {
  return given ?? (Array.isArray(schema.required) && schema.required.length > 0);
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Why `key` is not a Kubernetes label key, or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !LABEL_PREFIX.test(prefix)))
    return `label key "${key}": prefix must be a DNS subdomain`;
  if (!LABEL_NAME.test(name))
    return `label key "${key}": name must be 1-63 characters of letters, digits, -, _ or . starting and ending alphanumeric`;
  return undefined;
}

/** Why `value` is not a Kubernetes label value, or undefined when it is one. */
export function labelValueProblem(value: string): string | undefined {
  return LABEL_VALUE.test(value)
    ? undefined
    : `label value "${value}" must be at most 63 characters of letters, digits, -, _ or . starting and ending alphanumeric`;
}

/** `crd-label`: label syntax, and a routing label openMCP's init understands. */
export function checkCrdLabels(
  given: Record<string, string> | undefined,
  expected: (typeof CLUSTER_LABEL_VALUES)[number],
  path: IssuePath,
): Issue[] {
  if (given === undefined) return [];
  const out: Issue[] = [];
  for (const [key, value] of Object.entries(given)) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem !== undefined) out.push(issue("crd-label", [...path, key], problem));
  }
  const cluster = given[CLUSTER_LABEL];
  if (cluster === undefined) {
    out.push(
      issue(
        "crd-label",
        path,
        `no ${CLUSTER_LABEL} label: openMCP's init cannot tell where this CRD belongs (usually ${expected})`,
        "warning",
      ),
    );
  } else if (!(CLUSTER_LABEL_VALUES as readonly string[]).includes(cluster)) {
    out.push(
      issue(
        "crd-label",
        [...path, CLUSTER_LABEL],
        `${CLUSTER_LABEL} must be ${CLUSTER_LABEL_VALUES.join(" or ")}; openMCP's init refuses "${cluster}"`,
      ),
    );
  }
  return out;
}

/** `printer-column`: built-in names, duplicates and JSONPath form. */
export function checkColumns(given: PrinterColumn[] | undefined, path: IssuePath): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  (given ?? []).forEach((c, i) => {
    const at = [...path, i];
    if (seen.has(c.name)) out.push(issue("printer-column", [...at, "name"], `duplicate column "${c.name}"`));
    seen.add(c.name);
    if (c.jsonPath === undefined && BUILTIN_COLUMNS[c.name] === undefined) {
      out.push(
        issue(
          "printer-column",
          at,
          `column "${c.name}" has no jsonPath and is not a built-in column (${Object.keys(BUILTIN_COLUMNS).join(", ")})`,
        ),
      );
    }
    if (c.jsonPath !== undefined && !c.jsonPath.startsWith("."))
      out.push(
        issue("printer-column", [...at, "jsonPath"], `jsonPath must start with "." (e.g. .spec.version)`),
      );
  });
  return out;
}
