/**
 * Everything the engine asks about inputs before a render: are the API object
 * and config valid, which config serves an API object, how the target is reached.
 */
import { ajvIssues, newAjv } from "./ajv.js";
import { userSchema } from "./validators.js";
import type { CompiledDescriptor, TargetName } from "./compiled.js";
import type { RenderContext } from "./evaluate.js";
import { formatPath, issue, type Issue } from "./issues.js";
import { parseGoDuration } from "./names.js";
import { checkNamespace } from "./render-manifests.js";
import { renderNode, type CompiledTemplate } from "./template.js";

interface ObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  spec?: unknown;
}

function typeIssues(obj: ObjectLike, group: string, versions: readonly string[], kind: string): Issue[] {
  const out: Issue[] = [];
  const [g, v] = typeof obj.apiVersion === "string" ? obj.apiVersion.split("/", 2) : [];
  if (g !== group || v === undefined || !versions.includes(v)) {
    out.push(
      issue(
        "api-version",
        ["apiVersion"],
        `must be one of ${versions.map((x) => `${group}/${x}`).join(", ")}`,
      ),
    );
  }
  if (obj.kind !== kind) out.push(issue("kind", ["kind"], `must be ${kind}`));
  return out;
}

/** Validates an API object (apiVersion, kind, spec against the version's schema). */
export function validateApiObject(compiled: CompiledDescriptor, obj: unknown): Issue[] {
  const o = (obj ?? {}) as ObjectLike;
  const served = compiled.api.versions.filter((v) => v.served).map((v) => v.name);
  const out = typeIssues(o, compiled.api.group, served, compiled.api.kind);
  const version = typeof o.apiVersion === "string" ? o.apiVersion.split("/")[1] : undefined;
  const validate =
    compiled.validators.api(version ?? compiled.api.storageVersion) ??
    compiled.validators.api(compiled.api.storageVersion);
  if (validate !== undefined && !validate(o.spec ?? {}))
    out.push(...ajvIssues(validate.errors, "invalid-spec", ["spec"]));
  return out;
}

/** Validates a config object (apiVersion, kind, spec against the config schema). */
export function validateConfig(compiled: CompiledDescriptor, cfg: unknown): Issue[] {
  const o = (cfg ?? {}) as ObjectLike;
  const { config } = compiled;
  const out = typeIssues(o, config.group, [config.version], config.kind);
  const validate = compiled.validators.config();
  if (!validate(o.spec ?? {})) out.push(...ajvIssues(validate.errors, "invalid-spec", ["spec"]));
  return out;
}

/** `spec.version: must be string; …` — for a condition message. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message))
    .join("; ");
}

function text(
  t: CompiledTemplate,
  api: Record<string, unknown>,
  config: Record<string, unknown> = {},
): string {
  const v = renderNode(t.node, { api, config });
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Name (and namespace for namespaced config kinds) of the config serving `api`. Throws RenderError. */
export function resolveConfigRef(
  compiled: CompiledDescriptor,
  api: Record<string, unknown>,
): { name: string; namespace?: string } {
  const { resolve } = compiled.config;
  const name = text(resolve.name, api);
  if (resolve.namespace === undefined || compiled.config.scope === "Cluster") return { name };
  return {
    name,
    namespace: checkNamespace(text(resolve.namespace, api), ["spec", "config", "resolve", "namespace"]),
  };
}

/** The poll interval in ms: the config's spec.pollInterval if valid, else the descriptor's. */
export function pollIntervalMs(compiled: CompiledDescriptor, config?: Record<string, unknown>): number {
  const spec = config?.spec as Record<string, unknown> | undefined;
  const own = typeof spec?.pollInterval === "string" ? parseGoDuration(spec.pollInterval) : undefined;
  return own ?? compiled.config.pollIntervalMs;
}

export type ResolvedAccess =
  | { kind: "kubeconfigSecret"; name: string; namespace?: string; key: string }
  | { kind: "openmcp"; name: string; namespace?: string }
  /** The cluster spe runs against. */
  | { kind: "platform" };

/**
 * How to reach target `cluster` (default: the descriptor's default target) for `ctx.api`:
 * the rendered kubeconfig Secret, the AccessRequest to read (the API object's name; for a
 * further target `<name>--<target>`), or the platform cluster.
 */
export function resolveTargetAccess(
  compiled: CompiledDescriptor,
  ctx: RenderContext,
  cluster: TargetName = compiled.target.cluster,
): ResolvedAccess {
  const access = compiled.target.clusters.get(cluster);
  if (access === undefined) throw new RangeError(`descriptor ${compiled.name} has no target ${cluster}`);
  if (access.kind === "platform") return { kind: "platform" };
  const meta = (ctx.api.metadata ?? {}) as { name?: string; namespace?: string };
  if (access.kind === "openmcp") {
    const suffix = cluster === compiled.target.cluster ? "" : `--${cluster}`;
    const out: ResolvedAccess = { kind: "openmcp", name: `${meta.name ?? ""}${suffix}` };
    if (meta.namespace !== undefined) out.namespace = meta.namespace;
    return out;
  }
  const out: ResolvedAccess = {
    kind: "kubeconfigSecret",
    name: text(access.name, ctx.api, ctx.config),
    key: access.key,
  };
  if (access.namespace !== undefined) out.namespace = text(access.namespace, ctx.api, ctx.config);
  return out;
}

const defaulters = new WeakMap<CompiledDescriptor, Map<string, (v: unknown) => boolean>>();

/**
 * A copy of `obj` with the schema's defaults filled into spec, as the apiserver
 * would do; for offline renders (the engine reads already-defaulted objects).
 */
export function applyDefaults(
  compiled: CompiledDescriptor,
  which: "api" | "config",
  obj: Record<string, unknown>,
): Record<string, unknown> {
  let cache = defaulters.get(compiled);
  if (cache === undefined) {
    cache = new Map();
    defaulters.set(compiled, cache);
  }
  const schema =
    which === "api" ? (compiled.api.versions.find((v) => v.storage)?.schema ?? {}) : compiled.config.schema;
  let fill = cache.get(which);
  if (fill === undefined) {
    fill = newAjv({ useDefaults: true, allErrors: false }).compile(userSchema(schema));
    cache.set(which, fill);
  }
  const copy = structuredClone(obj);
  copy.spec ??= {};
  fill(copy.spec);
  return copy;
}
