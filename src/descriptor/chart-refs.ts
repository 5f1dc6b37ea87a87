/**
 * A helm unit's chart credentials and CA bundle: Secrets and ConfigMaps on the platform
 * cluster, only in the namespaces the unit's `sourceNamespaces` names (literal, so neither an
 * end user nor a config can point spe at another namespace's Secret), and mapped from the
 * config only (an end user must not pick the Secret whose credentials go to the chart's host).
 * Checked at compile time (`source-namespace`, `expression-root`) and when rendered.
 */
import type { ExpressionSite } from "./compiled.js";
import { valuePaths } from "./expr.js";
import { issue, RenderError, type Issue, type IssuePath } from "./issues.js";
import type { ChartCABundle, ChartCredentialsRef } from "./plan.js";
import type { DeployUnit } from "./types.gen.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The chart fields that name platform objects, which expressions may fill from `config` only. */
export const CHART_REF_FIELDS = ["secretRef", "caBundleRef"] as const;

function isMapped(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** What is wrong with a helm unit's chart references and sourceNamespaces (lint and compile). */
export function chartRefIssues(helm: NonNullable<DeployUnit["helm"]>, path: IssuePath): Issue[] {
  const out: Issue[] = [];
  const allowed = helm.sourceNamespaces ?? [];
  allowed.forEach((ns, i) => {
    if (!DNS_LABEL.test(ns))
      out.push(
        issue(
          "source-namespace",
          [...path, "sourceNamespaces", i],
          `sourceNamespaces[${i}] "${ns}" must be a namespace name (a DNS label), never mapped`,
        ),
      );
  });
  for (const field of CHART_REF_FIELDS) {
    const ref = helm.chart[field];
    if (ref === undefined) continue;
    const at = [...path, "chart", field];
    if (allowed.length === 0) {
      out.push(
        issue(
          "source-namespace",
          at,
          `chart.${field} reads the platform cluster: the unit needs helm.sourceNamespaces, the namespaces it may read from`,
        ),
      );
    } else if (ref.namespace !== undefined && !isMapped(ref.namespace) && !allowed.includes(ref.namespace)) {
      out.push(
        issue(
          "source-namespace",
          [...at, "namespace"],
          `chart.${field}.namespace "${ref.namespace}" is not one of helm.sourceNamespaces (${allowed.join(", ")})`,
        ),
      );
    }
  }
  return out;
}

function isChartRef(path: IssuePath): boolean {
  return (
    path[3] === "helm" && path[4] === "chart" && (CHART_REF_FIELDS as readonly unknown[]).includes(path[5])
  );
}

/**
 * Chart references take their values from the config only: the credentials of the Secret
 * they name go to the chart's host, so an end user must not choose it. The API object may
 * still choose among the config's entries (`config.spec.versions[version=api.spec.version]`).
 */
export function chartRefSiteIssues(sites: readonly ExpressionSite[]): Issue[] {
  return sites
    .filter((site) => isChartRef(site.path))
    .flatMap((site) =>
      valuePaths(site.expr)
        .filter((p) => p.root !== "config")
        .map((p) =>
          issue(
            "expression-root",
            site.path,
            `\${${p.source}}: chart.${String(site.path[5])} may only take values from config (the API object may only select among its entries, as in [version=api.spec.version])`,
          ),
        ),
    );
}

function text(value: unknown, path: IssuePath, field: string): string {
  if (typeof value === "string") return value;
  throw new RenderError("invalid-input", [
    issue("not-a-string", path, `${field} must be a string, got ${JSON.stringify(value)}`),
  ]);
}

/** The namespace of a rendered reference: given (and allowed) or the first allowed one. */
function namespaceOf(
  value: Record<string, unknown>,
  path: IssuePath,
  field: string,
  allowed: readonly string[],
): string {
  const namespace =
    value.namespace === undefined
      ? allowed[0]
      : text(value.namespace, [...path, "namespace"], `${field}.namespace`);
  if (namespace === undefined || !allowed.includes(namespace))
    throw new RenderError("invalid-input", [
      issue(
        "source-namespace",
        [...path, "namespace"],
        `${field}.namespace "${String(namespace)}" is not one of the namespaces the descriptor lets this unit read (${allowed.join(", ") || "none"})`,
      ),
    ]);
  return namespace;
}

/** A rendered `chart.secretRef`; none when its name is empty. */
export function credentialsRef(
  value: unknown,
  path: IssuePath,
  allowed: readonly string[],
): ChartCredentialsRef | undefined {
  const ref = value as Record<string, unknown>;
  const name = text(ref.name, [...path, "name"], "chart.secretRef.name");
  if (name === "") return undefined;
  return { namespace: namespaceOf(ref, path, "chart.secretRef", allowed), name };
}

/** A rendered `chart.caBundleRef`; none when its name is empty. */
export function caBundleRef(
  value: unknown,
  path: IssuePath,
  allowed: readonly string[],
): ChartCABundle | undefined {
  const ref = value as Record<string, unknown>;
  const name = text(ref.name, [...path, "name"], "chart.caBundleRef.name");
  if (name === "") return undefined;
  const kind = ref.kind === "Secret" ? "Secret" : "ConfigMap";
  return {
    kind,
    namespace: namespaceOf(ref, path, "chart.caBundleRef", allowed),
    name,
    key: text(ref.key, [...path, "key"], "chart.caBundleRef.key"),
  };
}
