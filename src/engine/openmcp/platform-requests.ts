/**
 * Creating, nudging and removing spe's ClusterRequests and AccessRequests on the platform
 * cluster, as openMCP's clusteraccess library does: a request with the same name that is not
 * ours (other labels) is an error, never taken over; removal deletes, and once only the
 * clusteraccess finalizer is left, JSON-patches every finalizer away.
 */
import type { KubeObject } from "../../descriptor/plan.js";
import { isDeepStrictEqual } from "node:util";
import { isNotFound, KubeApiError, type KubeClient } from "../../kube/client.js";
import type { ObjectRef } from "../../plugins/types.js";
import { AccessError } from "../access/errors.js";
import { CLUSTER_ACCESS_FINALIZER, foreignLabel } from "./requests.js";

export const FIELD_MANAGER = "spe";
/** openMCP's convention: `reconcile` asks the owner of an object to reconcile it once (and remove the annotation). */
export const OPERATION_ANNOTATION = "openmcp.cloud/operation";

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ?? ""}/${ref.name}`;
}

/** Whether the live object already has every label, finalizer and spec field we want. */
function upToDate(live: KubeObject, wanted: KubeObject): boolean {
  const finalizers = (live.metadata.finalizers ?? []) as string[];
  const wantedFinalizers = (wanted.metadata.finalizers ?? []) as string[];
  if (!wantedFinalizers.every((f) => finalizers.includes(f))) return false;
  const liveSpec = (live.spec ?? {}) as Record<string, unknown>;
  return Object.entries((wanted.spec ?? {}) as Record<string, unknown>).every(([k, v]) =>
    isDeepStrictEqual(liveSpec[k], v),
  );
}

export class PlatformRequests {
  constructor(
    private readonly client: KubeClient,
    /** The engine's watch of these objects; what it does not hold is read through the API. */
    private readonly cached: (ref: ObjectRef) => KubeObject | undefined = () => undefined,
  ) {}

  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    const cached = this.cached(ref);
    if (cached) return cached;
    try {
      return await this.client.get(ref);
    } catch (err) {
      if (err instanceof KubeApiError && err.reason === "NoKindMatch") {
        throw new AccessError(
          "AccessRequestNotFound",
          `the platform cluster serves no ${ref.kind} (${ref.apiVersion}): is openMCP installed?`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /**
   * Makes sure `wanted` exists with our labels, finalizers and spec; returns the live object.
   * Sends nothing when it is already so, or when it is being deleted (we never revive it).
   */
  async ensure(wanted: KubeObject): Promise<KubeObject> {
    const ref = refOf(wanted);
    const live = await this.read(ref);
    if (live) {
      const foreign = foreignLabel(live, wanted);
      if (foreign !== undefined) {
        throw new AccessError(
          "AccessRequestConflict",
          `${describe(ref)} exists but is not spe's (label ${foreign}); spe does not take it over`,
        );
      }
      if (live.metadata.deletionTimestamp !== undefined || upToDate(live, wanted)) return live;
    }
    return await this.client.apply(wanted, { manager: FIELD_MANAGER, force: true });
  }

  async ensureNamespace(name: string): Promise<void> {
    const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name } };
    if (await this.client.get(refOf(ns))) return;
    await this.client.apply(ns, { manager: FIELD_MANAGER });
  }

  /** Asks the request's provider to reconcile it (re-grant, renew), unless asked already. */
  async askToReconcile(obj: KubeObject): Promise<boolean> {
    if (obj.metadata.annotations?.[OPERATION_ANNOTATION] === "reconcile") return false;
    await this.client.send({
      method: "PATCH",
      path: await this.client.path(refOf(obj)),
      body: { metadata: { annotations: { [OPERATION_ANNOTATION]: "reconcile" } } },
      contentType: "application/merge-patch+json",
    });
    return true;
  }

  /**
   * Removes one of spe's requests in openMCP's way; true once it is gone. A request that is
   * not ours (labels) is left alone and counts as gone for us.
   */
  async remove(ref: ObjectRef, labels: Readonly<Record<string, string>>): Promise<boolean> {
    const live = await this.client.get(ref);
    if (!live) return true;
    if (foreignLabel(live, { metadata: { labels } }) !== undefined) return true;
    if (live.metadata.deletionTimestamp === undefined) await this.client.delete(ref);
    const finalizers = (live.metadata.finalizers ?? []) as string[];
    if (finalizers.length === 1 && finalizers[0] === CLUSTER_ACCESS_FINALIZER) {
      try {
        await this.client.send({
          method: "PATCH",
          path: await this.client.path(ref),
          body: [{ op: "remove", path: "/metadata/finalizers" }],
          contentType: "application/json-patch+json",
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    // Other finalizers (the cluster provider's) go first: then ours is the only one left.
    return (await this.client.get(ref)) === undefined;
  }
}
