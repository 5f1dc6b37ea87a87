/**
 * Reaching the targets of one API object: for each cluster its units deploy to, a KubeConfig
 * from that target's own access (a kubeconfig Secret, an AccessRequest, spe's own openMCP
 * requests, or for `platform` spe's platform access) and the scope plugins act in. What each
 * access depends on is watched first, so its appearing heals the request; a target that
 * cannot be reached is named with the reason and does not stop the others.
 */
import type { Logger } from "pino";
import type { CompiledDescriptor, RenderContext } from "../../descriptor/index.js";
import { resolveTargetAccess } from "../../descriptor/index.js";
import { KubeClient } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ObjectRef, TargetCache, UnitScope } from "../../plugins/types.js";
import { AccessError } from "../access/errors.js";
import type { AccessSpec, ClusterAccess } from "../access/resolver.js";
import { accessReference, configReferences } from "../cache/references.js";
import type { McpAccess, TargetCluster } from "../openmcp/mcp-access.js";
import type { ApiObject } from "../status/api-object.js";
import { actionLog } from "./action-log.js";
import { usedTargets, type TargetName, type Targets, type TargetScope } from "./targets.js";

export interface TargetScopeDeps {
  compiled: CompiledDescriptor;
  baseDir: string;
  access: ClusterAccess;
  /** The cluster spe runs against: the `platform` target. */
  platform?: KubeConfig;
  openmcp?: McpAccess;
  logger: Logger;
  watchReferences?: (key: string, refs: ObjectRef[]) => void;
  targetCache?: (key: string, target: KubeConfig) => TargetCache;
}

/** What the access of one target (standalone mode) reads on the platform cluster. */
type Standalone = { kind: "platform" } | { kind: "spec"; spec: AccessSpec; ref: ObjectRef };

function standaloneAccess(
  deps: TargetScopeDeps,
  obj: ApiObject,
  ctx: RenderContext,
  target: TargetName,
): Standalone {
  const access = resolveTargetAccess(deps.compiled, ctx, target);
  if (access.kind === "platform") return { kind: "platform" };
  const namespace = access.namespace ?? obj.metadata.namespace ?? "default";
  const ref = accessReference(access, namespace);
  const spec: AccessSpec =
    access.kind === "openmcp"
      ? { kind: "accessRequest", namespace, name: access.name }
      : { kind: "kubeconfigSecret", namespace, name: access.name, key: access.key };
  return { kind: "spec", spec, ref };
}

function remoteClusters(targets: readonly TargetName[]): TargetCluster[] {
  return targets.filter((t): t is TargetCluster => t !== "platform");
}

function platformOf(deps: TargetScopeDeps): KubeConfig {
  if (!deps.platform) throw new AccessError("NotInCluster", "no platform cluster access");
  return deps.platform;
}

/** One API object's reconcile: its queue key, the object, and its render context. */
export interface TargetRequest {
  key: string;
  obj: ApiObject;
  ctx: RenderContext;
  /** Gets what is watched for the request (the reconcile adds what its units read to it). */
  refs?: ObjectRef[];
  /** How plugins read platform objects (UnitScope.platform). */
  reads?: UnitScope["platform"];
}

/** How to resolve each target's KubeConfig; the references of every target are watched before any is read. */
function kubeconfigs(
  deps: TargetScopeDeps,
  { key, obj, ctx, refs = [] }: TargetRequest,
): Map<TargetName, () => Promise<KubeConfig>> {
  const targets = usedTargets(deps.compiled);
  const configRefs = configReferences(ctx.config.spec);
  const out = new Map<TargetName, () => Promise<KubeConfig>>();
  const openmcp = deps.openmcp;
  if (openmcp) {
    refs.push(...openmcp.references(obj, remoteClusters(targets)), ...configRefs);
    deps.watchReferences?.(key, refs);
    for (const t of targets)
      out.set(
        t,
        t === "platform" ? () => Promise.resolve(platformOf(deps)) : () => openmcp.resolve(key, obj, t),
      );
    return out;
  }
  const accessRefs: ObjectRef[] = [];
  for (const t of targets) {
    const access = standaloneAccess(deps, obj, ctx, t);
    if (access.kind === "platform") {
      out.set(t, () => Promise.resolve(platformOf(deps)));
      continue;
    }
    accessRefs.push(access.ref);
    out.set(t, () => deps.access.resolve(access.spec));
  }
  refs.push(...accessRefs, ...configRefs);
  deps.watchReferences?.(key, refs);
  return out;
}

function scopeOf(
  deps: TargetScopeDeps,
  { key, obj, reads }: TargetRequest,
  kubeconfig: KubeConfig,
  cached: boolean,
): TargetScope {
  const { api } = deps.compiled;
  const cache = cached ? deps.targetCache?.(key, kubeconfig) : undefined;
  return {
    kubeconfig,
    owner: {
      provider: deps.compiled.name,
      group: api.group,
      kind: api.kind,
      namespace: obj.metadata.namespace ?? "",
      name: obj.metadata.name,
      uid: obj.metadata.uid ?? "",
    },
    baseDir: deps.baseDir,
    client: KubeClient.for(kubeconfig),
    onAction: actionLog(deps.logger, {
      key: obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name,
    }),
    ...(cache ? { cache } : {}),
    ...(reads ? { platform: reads } : {}),
  };
}

/**
 * The targets of `obj`: a scope for each one reached, an AccessError for each one not. With
 * `cached`, plugins read through the engine's watches of each target (deploy); teardown reads
 * the targets themselves.
 */
export async function targetsFor(
  deps: TargetScopeDeps,
  request: TargetRequest,
  cached: boolean,
): Promise<Targets> {
  const scopes = new Map<TargetName, TargetScope>();
  const unreachable = new Map<TargetName, Error>();
  for (const [target, resolve] of kubeconfigs(deps, request)) {
    try {
      scopes.set(target, scopeOf(deps, request, await resolve(), cached));
    } catch (err) {
      if (!(err instanceof AccessError)) throw err;
      unreachable.set(target, err);
    }
  }
  return { scopes, unreachable };
}
