/** Compiles deploy units, status and target access into templates, collecting expression sites. */
import type { CompiledUnit, ExpressionSite, TargetAccessInfo, TargetInfo } from "./compiled.js";
import { configuredTargets, unitTarget, type TargetName } from "./targets.js";
import type { Expression } from "./expr.js";
import type { Issue, IssuePath } from "./issues.js";
import { issue } from "./issues.js";
import type { ProviderDescriptor } from "./load.js";
import { compileTemplate, type CompiledTemplate } from "./template.js";
import type { DeployUnit } from "./types.gen.js";
import type { CompiledLiveValue } from "./compiled.js";
import { isSecretKind, parseLivePath, secretPathProblem } from "./live.js";
import { parseDuration } from "./names.js";
import { DEFAULT_TOKEN_LIFETIME_MS } from "./checks-token.js";

export interface TemplateSink {
  errors: Issue[];
  sites: ExpressionSite[];
}

interface SiteInfo {
  unit?: string;
  inForEach?: boolean;
  forEach?: Expression;
}

export function templ(
  value: unknown,
  path: IssuePath,
  sink: TemplateSink,
  info: SiteInfo = {},
): CompiledTemplate {
  const t = compileTemplate(value, path, sink.errors);
  for (const { expr, path: at, each } of t.expressions) {
    // Inside a $forEach map, `each` is the map's item (it shadows a forEach unit's).
    const site: ExpressionSite = {
      expr,
      path: at,
      inForEach: each !== undefined || (info.inForEach ?? false),
    };
    if (info.unit !== undefined) site.unit = info.unit;
    const over = each ?? info.forEach;
    if (over !== undefined) site.forEach = over;
    sink.sites.push(site);
  }
  return t;
}

function forEachExpression(u: DeployUnit, path: IssuePath, sink: TemplateSink): CompiledTemplate | undefined {
  if (u.forEach === undefined) return undefined;
  const t = templ(u.forEach, [...path, "forEach"], sink, { unit: u.name });
  if (t.node.t !== "expr") {
    sink.errors.push(
      issue(
        "foreach-expression",
        [...path, "forEach"],
        "forEach must be exactly one ${…} expression yielding a list",
      ),
    );
    return undefined;
  }
  return t;
}

/** `when`: exactly one `${…}` yielding true or false. */
function whenExpression(u: DeployUnit, path: IssuePath, sink: TemplateSink): CompiledTemplate | undefined {
  if (u.when === undefined) return undefined;
  const t = templ(u.when, [...path, "when"], sink, { unit: u.name });
  if (t.node.t === "expr") return t;
  sink.errors.push(
    issue(
      "when-expression",
      [...path, "when"],
      "when must be exactly one ${…} expression yielding true or false",
    ),
  );
  return undefined;
}

function helmValues(values: unknown, path: IssuePath, sink: TemplateSink, info: SiteInfo): CompiledTemplate {
  const t = templ(values, path, sink, info);
  if (typeof values === "string" && t.node.t !== "expr") {
    sink.errors.push(
      issue("values-expression", path, "values must be an object or exactly one ${…} expression"),
    );
  }
  return t;
}

function helmPart(u: DeployUnit, path: IssuePath, sink: TemplateSink): CompiledUnit["helm"] {
  if (u.helm === undefined) return undefined;
  const info = { unit: u.name };
  const p = [...path, "helm"];
  return {
    chart: templ(u.helm.chart, [...p, "chart"], sink, info),
    releaseName: templ(u.helm.releaseName ?? u.name, [...p, "releaseName"], sink, info),
    createNamespace: u.helm.createNamespace,
    adopt: u.helm.adopt,
    values: helmValues(u.helm.values, [...p, "values"], sink, info),
    sourceNamespaces: [...(u.helm.sourceNamespaces ?? [])],
  };
}

function unitType(u: DeployUnit): CompiledUnit["type"] {
  if (u.helm !== undefined) return "helm";
  if (u.copy !== undefined) return "copy";
  return u.token !== undefined ? "token" : "manifests";
}

export function compileUnit(d: ProviderDescriptor, index: number, sink: TemplateSink): CompiledUnit {
  const u = d.spec.deploy[index] as DeployUnit;
  const path = ["spec", "deploy", index];
  const info = { unit: u.name };
  const forEach = forEachExpression(u, path, sink);
  const unit: CompiledUnit = {
    name: u.name,
    index,
    type: unitType(u),
    target: unitTarget(d, u),
    dependsOn: [...u.dependsOn],
    deletionPolicy: u.deletionPolicy ?? d.spec.deletion.policy,
    readiness: { kind: u.readiness ?? d.spec.readiness },
    namespaces: (u.namespaces ?? []).map((n, i) => templ(n, [...path, "namespaces", i], sink, info)),
    live: compileLive(u, index, sink),
  };
  if (u.namespace !== undefined) unit.namespace = templ(u.namespace, [...path, "namespace"], sink, info);
  const when = whenExpression(u, path, sink);
  if (when !== undefined) unit.when = when;
  addParts(unit, u, forEach, sink);
  return unit;
}

interface LiveDecl {
  unit: string;
  key: string;
  v: NonNullable<DeployUnit["live"]>[string];
  at: IssuePath;
}

function compileLiveValue({ unit, key, v, at }: LiveDecl, sink: TemplateSink): CompiledLiveValue {
  const info = { unit };
  const out: CompiledLiveValue = {
    key,
    apiVersion: v.apiVersion,
    kind: v.kind,
    name: templ(v.name, [...at, "name"], sink, info),
  };
  if (v.namespace !== undefined) out.namespace = templ(v.namespace, [...at, "namespace"], sink, info);
  if (v.path === undefined) return out;
  const parsed = parseLivePath(v.path);
  if ("error" in parsed) {
    sink.errors.push(issue("live-path", [...at, "path"], `live.${key}: ${parsed.error}`));
    return out;
  }
  const secret = isSecretKind(v) ? secretPathProblem(parsed.steps) : undefined;
  if (secret !== undefined)
    sink.errors.push(issue("live-secret-data", [...at, "path"], `live.${key}: ${secret}`));
  out.path = parsed.steps;
  out.pathText = v.path;
  return out;
}

/** A unit's live declarations, compiled; problems go to the sink. */
export function compileLive(u: DeployUnit, index: number, sink: TemplateSink): CompiledLiveValue[] {
  return Object.entries(u.live ?? {}).map(([key, v]) =>
    compileLiveValue({ unit: u.name, key, v, at: ["spec", "deploy", index, "live", key] }, sink),
  );
}

function addParts(
  unit: CompiledUnit,
  u: DeployUnit,
  forEach: CompiledTemplate | undefined,
  sink: TemplateSink,
): void {
  const path = ["spec", "deploy", unit.index];
  const eachInfo: SiteInfo = { unit: u.name, inForEach: forEach !== undefined };
  if (forEach?.node.t === "expr") eachInfo.forEach = forEach.node.expr;
  if (forEach !== undefined) unit.forEach = forEach;
  const helm = helmPart(u, path, sink);
  if (helm !== undefined) unit.helm = helm;
  if (u.manifests !== undefined) {
    unit.manifests = u.manifests.map((m, i) => templ(m, [...path, "manifests", i], sink, eachInfo));
  }
  if (u.copy !== undefined) unit.copy = copyPart(u.copy, [...path, "copy"], sink, eachInfo);
  if (u.token !== undefined) unit.token = tokenPart(u.token, unit, [...path, "token"], sink);
}

/** A lifetime out of bounds is refused by the checks (checks-token.ts); this only converts. */
function tokenPart(
  t: NonNullable<DeployUnit["token"]>,
  unit: CompiledUnit,
  path: IssuePath,
  sink: TemplateSink,
): NonNullable<CompiledUnit["token"]> {
  const info = { unit: unit.name };
  const out: NonNullable<CompiledUnit["token"]> = {
    from: t.from ?? unit.target,
    serviceAccount: templ(t.serviceAccount, [...path, "serviceAccount"], sink, info),
    expirationSeconds: Math.floor((parseDuration(t.lifetime) ?? DEFAULT_TOKEN_LIFETIME_MS) / 1000),
    audiences: templ(t.audiences ?? [], [...path, "audiences"], sink, info),
    secret: templ(t.secret, [...path, "secret"], sink, info),
  };
  if (t.kubeconfig !== undefined) out.kubeconfig = templ(t.kubeconfig, [...path, "kubeconfig"], sink, info);
  return out;
}

function copyPart(
  c: NonNullable<DeployUnit["copy"]>,
  path: IssuePath,
  sink: TemplateSink,
  info: SiteInfo,
): NonNullable<CompiledUnit["copy"]> {
  const out: NonNullable<CompiledUnit["copy"]> = {
    kind: c.kind,
    sourceNamespaces: [...c.sourceNamespaces],
    from: templ(c.from, [...path, "from"], sink, info),
    to: templ(c.to ?? {}, [...path, "to"], sink, info),
  };
  if (c.keys !== undefined) out.keys = templ(c.keys, [...path, "keys"], sink, info);
  return out;
}

type AccessSpec = ProviderDescriptor["spec"]["target"]["access"];

function compileOneAccess(access: AccessSpec, path: IssuePath, sink: TemplateSink): TargetAccessInfo {
  const secret = access.kubeconfigSecret;
  if (secret === undefined) return { kind: "openmcp" };
  const at = [...path, "kubeconfigSecret"];
  const out: TargetAccessInfo = {
    kind: "kubeconfigSecret",
    name: templ(secret.name, [...at, "name"], sink),
    key: secret.key,
  };
  if (secret.namespace !== undefined) out.namespace = templ(secret.namespace, [...at, "namespace"], sink);
  return out;
}

/** Each configured target and how it is reached; the default first. */
export function compileTargets(d: ProviderDescriptor, sink: TemplateSink): TargetInfo {
  const { cluster, access, clusters = {} } = d.spec.target;
  const of = (name: TargetName, spec: AccessSpec | undefined, path: IssuePath): TargetAccessInfo =>
    name === "platform" || spec === undefined ? { kind: "platform" } : compileOneAccess(spec, path, sink);
  const all = new Map<TargetName, TargetAccessInfo>();
  all.set(cluster, of(cluster, access, ["spec", "target", "access"]));
  for (const name of configuredTargets(d).slice(1)) {
    const remote = name === "platform" ? undefined : clusters[name];
    all.set(name, of(name, remote?.access, ["spec", "target", "clusters", name, "access"]));
  }
  return { cluster, access: all.get(cluster) ?? { kind: "openmcp" }, clusters: all };
}

function sectionRoots(site: ExpressionSite): string[] {
  const [, section] = site.path;
  if (section === "config") return ["api"];
  if (section === "target" || section === "writeBack") return ["api", "config"];
  return ["api", "config", "target", "deploy", "live"];
}

/** Roots an expression may read, by where it sits; `each` only where a forEach or $forEach binds it. */
export function allowedRoots(site: ExpressionSite): readonly string[] {
  const roots = sectionRoots(site);
  return site.inForEach ? [...roots, "each"] : roots;
}
