/**
 * Compile time (kro style): a loaded descriptor becomes an immutable
 * CompiledDescriptor with parsed expressions, units in dependency order, resolved
 * schemas and Ajv validators. Render (render.ts) only fills it in.
 */
import { checkSchemas, compileAll, lazyValidators } from "./validators.js";
import { checkDeployRef, checkNames, checkStatus, checkUnits } from "./checks.js";
import type { ApiInfo, CompiledDescriptor, CompiledUnit, ConfigInfo, ExpressionSite } from "./compiled.js";
import { chartRefSiteIssues } from "./chart-refs.js";
import { allowedRoots, compileTargets, compileUnit, templ, type TemplateSink } from "./compile-units.js";
import { checkTargets } from "./targets.js";
import { topoSort } from "./dag.js";
import { DescriptorError, hasErrors, issue, type Issue, type Result } from "./issues.js";
import type { ProviderDescriptor } from "./load.js";
import { DURATION_PATTERN, parseDuration, resourceNames } from "./names.js";
import { nestedExpressions, type PathExpr } from "./expr.js";
import { liveIssues } from "./live.js";
import { checkColumns, checkCrdLabels, crdColumns, crdLabels } from "./crd-options.js";
import { API_STATUS, CONFIG_STATUS } from "./crds.js";
import { checkStatusPatch } from "./status-patch.js";
import { checkResolve } from "./config-choice.js";
import { checkWriteBack } from "./write-back.js";

export { userSchema } from "./validators.js";

function apiInfo(d: ProviderDescriptor): ApiInfo {
  const { api } = d.spec;
  const explicit = api.versions.find((v) => v.storage === true);
  const storage = explicit?.name ?? api.versions[api.versions.length - 1]?.name ?? "";
  return {
    ...resourceNames(api.group, api),
    labels: crdLabels(api.crdLabels, "onboarding"),
    columns: crdColumns(api.printerColumns, ["Ready", "Phase", "Age"]),
    ...(api.requireSpec === undefined ? {} : { requireSpec: api.requireSpec }),
    ...(api.statusSchemaPatch === undefined ? {} : { statusSchemaPatch: api.statusSchemaPatch }),
    versions: api.versions.map((v) => ({
      name: v.name,
      served: v.served,
      storage: v.name === storage,
      schema: v.schema,
    })),
    storageVersion: storage,
  };
}

/**
 * The config's schema as the engine serves and checks it: `spec.pollInterval` is the
 * engine's own field (it overrides the descriptor's), so it is declared even where the
 * descriptor's schema does not; otherwise the CRD would prune it and the override would
 * silently do nothing. A schema that declares it keeps its own declaration.
 */
function withPollInterval(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  if ("pollInterval" in properties) return schema;
  return {
    ...schema,
    properties: {
      ...properties,
      pollInterval: {
        type: "string",
        pattern: DURATION_PATTERN,
        description:
          "How often API objects are re-checked when nothing changes (e.g. 30s, 1m, 1h); overrides the descriptor's spec.config.pollInterval.",
      },
    },
  };
}

function configInfo(d: ProviderDescriptor, sink: TemplateSink): ConfigInfo {
  const { config } = d.spec;
  const resolve = config.resolve;
  const info: ConfigInfo = {
    ...resourceNames(config.group ?? d.spec.api.group, config),
    labels: crdLabels(config.crdLabels, "platform"),
    columns: crdColumns(config.printerColumns, ["Age"]),
    ...(config.requireSpec === undefined ? {} : { requireSpec: config.requireSpec }),
    ...(config.statusSchemaPatch === undefined ? {} : { statusSchemaPatch: config.statusSchemaPatch }),
    version: config.version,
    schema: config.pollIntervalField ? withPollInterval(config.schema) : config.schema,
    resolve: { name: templ(resolve.name ?? d.metadata.name, ["spec", "config", "resolve", "name"], sink) },
    pollIntervalMs: parseDuration(config.pollInterval) ?? 60_000,
  };
  if (resolve.namespace !== undefined) {
    info.resolve.namespace = templ(resolve.namespace, ["spec", "config", "resolve", "namespace"], sink);
  }
  if (resolve.ref !== undefined)
    info.resolve.ref = templ(resolve.ref, ["spec", "config", "resolve", "ref"], sink);
  if (resolve.selector !== undefined) info.resolve.selector = resolve.selector;
  return info;
}

/** `live.<unit>.<key>`: a key the unit declares, of a unit this one (transitively) depends on. */
function checkLiveRef(d: ProviderDescriptor, site: ExpressionSite, e: PathExpr): Issue[] {
  const [unit, key] = e.steps;
  const fail = (message: string): Issue[] => [issue("live-ref", site.path, `\${${e.source}}: ${message}`)];
  if (unit?.kind !== "prop" || key?.kind !== "prop") return fail("read a live value as live.<unit>.<key>");
  const problem = checkDeployRef(d, site.unit, unit.name);
  if (problem !== undefined) return fail(problem.replace(`deploy.${unit.name}`, `live.${unit.name}`));
  const declared = Object.keys(d.spec.deploy.find((u) => u.name === unit.name)?.live ?? {});
  if (declared.includes(key.name)) return [];
  const offered = declared.length > 0 ? `; declared: ${declared.join(", ")}` : "";
  return fail(
    `unit ${unit.name} declares no live value ${key.name} (add it under the unit's live:)${offered}`,
  );
}

function siteIssues(d: ProviderDescriptor, sink: TemplateSink): Issue[] {
  const out: Issue[] = [];
  for (const site of sink.sites) {
    const roots = allowedRoots(site);
    for (const e of nestedExpressions(site.expr)) {
      if (!roots.includes(e.root)) {
        const why =
          e.root === "each"
            ? " (each is only bound in the manifests of a forEach unit and in the $item of a $forEach map)"
            : "";
        out.push(
          issue(
            "expression-root",
            site.path,
            `\${${e.source}}: ${e.root} cannot be used here; allowed: ${roots.join(", ")}${why}`,
          ),
        );
        continue;
      }
      const first = e.steps[0];
      if (e.root === "live") out.push(...checkLiveRef(d, site, e));
      if (e.root !== "deploy" || first?.kind !== "prop") continue;
      const problem = checkDeployRef(d, site.unit, first.name);
      if (problem !== undefined) out.push(issue("deploy-ref", site.path, `\${${e.source}}: ${problem}`));
    }
  }
  return out;
}

function crdIssues(d: ProviderDescriptor): Issue[] {
  const { api, config } = d.spec;
  return [
    ...checkCrdLabels(api.crdLabels, "onboarding", ["spec", "api", "crdLabels"]),
    ...checkCrdLabels(config.crdLabels, "platform", ["spec", "config", "crdLabels"]),
    ...checkColumns(api.printerColumns, ["spec", "api", "printerColumns"]),
    ...checkColumns(config.printerColumns, ["spec", "config", "printerColumns"]),
    ...checkStatusPatch(API_STATUS, api.statusSchemaPatch, ["spec", "api", "statusSchemaPatch"]),
    ...checkStatusPatch(CONFIG_STATUS, config.statusSchemaPatch, ["spec", "config", "statusSchemaPatch"]),
    ...checkResolve(config.resolve),
    ...checkWriteBack(d.spec.writeBack),
  ];
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  if (value instanceof Map) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) if (typeof v === "object") deepFreeze(v);
  return value;
}

function compileWriteBack(d: ProviderDescriptor, sink: TemplateSink): CompiledDescriptor["writeBack"] {
  const out: CompiledDescriptor["writeBack"] = { labels: {}, annotations: {} };
  for (const kind of ["labels", "annotations"] as const)
    for (const [key, value] of Object.entries(d.spec.writeBack?.[kind] ?? {}))
      out[kind][key] = templ(value, ["spec", "writeBack", kind, key], sink);
  return out;
}

/** Builds everything it can; lint uses the sites even when there are errors. @internal */
export function buildDescriptor(d: ProviderDescriptor): { compiled: CompiledDescriptor; issues: Issue[] } {
  const issues: Issue[] = [
    ...checkNames(d),
    ...checkUnits(d),
    ...checkTargets(d),
    ...checkStatus(d),
    ...crdIssues(d),
  ];
  const sink: TemplateSink = { errors: issues, sites: [] };
  const api = apiInfo(d);
  const config = configInfo(d, sink);
  const target = compileTargets(d, sink);
  const byIndex = d.spec.deploy.map((_, i) => compileUnit(d, i, sink));
  const sorted = topoSort(d.spec.deploy);
  const order = sorted.ok ? sorted.order : d.spec.deploy.map((u) => u.name);
  const units = order
    .map((n) => byIndex.find((u) => u.name === n))
    .filter((u): u is CompiledUnit => u !== undefined);
  const status = templ(d.spec.status, ["spec", "status"], sink);
  const writeBack = compileWriteBack(d, sink);
  issues.push(...siteIssues(d, sink), ...chartRefSiteIssues(sink.sites), ...checkSchemas(api, config));
  const compiled: CompiledDescriptor = {
    name: d.metadata.name,
    descriptor: d,
    api,
    config,
    target,
    units,
    status,
    writeBack,
    deletion: {
      policy: d.spec.deletion.policy,
      blockWhileExist: d.spec.deletion.blockWhileExist,
      crds: d.spec.deletion.crds,
    },
    finalizer: `${api.group}/finalizer`,
    expressions: sink.sites,
    validators: lazyValidators(api, config),
  };
  issues.push(...liveIssues(compiled));
  return { compiled, issues: d.source.positions.locate(issues) };
}

/** Compiles a loaded descriptor, or returns every issue that prevents it. */
export function safeCompileDescriptor(d: ProviderDescriptor): Result<CompiledDescriptor> {
  const built = buildDescriptor(d);
  const { compiled } = built;
  const issues = hasErrors(built.issues)
    ? built.issues
    : [
        ...built.issues,
        ...d.source.positions.locate(compileAll(compiled.validators, compiled.api, compiled.config)),
      ];
  if (hasErrors(issues)) return { ok: false, issues };
  deepFreeze(compiled.api);
  deepFreeze(compiled.config);
  deepFreeze(compiled.units);
  deepFreeze(compiled.status);
  deepFreeze(compiled.writeBack);
  deepFreeze(compiled.deletion);
  return { ok: true, value: Object.freeze(compiled) };
}

/** Compiles a loaded descriptor; throws DescriptorError. */
export function compileDescriptor(d: ProviderDescriptor): CompiledDescriptor {
  const result = safeCompileDescriptor(d);
  if (!result.ok) throw new DescriptorError(result.issues);
  return result.value;
}
