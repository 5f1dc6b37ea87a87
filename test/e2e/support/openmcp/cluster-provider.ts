/**
 * A stand-in for an openMCP cluster provider, for tests only. The test clusters are there
 * already, so nothing is provisioned: a ClusterRequest is answered with a Cluster object and
 * Granted (the operator's scheduler would do that), an AccessRequest with what a real cluster
 * provider (cluster-provider-kind) hands out: a ServiceAccount on the target cluster with
 * exactly the requested permissions, a token for it (TokenRequest) in a kubeconfig Secret
 * `<ar>.kubeconfig` with `creationTimestamp`/`expirationTimestamp`, owned by the
 * AccessRequest, then status Granted for the current generation. It grants again when the
 * generation changes or when asked with `openmcp.cloud/operation: reconcile` (then removes the
 * annotation), and only then: a deleted Secret stays deleted until someone asks. A Cluster
 * whose ClusterRequest is gone is deleted (the scheduler's part).
 * Deliberately minimal (a poll loop, no finalizers of its own); only what the protocol needs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { KubeObject } from "../../../../src/descriptor/plan.js";
import { KubeClient } from "../../../../src/kube/client.js";
import type { KubeConfig } from "../../../../src/kube/kubeconfig.js";

const CLUSTERS = "clusters.openmcp.cloud/v1alpha1";
const SA_NAMESPACE = "openmcp-standin";
const MANAGER = "standin-cluster-provider";
const b64 = (s: string): string => Buffer.from(s).toString("base64");

export interface TargetCluster {
  /** Admin kubeconfig file of the test cluster. */
  kubeconfigPath: string;
  kc: KubeConfig;
}

export interface StandInOptions {
  platform: KubeConfig;
  /** The test cluster that serves each ClusterRequest purpose (onboarding, mcp, workload). */
  clusters: Record<string, TargetCluster>;
  /** The credential lifetime written to `expirationTimestamp` (the token itself lives an hour). */
  lifetimeSeconds?: number;
}

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };
interface ArSpec {
  requestRef?: { name: string; namespace: string };
  clusterRef?: { name: string; namespace: string };
  token?: {
    permissions?: { rules?: Rule[] }[];
    roleRefs?: { name: string; kind: string; namespace?: string }[];
  };
}

function nameOf(ar: KubeObject): string {
  return `${ar.metadata.namespace ?? ""}/${ar.metadata.name}`;
}

export class StandInClusterProvider {
  private readonly platform: KubeClient;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** AccessRequests ("namespace/name") that are never granted, or denied with a message. */
  readonly hold = new Set<string>();
  readonly deny = new Map<string, string>();
  /** Every grant of an AccessRequest ("namespace/name"): when, and until when its credentials are valid. */
  readonly grantLog: { request: string; at: number; expires: number }[] = [];
  lifetimeSeconds: number;
  errors: string[] = [];

  constructor(private readonly options: StandInOptions) {
    this.platform = KubeClient.for(options.platform);
    this.lifetimeSeconds = options.lifetimeSeconds ?? 3600;
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.pass();
        } catch (err) {
          this.errors.push(String(err));
          if (this.errors.length > 50) this.errors.shift();
        }
        await sleep(300);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async pass(): Promise<void> {
    const requests = await this.listAll("ClusterRequest", "clusterrequests");
    for (const cr of requests) await this.grantCluster(cr);
    for (const ar of await this.listAll("AccessRequest", "accessrequests")) await this.grantAccess(ar);
    await this.releaseClusters(requests);
  }

  /** A Cluster whose ClusterRequest is gone goes too (the scheduler's part; `waitForClusterDeletion` waits for it). */
  private async releaseClusters(requests: KubeObject[]): Promise<void> {
    const wanted = new Set(requests.map((r) => `${r.metadata.namespace ?? ""}/${r.metadata.name}`));
    for (const cluster of await this.listAll("Cluster", "clusters")) {
      const id = `${cluster.metadata.namespace ?? ""}/${cluster.metadata.name}`;
      if (
        !wanted.has(id) &&
        String(cluster.spec && (cluster.spec as { profile?: string }).profile).startsWith("standin-")
      )
        await this.platform.delete({
          apiVersion: CLUSTERS,
          kind: "Cluster",
          name: cluster.metadata.name,
          namespace: cluster.metadata.namespace ?? "",
        });
    }
  }

  /** Requests in every namespace (KubeClient.list reads one namespace). */
  private async listAll(kind: string, plural: string): Promise<KubeObject[]> {
    const body = (await this.platform.send({ method: "GET", path: `/apis/${CLUSTERS}/${plural}` })) as {
      items: KubeObject[];
    };
    return body.items.map((item) => ({ ...item, apiVersion: CLUSTERS, kind }));
  }

  private async patchStatus(obj: KubeObject, status: Record<string, unknown>): Promise<void> {
    const path = await this.platform.path({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace ?? "",
    });
    await this.platform.send({
      method: "PATCH",
      path: `${path}/status`,
      body: { status },
      contentType: "application/merge-patch+json",
    });
  }

  private async grantCluster(cr: KubeObject): Promise<void> {
    const status = (cr.status ?? {}) as { phase?: string };
    if (status.phase === "Granted" || cr.metadata.deletionTimestamp) return;
    const purpose = (cr.spec as { purpose?: string }).purpose ?? "";
    if (!this.options.clusters[purpose]) return;
    const cluster = {
      apiVersion: CLUSTERS,
      kind: "Cluster",
      metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace ?? "" },
      spec: { profile: `standin-${purpose}`, purposes: [purpose], tenancy: "Exclusive" },
    };
    await this.platform.apply(cluster, { manager: MANAGER, force: true });
    await this.patchStatus(cr, {
      phase: "Granted",
      observedGeneration: cr.metadata.generation,
      cluster: { name: cluster.metadata.name, namespace: cluster.metadata.namespace },
    });
  }

  /** The purpose of the cluster an AccessRequest is for, once its ClusterRequest is granted. */
  private async purposeOf(spec: ArSpec): Promise<string | undefined> {
    if (spec.requestRef) {
      const cr = await this.platform.get({
        apiVersion: CLUSTERS,
        kind: "ClusterRequest",
        ...spec.requestRef,
      });
      if ((cr?.status as { phase?: string } | undefined)?.phase !== "Granted") return undefined;
      return (cr?.spec as { purpose?: string } | undefined)?.purpose;
    }
    if (spec.clusterRef) {
      const cluster = await this.platform.get({ apiVersion: CLUSTERS, kind: "Cluster", ...spec.clusterRef });
      return (cluster?.spec as { purposes?: string[] } | undefined)?.purposes?.[0];
    }
    return undefined;
  }

  private wanted(ar: KubeObject): boolean {
    if (ar.metadata.deletionTimestamp || this.hold.has(nameOf(ar))) return false;
    const status = (ar.status ?? {}) as { phase?: string; observedGeneration?: number };
    const asked = ar.metadata.annotations?.["openmcp.cloud/operation"] === "reconcile";
    return asked || status.phase !== "Granted" || status.observedGeneration !== ar.metadata.generation;
  }

  /** Denies the request if the test said so; true when it did (or had). */
  private async denied(ar: KubeObject): Promise<boolean> {
    const denial = this.deny.get(nameOf(ar));
    if (denial === undefined) return false;
    if ((ar.status as { phase?: string } | undefined)?.phase === "Denied") return true;
    const now = new Date().toISOString();
    await this.patchStatus(ar, {
      phase: "Denied",
      observedGeneration: ar.metadata.generation,
      conditions: [
        { type: "Granted", status: "False", reason: "Denied", message: denial, lastTransitionTime: now },
      ],
    });
    return true;
  }

  private async grantAccess(ar: KubeObject): Promise<void> {
    if (!this.wanted(ar) || (await this.denied(ar))) return;
    const purpose = await this.purposeOf(ar.spec ?? {});
    const target = purpose === undefined ? undefined : this.options.clusters[purpose];
    if (!target) return;
    const token = await this.issue(ar, target);
    const secretName = `${ar.metadata.name}.kubeconfig`;
    const now = Date.now();
    await this.platform.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: secretName,
          namespace: ar.metadata.namespace ?? "",
          ownerReferences: [
            {
              apiVersion: CLUSTERS,
              kind: "AccessRequest",
              name: ar.metadata.name,
              uid: String(ar.metadata.uid),
            },
          ],
        },
        data: {
          kubeconfig: b64(kubeconfigWith(target.kubeconfigPath, token)),
          creationTimestamp: b64(new Date(now).toISOString()),
          expirationTimestamp: b64(new Date(now + this.lifetimeSeconds * 1000).toISOString()),
        },
      },
      { manager: MANAGER, force: true },
    );
    await this.patchStatus(ar, {
      phase: "Granted",
      observedGeneration: ar.metadata.generation,
      secretRef: { name: secretName },
    });
    if (ar.metadata.annotations?.["openmcp.cloud/operation"] === "reconcile") {
      await this.platform.send({
        method: "PATCH",
        path: await this.platform.path({
          apiVersion: CLUSTERS,
          kind: "AccessRequest",
          name: ar.metadata.name,
          namespace: ar.metadata.namespace ?? "",
        }),
        body: { metadata: { annotations: { "openmcp.cloud/operation": null } } },
        contentType: "application/merge-patch+json",
      });
    }
    this.grantLog.push({ request: nameOf(ar), at: now, expires: now + this.lifetimeSeconds * 1000 });
  }

  /** A ServiceAccount with the requested permissions on the target, and a token for it. */
  private async issue(ar: KubeObject, target: TargetCluster): Promise<string> {
    const client = KubeClient.for(target.kc);
    const spec = (ar.spec ?? {}) as ArSpec;
    const name = `ar-${String(ar.metadata.uid)}`.slice(0, 63);
    const apply = (obj: KubeObject): Promise<KubeObject> =>
      client.apply(obj, { manager: MANAGER, force: true });
    await apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: SA_NAMESPACE } });
    await apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: SA_NAMESPACE } });
    const subjects = [{ kind: "ServiceAccount", name, namespace: SA_NAMESPACE }];
    const rbac = "rbac.authorization.k8s.io/v1";
    const rules = (spec.token?.permissions ?? []).flatMap((p) => p.rules ?? []);
    if (rules.length > 0) {
      await apply({ apiVersion: rbac, kind: "ClusterRole", metadata: { name }, rules });
      const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name };
      await apply({ apiVersion: rbac, kind: "ClusterRoleBinding", metadata: { name }, roleRef, subjects });
    }
    for (const [i, ref] of (spec.token?.roleRefs ?? []).entries()) {
      const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: ref.kind, name: ref.name };
      const binding = `${name.slice(0, 58)}-r${i}`;
      if (ref.kind === "ClusterRole")
        await apply({
          apiVersion: rbac,
          kind: "ClusterRoleBinding",
          metadata: { name: binding },
          roleRef,
          subjects,
        });
      else
        await apply({
          apiVersion: rbac,
          kind: "RoleBinding",
          metadata: { name: binding, namespace: ref.namespace ?? "default" },
          roleRef,
          subjects,
        });
    }
    const answer = (await client.send({
      method: "POST",
      path: `/api/v1/namespaces/${SA_NAMESPACE}/serviceaccounts/${name}/token`,
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    })) as { status: { token: string } };
    return answer.status.token;
  }
}

/** A kubeconfig for the test cluster behind `adminKubeconfig`, authenticating with `token`. */
export function kubeconfigWith(adminKubeconfig: string, token: string): string {
  const admin = parse(readFileSync(adminKubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  };
  const cluster = admin.clusters[0]!.cluster;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "target",
        cluster: {
          server: cluster.server,
          "certificate-authority-data": cluster["certificate-authority-data"],
        },
      },
    ],
    users: [{ name: "access", user: { token } }],
    contexts: [{ name: "target", context: { cluster: "target", user: "access" } }],
    "current-context": "target",
  });
}
