/** Defaults for generated resource names and durations. */
import type { ResourceNames, Scope } from "./compiled.js";

interface NameInput {
  kind: string;
  plural?: string;
  singular?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
  scope: Scope;
  description?: string;
}

/** Kubernetes-style plural of a lower-cased kind (policy → policies, class → classes). */
export function pluralize(lower: string): string {
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

type Names = Omit<ResourceNames, "labels" | "columns" | "requireSpec" | "statusSchemaPatch">;

export function resourceNames(group: string, input: NameInput): Names {
  const lower = input.kind.toLowerCase();
  const names: Names = {
    group,
    kind: input.kind,
    plural: input.plural ?? pluralize(lower),
    singular: input.singular ?? lower,
    listKind: input.listKind ?? `${input.kind}List`,
    shortNames: input.shortNames ?? [],
    categories: input.categories ?? [],
    scope: input.scope,
  };
  if (input.description !== undefined) names.description = input.description;
  return names;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** What parseDuration accepts, as a JSON Schema pattern (the descriptor schema's too). */
export const DURATION_PATTERN = "^([0-9]+(ms|s|m|h))+$";
const DURATION = new RegExp(DURATION_PATTERN);

/** Parses Go-style durations like 90s, 1m30s, 1h; undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
  return total;
}

/**
 * A Go `time.ParseDuration` text (what a metav1.Duration field holds, and what openMCP's
 * `format: duration` config fields mean): 0, or numbers with units ns, us, µs, ms, s, m, h.
 */
export const GO_DURATION = /^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/;

const GO_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3,
  "\u03bcs": 1e-3,
  ...UNIT_MS,
};

/** Parses a Go duration (1.5m, 300ms, 1h30m) to ms; undefined when invalid or negative. */
export function parseGoDuration(text: string): number | undefined {
  if (!GO_DURATION.test(text) || text.startsWith("-")) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]*\.?[0-9]*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g))
    total += Number(m[1]) * (GO_UNIT_MS[m[2] ?? ""] ?? 0);
  return Math.round(total);
}
