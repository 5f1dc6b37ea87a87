/**
 * Structural checks of a descriptor, each a named pure function returning issues
 * (never a boolean): names, units and the DAG. compileDescriptor refuses a
 * descriptor with any error; lint reports them all.
 */
import { ancestors, topoSort } from "./dag.js";
import { issue, type Issue, type IssuePath } from "./issues.js";
import type { ProviderDescriptor } from "./load.js";
import { UNIT_KINDS } from "./schema-check.js";
import { chartRepoIssue } from "./chart-source.js";
import { chartRefIssues } from "./chart-refs.js";
import { didYouMean } from "./suggest.js";
import { checkCopyUnit } from "./checks-copy.js";
import { checkTokenUnit } from "./checks-token.js";
import type { DeployUnit } from "./types.gen.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const VERSION = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;
export const RESERVED_STATUS_KEYS = [
  "observedGeneration",
  "phase",
  "conditions",
  "resources",
  "drift",
  "units",
  "providerConfigRef",
];

function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && s.includes(".") && s.split(".").every((l) => DNS_LABEL.test(l));
}

type Check = [code: string, path: IssuePath, bad: boolean, message: string];

function nameChecks(d: ProviderDescriptor): Check[] {
  const { api, config } = d.spec;
  const dns = (s: string): string => `"${s}" is not a DNS subdomain with at least one dot`;
  const label = (s: string | undefined): boolean => s !== undefined && !DNS_LABEL.test(s);
  const version = (v: string): string => `"${v}" is not a Kubernetes version name like v1alpha1`;
  return [
    ["invalid-group", ["spec", "api", "group"], !isDnsSubdomain(api.group), dns(api.group)],
    [
      "invalid-group",
      ["spec", "config", "group"],
      config.group !== undefined && !isDnsSubdomain(config.group),
      dns(config.group ?? ""),
    ],
    [
      "invalid-kind",
      ["spec", "api", "kind"],
      !KIND.test(api.kind),
      `"${api.kind}" is not an UpperCamelCase kind`,
    ],
    [
      "invalid-kind",
      ["spec", "config", "kind"],
      !KIND.test(config.kind),
      `"${config.kind}" is not an UpperCamelCase kind`,
    ],
    [
      "invalid-name",
      ["spec", "api", "plural"],
      label(api.plural),
      `"${api.plural ?? ""}" must be a lower-case DNS label`,
    ],
    [
      "invalid-name",
      ["spec", "api", "singular"],
      label(api.singular),
      `"${api.singular ?? ""}" must be a lower-case DNS label`,
    ],
    [
      "invalid-name",
      ["spec", "config", "plural"],
      label(config.plural),
      `"${config.plural ?? ""}" must be a lower-case DNS label`,
    ],
    [
      "invalid-name",
      ["spec", "config", "singular"],
      label(config.singular),
      `"${config.singular ?? ""}" must be a lower-case DNS label`,
    ],
    ...api.versions.map((v, i): Check => [
      "invalid-version",
      ["spec", "api", "versions", i, "name"],
      !VERSION.test(v.name),
      version(v.name),
    ]),
    [
      "invalid-version",
      ["spec", "config", "version"],
      !VERSION.test(config.version),
      version(config.version),
    ],
    [
      "kind-clash",
      ["spec", "config", "kind"],
      config.kind === api.kind && (config.group ?? api.group) === api.group,
      `the config kind ${config.kind} clashes with the API kind in ${api.group}`,
    ],
    [
      "storage-version",
      ["spec", "api", "versions"],
      api.versions.filter((v) => v.storage === true).length > 1,
      "only one version can be the storage version",
    ],
  ];
}

/** Group, kind, plural and version names the apiserver would reject. */
export function checkNames(d: ProviderDescriptor): Issue[] {
  return nameChecks(d)
    .filter(([, , bad]) => bad)
    .map(([code, path, , message]) => issue(code, path, message));
}

function chartIssues(c: NonNullable<DeployUnit["helm"]>["chart"], path: IssuePath): Issue[] {
  const out: Issue[] = [];
  const sources = [c.repo !== undefined || c.name !== undefined, c.oci !== undefined, c.path !== undefined];
  if (sources.filter(Boolean).length !== 1)
    out.push(issue("chart-source", path, "chart needs exactly one of repo (with name), oci or path"));
  if (c.repo !== undefined && c.name === undefined)
    out.push(issue("chart-source", path, "chart.repo needs chart.name"));
  // A mapped repository is checked when it is rendered.
  const repoIssue = typeof c.repo === "string" && !c.repo.includes("${") ? chartRepoIssue(c.repo) : undefined;
  if (repoIssue) out.push(issue("chart-repo", [...path, "repo"], repoIssue));
  return out;
}

function unitKindIssues(d: ProviderDescriptor, u: DeployUnit, i: number): Issue[] {
  const path = ["spec", "deploy", i];
  const kinds = UNIT_KINDS.filter((k) => u[k] !== undefined);
  if (kinds.length !== 1) {
    return [
      issue(
        "unit-kind",
        path,
        `unit "${u.name}" must have exactly one of ${UNIT_KINDS.join(", ")}; has ${kinds.length > 0 ? kinds.join(", ") : "none"}`,
      ),
    ];
  }
  const out: Issue[] = [];
  if (u.forEach !== undefined && (u.helm !== undefined || u.token !== undefined)) {
    out.push(
      issue("foreach-helm", [...path, "forEach"], "forEach is only supported on manifests and copy units"),
    );
  }
  if (u.helm !== undefined) {
    out.push(...chartIssues(u.helm.chart, [...path, "helm", "chart"]));
    out.push(...chartRefIssues(u.helm, [...path, "helm"]));
    if (u.namespace === undefined)
      out.push(issue("missing-namespace", path, `helm unit "${u.name}" needs a namespace`));
  }
  out.push(...checkCopyUnit(u, i), ...checkTokenUnit(d, u, i));
  return out;
}

/** Unit names, kinds, dependencies and the DAG. */
export function checkUnits(d: ProviderDescriptor): Issue[] {
  const units = d.spec.deploy;
  const out: Issue[] = [];
  const seen = new Set<string>();
  units.forEach((u, i) => {
    if (!DNS_LABEL.test(u.name))
      out.push(
        issue("invalid-name", ["spec", "deploy", i, "name"], `unit name "${u.name}" must be a DNS label`),
      );
    if (seen.has(u.name))
      out.push(issue("duplicate-name", ["spec", "deploy", i, "name"], `duplicate unit name "${u.name}"`));
    seen.add(u.name);
    out.push(...unitKindIssues(d, u, i));
  });
  units.forEach((u, i) => {
    u.dependsOn.forEach((dep, j) => {
      if (!seen.has(dep))
        out.push(
          issue(
            "unknown-dependency",
            ["spec", "deploy", i, "dependsOn", j],
            `unknown unit "${dep}"${didYouMean(dep, seen)}`,
          ),
        );
      if (dep === u.name)
        out.push(
          issue("dag-cycle", ["spec", "deploy", i, "dependsOn", j], `unit "${u.name}" depends on itself`),
        );
    });
  });
  const sorted = topoSort(units);
  if (!sorted.ok && !out.some((x) => x.code === "dag-cycle")) {
    const first = units.findIndex((u) => u.name === sorted.cycle[0]);
    out.push(
      issue(
        "dag-cycle",
        ["spec", "deploy", Math.max(first, 0), "dependsOn"],
        `dependency cycle: ${sorted.cycle.join(" -> ")}`,
      ),
    );
  }
  return out;
}

/** Status keys that the engine owns. */
export function checkStatus(d: ProviderDescriptor): Issue[] {
  return Object.keys(d.spec.status)
    .filter((k) => RESERVED_STATUS_KEYS.includes(k))
    .map((k) => issue("reserved-status-key", ["spec", "status", k], `status.${k} is owned by the engine`));
}

/** `deploy.<unit>` references must name a unit this one (transitively) depends on. */
export function checkDeployRef(
  d: ProviderDescriptor,
  from: string | undefined,
  unit: string,
): string | undefined {
  const names = d.spec.deploy.map((u) => u.name);
  if (!names.includes(unit)) return `unknown unit "${unit}"${didYouMean(unit, names)}`;
  if (from === undefined) return undefined;
  if (from === unit) return `unit "${from}" cannot read its own outputs`;
  if (!ancestors(d.spec.deploy, from).has(unit))
    return `unit "${from}" reads deploy.${unit} but does not depend on it (add dependsOn: [${unit}])`;
  return undefined;
}
