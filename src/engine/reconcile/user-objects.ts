/**
 * Whether end users still have objects of the kinds `spec.deletion.blockWhileExist` names on
 * the target (openMCP: deletion waits while they do). A kind is looked for in every version
 * its group serves, not only the preferred one: real groups serve kinds in other versions
 * (Crossplane's apiextensions.crossplane.io prefers v2, while Composition exists only in v1).
 * "None" is an answer only when it is certain: the kind is served and lists no object of
 * anyone else, or no CRD defines it at all (or its CRD is one spe is deleting). Discovery or
 * a list failing, or a kind a CRD defines that discovery does not show, is "unknown", and
 * deletion waits too: treating it as none is what destroyed tenants' objects.
 */
import type { GroupKind } from "../../descriptor/index.js";
import { isNotFound, type KubeClient } from "../../kube/client.js";
import { patientGet } from "./patient-read.js";

const METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
const CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const MAX_LISTED = 5;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  ownerReferences?: OwnerReference[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
}

export interface UserObjectQuery {
  /** Objects spe deployed for this API object: they go with its units and block nothing. */
  ours: (meta: ObjectMeta) => boolean;
  /** CRDs spe is deleting for this API object: their kinds vanishing is expected. */
  deleting: ReadonlySet<string>;
}

export type UserObjects =
  { state: "none" } | { state: "present"; message: string } | { state: "unknown"; message: string };

type KindAnswer =
  { state: "none" } | { state: "present"; names: string[] } | { state: "unknown"; why: string };

function groupPath(group: string): string {
  return group === "" ? "/api" : `/apis/${group}`;
}

function versionPath(group: string, version: string): string {
  return group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** GET that answers undefined for 404 (a group, version or kind not served). */
async function read(client: KubeClient, path: string, accept?: string): Promise<unknown> {
  try {
    return await patientGet(client, path, accept);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The versions to look in: the one the descriptor names, else every version the group serves (preferred first). */
async function versionsOf(client: KubeClient, gk: GroupKind): Promise<string[]> {
  if (gk.version) return [gk.version];
  const body = (await read(client, groupPath(gk.group))) as
    { versions?: (string | { version?: string })[] } | undefined;
  return (body?.versions ?? []).flatMap((v) => {
    const version = typeof v === "string" ? v : v.version;
    return version ? [version] : [];
  });
}

/** The collection path of the kind in the first version that serves it, if any does. */
async function servedPath(
  client: KubeClient,
  gk: GroupKind,
): Promise<{ path: string; plural: string } | undefined> {
  for (const version of await versionsOf(client, gk)) {
    const body = (await read(client, versionPath(gk.group, version))) as
      { resources?: { name: string; kind: string }[] } | undefined;
    const resource = body?.resources?.find((r) => r.kind === gk.kind && !r.name.includes("/"));
    if (resource)
      return { path: `${versionPath(gk.group, version)}/${resource.name}`, plural: resource.name };
  }
  return undefined;
}

interface CrdView {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[] };
}

/** The CRD defining the kind, found by name suffix (`<plural>.<group>`) among all CRDs' metadata. */
async function definingCrd(client: KubeClient, gk: GroupKind): Promise<CrdView | undefined> {
  if (gk.group === "") return undefined;
  const list = (await patientGet(client, CRDS_PATH, METADATA_LIST)) as {
    items?: { metadata: { name: string } }[] | null;
  };
  for (const item of list.items ?? []) {
    if (!item.metadata.name.endsWith(`.${gk.group}`)) continue;
    const crd = (await read(client, `${CRDS_PATH}/${item.metadata.name}`)) as CrdView | undefined;
    if (crd?.spec?.group === gk.group && crd.spec.names?.kind === gk.kind) return crd;
  }
  return undefined;
}

/** Discovery does not show the kind: certain only if no CRD defines it, or spe is deleting that CRD. */
async function notServed(client: KubeClient, gk: GroupKind, query: UserObjectQuery): Promise<KindAnswer> {
  const crd = await definingCrd(client, gk);
  if (!crd) return { state: "none" };
  const name = crd.metadata.name;
  if (crd.metadata.deletionTimestamp && query.deleting.has(name)) return { state: "none" };
  if (crd.metadata.deletionTimestamp)
    return { state: "unknown", why: `its CRD ${name} is being deleted by someone else` };
  const served = (crd.spec?.versions ?? []).filter((v) => v.served !== false).map((v) => v.name);
  const where = gk.version ? ` in ${gk.version}` : "";
  return {
    state: "unknown",
    why: `CRD ${name} defines it but the API server does not serve it${where} (served versions: ${served.join(", ") || "none"})`,
  };
}

/**
 * Whether an owner of the object is one spe deployed: what a controller makes for spe's objects
 * (Crossplane's ProviderRevisions of spe's Providers) goes with them and is not a user's. The
 * owner is read (cluster-scoped, or in the object's namespace) and must be the same object
 * (uid); an owner that cannot be read is not taken as spe's.
 */
async function ownedByUs(
  client: KubeClient,
  meta: ObjectMeta,
  query: UserObjectQuery,
  seen: Map<string, Promise<boolean>>,
): Promise<boolean> {
  for (const ref of meta.ownerReferences ?? []) {
    let answer = seen.get(ref.uid);
    if (!answer) {
      answer = readOwner(client, ref, meta.namespace).then(
        (owner) => owner !== undefined && owner.uid === ref.uid && query.ours(owner),
        () => false,
      );
      seen.set(ref.uid, answer);
    }
    if (await answer) return true;
  }
  return false;
}

async function readOwner(
  client: KubeClient,
  ref: OwnerReference,
  namespace: string | undefined,
): Promise<(ObjectMeta & { uid?: string }) | undefined> {
  const clusterScoped = !(await client.isNamespaced(ref.apiVersion, ref.kind));
  const owner = await client.get({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: ref.name,
    ...(clusterScoped || namespace === undefined ? {} : { namespace }),
  });
  return owner?.metadata;
}

function nameOf(meta: ObjectMeta): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

async function kindAnswer(client: KubeClient, gk: GroupKind, query: UserObjectQuery): Promise<KindAnswer> {
  const served = await servedPath(client, gk);
  if (!served) return notServed(client, gk, query);
  // A CRD is named <plural>.<group>: one spe is deleting takes its objects along, as intended.
  if (query.deleting.has(`${served.plural}.${gk.group}`)) return { state: "none" };
  const body = (await read(client, served.path, METADATA_LIST)) as
    { items?: { metadata: ObjectMeta }[] | null } | undefined;
  // Gone between discovery and the list: as if discovery had not shown it.
  if (!body) return notServed(client, gk, query);
  const seen = new Map<string, Promise<boolean>>();
  const names: string[] = [];
  for (const m of (body.items ?? []).map((i) => i.metadata)) {
    if (query.ours(m) || (await ownedByUs(client, m, query, seen))) continue;
    names.push(nameOf(m));
  }
  return names.length > 0 ? { state: "present", names } : { state: "none" };
}

function describe(gk: GroupKind, names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(", ");
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : "";
  return `${names.length} ${gk.kind}.${gk.group} (${shown}${more})`;
}

/** The objects of `kinds` end users still have on the target, or why that cannot be told. */
export async function userObjects(
  client: KubeClient,
  kinds: readonly GroupKind[],
  query: UserObjectQuery,
): Promise<UserObjects> {
  const present: string[] = [];
  const unknown: string[] = [];
  for (const gk of kinds) {
    let answer: KindAnswer;
    try {
      answer = await kindAnswer(client, gk, query);
    } catch (err) {
      answer = { state: "unknown", why: `looking it up failed: ${messageOf(err)}` };
    }
    if (answer.state === "present") present.push(describe(gk, answer.names));
    if (answer.state === "unknown") unknown.push(`${gk.kind}.${gk.group}: ${answer.why}`);
  }
  const cannotTell = `cannot tell whether user resources exist on the target: ${unknown.join("; ")}`;
  if (present.length > 0) {
    const also = unknown.length > 0 ? `; ${cannotTell}` : "";
    return {
      state: "present",
      message: `user resources still exist on the target: ${present.join("; ")}${also}`,
    };
  }
  return unknown.length > 0 ? { state: "unknown", message: cannotTell } : { state: "none" };
}
