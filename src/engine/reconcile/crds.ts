/**
 * The CRDs of `spec.deletion.crds` and whose they are. A CRD on the target may be the
 * tenant's (applied before the service was requested, or for something else): deleting it
 * deletes every object of its kind. So spe deletes only the listed CRDs that were absent when
 * a unit of the API object was first created (deploy records them in status.units[].crds),
 * whether the chart installed them or the service it started created them at runtime.
 */
import type { KubeClient } from "../../kube/client.js";
import type { UnitRecord } from "../status/api-object.js";

const CRD = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" } as const;

/** The listed CRDs not on the target right now (a unit is about to be created). */
export async function absentCrds(client: KubeClient, listed: readonly string[]): Promise<string[]> {
  const absent: string[] = [];
  for (const name of listed) if (!(await client.get({ ...CRD, name }))) absent.push(name);
  return absent;
}

export interface CrdOwnership {
  /** Listed CRDs spe's records show this object's deploy put there. */
  ours: string[];
  /** Listed CRDs the records do not show it put there: left alone. */
  notOurs: string[];
}

export function crdOwnership(listed: readonly string[], records: readonly UnitRecord[]): CrdOwnership {
  const recorded = new Set(records.flatMap((r) => r.crds ?? []));
  return {
    ours: listed.filter((n) => recorded.has(n)),
    notOurs: listed.filter((n) => !recorded.has(n)),
  };
}

/** Of these CRDs, the ones on the target and not yet being deleted. */
export async function standingCrds(client: KubeClient, names: readonly string[]): Promise<string[]> {
  const standing: string[] = [];
  for (const name of names) {
    const crd = await client.get({ ...CRD, name });
    if (crd && !crd.metadata.deletionTimestamp) standing.push(name);
  }
  return standing;
}

export type CrdDeletion =
  { state: "gone" } | { state: "terminating"; names: string[] } | { state: "failed"; message: string };

/**
 * Deletes the CRDs and names those still terminating; one already gone is fine. The
 * apiserver removes a CRD's instances before the CRD itself, so the caller waits until they
 * are gone: a user who re-creates the API object must not race a CRD on its way out.
 */
export async function deleteCrds(client: KubeClient, names: readonly string[]): Promise<CrdDeletion> {
  const terminating: string[] = [];
  for (const name of names) {
    try {
      if (!(await client.delete({ ...CRD, name }))) continue;
      if (await client.get({ ...CRD, name })) terminating.push(name);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { state: "failed", message: `could not delete CRD ${name}: ${why}` };
    }
  }
  return terminating.length > 0 ? { state: "terminating", names: terminating } : { state: "gone" };
}
