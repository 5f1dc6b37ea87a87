/**
 * Per API object in openMCP mode, access to its MCP (and to a workload cluster when the
 * descriptor deploys there) as openMCP's clusteraccess reconciler gets it: the tenant namespace
 * `mcp--<uuid>` (created if missing), spe's AccessRequest `<provider>--<mcp>--mcp` for the MCP's
 * ClusterRequest, for a workload cluster a ClusterRequest and AccessRequest `<provider>--<mcp>--wl`.
 * Access is used only when every request is Granted at its current generation; until then an
 * AccessError (AccessRequestPending) says which one waits. A granted Secret that is gone is
 * asked for again (`openmcp.cloud/operation: reconcile` on the AccessRequest), and so is one
 * whose credentials reach 80 % of their lifetime; the object is woken at that time.
 * On deletion the requests go in openMCP's order (release).
 */
import type { Logger } from "pino";
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeClient } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ObjectRef } from "../../plugins/types.js";
import { AccessError } from "../access/errors.js";
import type { FollowedKubeconfigs } from "./followed.js";
import { accessGrant, clusterGrant, renewalTime, type Grant } from "./grant.js";
import { tenantNamespace } from "./names.js";
import { PlatformRequests, refOf } from "./platform-requests.js";
import { mcpAccessRequest, workloadRequests, type McpRef } from "./requests.js";

export type TargetCluster = "mcp" | "workload";

export interface McpAccessOptions {
  platform: KubeConfig;
  /** Names and labels the requests (the ServiceProvider's name). */
  controller: string;
  kubeconfigs: FollowedKubeconfigs;
  /** The engine's watch of platform objects (reference watches). */
  cached: (ref: ObjectRef) => KubeObject | undefined;
  /** Queues the API object with this key (a renewal is due). */
  wake: (key: string) => void;
  logger: Logger;
  now?: () => number;
}

/**
 * The requests of one API object for the clusters its units deploy to: the MCP's AccessRequest
 * always (its going away tells that the MCP goes), and a workload cluster's ClusterRequest and
 * AccessRequest when a unit deploys there.
 */
function requestsFor(controller: string, mcp: McpRef, clusters: readonly TargetCluster[]): KubeObject[] {
  const mcpRequest = mcpAccessRequest(controller, mcp);
  if (!clusters.includes("workload")) return [mcpRequest];
  const workload = workloadRequests(controller, mcp);
  return [mcpRequest, workload.clusterRequest, workload.accessRequest];
}

function throwUnlessGranted(grant: Grant): asserts grant is Extract<Grant, { state: "granted" }> {
  if (grant.state === "denied") throw new AccessError("AccessRequestDenied", grant.message);
  if (grant.state === "pending") throw new AccessError("AccessRequestPending", grant.message);
}

/** Separates the API object's key from the request's name in a renewal timer's id. */
const SEP = "\u0000";

export function mcpOf(api: KubeObject): McpRef {
  return { namespace: api.metadata.namespace ?? "default", name: api.metadata.name };
}

export class McpAccess {
  private readonly requests: PlatformRequests;
  private readonly namespaces = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: McpAccessOptions) {
    this.requests = new PlatformRequests(KubeClient.for(options.platform), options.cached);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** What a reconcile of `api` depends on, to be watched: spe's requests and their granted Secrets. */
  references(api: KubeObject, clusters: readonly TargetCluster[]): ObjectRef[] {
    const refs = requestsFor(this.options.controller, mcpOf(api), clusters).map(refOf);
    const secrets = refs.flatMap((ref) => {
      const live = ref.kind === "AccessRequest" ? this.options.cached(ref) : undefined;
      const grant = live ? accessGrant(live) : undefined;
      return grant?.state === "granted"
        ? [{ apiVersion: "v1", kind: "Secret", name: grant.secretName, namespace: ref.namespace ?? "" }]
        : [];
    });
    return [...refs, ...secrets];
  }

  /** A KubeConfig for the cluster `api`'s units deploy to; throws AccessError while it cannot be had. */
  async resolve(key: string, api: KubeObject, cluster: TargetCluster): Promise<KubeConfig> {
    const mcp = mcpOf(api);
    const namespace = tenantNamespace(mcp);
    if (!this.namespaces.has(namespace)) {
      await this.requests.ensureNamespace(namespace);
      this.namespaces.add(namespace);
    }
    const granted: KubeObject[] = [];
    for (const wanted of requestsFor(this.options.controller, mcp, [cluster])) {
      const live = await this.requests.ensure(wanted);
      if (wanted.kind === "ClusterRequest") {
        throwUnlessGranted(clusterGrant(live));
        continue;
      }
      throwUnlessGranted(accessGrant(live));
      granted.push(live);
    }
    // The last AccessRequest is the one for the cluster the units deploy to.
    const target = granted.at(-1);
    if (!target) throw new AccessError("AccessRequestNotFound", `no AccessRequest for ${namespace}`);
    return this.kubeconfigOf(key, target);
  }

  private async kubeconfigOf(key: string, request: KubeObject): Promise<KubeConfig> {
    const grant = accessGrant(request);
    throwUnlessGranted(grant);
    const ref = {
      apiVersion: "v1",
      kind: "Secret",
      name: grant.secretName,
      namespace: request.metadata.namespace ?? "",
    };
    const secret = await this.requests.read(ref);
    const id = `${ref.namespace}/${request.metadata.name}`;
    if (!secret) {
      this.options.kubeconfigs.forget(id);
      const asked = await this.requests.askToReconcile(request);
      if (asked)
        this.options.logger.warn({ request: id }, "granted Secret is gone; asked for the access again");
      throw new AccessError(
        "SecretNotFound",
        `Secret ${ref.namespace}/${ref.name} of the granted AccessRequest ${id} not found; asked the cluster provider to grant it again`,
      );
    }
    const kc = this.options.kubeconfigs.fromSecret(id, secret);
    await this.renewWhenDue(key, request, secret);
    return kc;
  }

  /** Past 80 % of the credentials' lifetime: ask for renewal; before it: wake the object then. */
  private async renewWhenDue(key: string, request: KubeObject, secret: KubeObject): Promise<void> {
    const at = renewalTime(secret);
    if (at === undefined) return;
    const wait = at - this.now();
    if (wait <= 0) {
      if (await this.requests.askToReconcile(request))
        this.options.logger.info(
          { request: `${request.metadata.namespace ?? ""}/${request.metadata.name}` },
          "credentials due for renewal; asked for new ones",
        );
      return;
    }
    // One timer per request: an object reaching the MCP and a workload cluster renews each.
    const id = `${key}${SEP}${request.metadata.name}`;
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.options.wake(key);
    }, wait + 100);
    timer.unref();
    this.timers.set(id, timer);
  }

  /**
   * Whether the domain service of `api` can still be removed: not when spe's MCP AccessRequest
   * is gone or being deleted (then the MCP itself is going, and openMCP skips the removal).
   */
  async reachable(api: KubeObject): Promise<boolean> {
    const request = await this.requests.read(refOf(mcpAccessRequest(this.options.controller, mcpOf(api))));
    return request !== undefined && request.metadata.deletionTimestamp === undefined;
  }

  /**
   * Removes the requests of a deleted API object in openMCP's order (AccessRequests, then the
   * workload ClusterRequest; the MCP's own ClusterRequest is never touched); true once all are gone.
   */
  async release(key: string, api: KubeObject, clusters: readonly TargetCluster[]): Promise<boolean> {
    this.forget(key);
    const wanted = requestsFor(this.options.controller, mcpOf(api), clusters);
    const ordered = [
      ...wanted.filter((r) => r.kind === "AccessRequest"),
      ...wanted.filter((r) => r.kind !== "AccessRequest"),
    ];
    let gone = true;
    for (const request of ordered) {
      const removed = await this.requests.remove(refOf(request), request.metadata.labels ?? {});
      if (removed && request.kind === "AccessRequest")
        this.options.kubeconfigs.forget(`${request.metadata.namespace ?? ""}/${request.metadata.name}`);
      gone &&= removed;
    }
    return gone;
  }

  forget(key: string): void {
    for (const [id, timer] of this.timers) {
      if (!id.startsWith(`${key}${SEP}`)) continue;
      clearTimeout(timer);
      this.timers.delete(id);
    }
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
