/**
 * After an API object's units are gone, the namespaces spe created for them (the ones units
 * asked to be created, or needed; spe labels those `app.kubernetes.io/managed-by: spe`) are
 * removed when nothing else is in them. A namespace
 * spe did not create, or one that holds anything of anyone else (another release, a tenant's
 * object, something the service left at runtime), is kept, with the reason for the log.
 */
import { KubeApiError, type KubeClient } from "../../kube/client.js";
import { MANAGED_BY_LABEL } from "../../plugins/objects/owner.js";
import { patientGet } from "./patient-read.js";

const METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
const NAMESPACE = { apiVersion: "v1", kind: "Namespace" } as const;
/** Never removed, whoever labelled them. */
const SYSTEM = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
const MAX_LISTED = 5;

interface Resource {
  /** Collection path without the namespace part, e.g. `/apis/apps/v1` + `deployments`. */
  base: string;
  plural: string;
  kind: string;
}

interface ItemMeta {
  name: string;
  deletionTimestamp?: string;
  ownerReferences?: unknown[];
}

/**
 * What every namespace has or gets by itself, and what goes with its owner: the default
 * ServiceAccount, the root CA ConfigMap, Events, Endpoints (kept by the endpoints controller
 * for a Service, which is listed itself), objects on their way out, and dependents (their
 * owner is listed itself, or gone and the garbage collector takes them).
 */
function incidental(resource: Resource, meta: ItemMeta): boolean {
  if (meta.deletionTimestamp || (meta.ownerReferences?.length ?? 0) > 0) return true;
  if (resource.plural === "events" || resource.plural === "endpoints") return true;
  if (resource.plural === "serviceaccounts" && meta.name === "default") return true;
  return resource.plural === "configmaps" && meta.name === "kube-root-ca.crt";
}

interface ResourceList {
  groupVersion?: string;
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

function listable(base: string, body: ResourceList): Resource[] {
  return (body.resources ?? [])
    .filter((r) => r.namespaced && !r.name.includes("/") && (r.verbs ?? []).includes("list"))
    .map((r) => ({ base, plural: r.name, kind: r.kind }));
}

/** Every namespaced, listable resource the target serves, each group's resources once (preferred version first). */
async function namespacedResources(client: KubeClient): Promise<Resource[]> {
  const core = (await client.send({ method: "GET", path: "/api/v1" })) as ResourceList;
  const found = new Map(listable("/api/v1", core).map((r) => [`/${r.plural}`, r]));
  const groups = (await client.send({ method: "GET", path: "/apis" })) as {
    groups?: { name: string; versions: { groupVersion: string }[] }[];
  };
  const versions = (groups.groups ?? []).flatMap((g) => g.versions.map((v) => ({ group: g.name, ...v })));
  for (const { group, groupVersion } of versions) {
    const body = (await client.send({ method: "GET", path: `/apis/${groupVersion}` })) as ResourceList;
    for (const r of listable(`/apis/${groupVersion}`, body))
      if (!found.has(`${group}/${r.plural}`)) found.set(`${group}/${r.plural}`, r);
  }
  return [...found.values()];
}

/** Objects in the namespace that are not incidental, described for the log (a few). */
async function holders(client: KubeClient, namespace: string, resources: Resource[]): Promise<string[]> {
  const held: string[] = [];
  for (const resource of resources) {
    const path = `${resource.base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
    const body = (await patientGet(client, path, METADATA_LIST)) as {
      items?: { metadata: ItemMeta }[] | null;
    };
    for (const { metadata } of body.items ?? [])
      if (!incidental(resource, metadata)) held.push(`${resource.kind} ${metadata.name}`);
  }
  return held;
}

export interface NamespaceCleanup {
  /** Namespaces being removed: deletion waits for them, as for CRDs. */
  removing: string[];
  /** Why a namespace spe created stays, one line each. */
  kept: string[];
}

function describeHeld(held: string[]): string {
  const more = held.length > MAX_LISTED ? ` and ${held.length - MAX_LISTED} more` : "";
  return `${held.slice(0, MAX_LISTED).join(", ")}${more}`;
}

/** Why a namespace spe created must stay, if it must: what it holds, or that this cannot be told. */
async function reasonToKeep(
  client: KubeClient,
  name: string,
  resources: () => Promise<Resource[]>,
): Promise<string | undefined> {
  try {
    const held = await holders(client, name, await resources());
    return held.length > 0 ? `it holds ${describeHeld(held)}` : undefined;
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    return `cannot tell what it holds: ${err.message}`;
  }
}

/** Removes the namespaces spe created among `candidates` that hold nothing else. */
export async function removeCreatedNamespaces(
  client: KubeClient,
  candidates: Iterable<string>,
): Promise<NamespaceCleanup> {
  const result: NamespaceCleanup = { removing: [], kept: [] };
  let discovered: Promise<Resource[]> | undefined;
  const resources = (): Promise<Resource[]> => (discovered ??= namespacedResources(client));
  for (const name of new Set(candidates)) {
    if (SYSTEM.has(name)) continue;
    const ns = await client.get({ ...NAMESPACE, name });
    if (ns?.metadata.labels?.[MANAGED_BY_LABEL] !== "spe") continue;
    const keep = ns.metadata.deletionTimestamp ? undefined : await reasonToKeep(client, name, resources);
    if (keep !== undefined) result.kept.push(`kept namespace ${name} that spe created: ${keep}`);
    else if (ns.metadata.deletionTimestamp || (await client.delete({ ...NAMESPACE, name })))
      result.removing.push(name);
  }
  return result;
}
