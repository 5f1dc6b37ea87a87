/**
 * Helm release state read straight from the Kubernetes API, without a helm process: helm's
 * secret driver stores each revision as Secret `sh.helm.release.v1.<name>.v<rev>` whose
 * `release` key is base64(gzip(json)) (inside the Secret's own base64).
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeApiError, type KubeClient } from "../../kube/client.js";
import { HelmError } from "./errors.js";

export type ReleaseStatus =
  | "unknown"
  | "deployed"
  | "uninstalled"
  | "superseded"
  | "failed"
  | "uninstalling"
  | "pending-install"
  | "pending-upgrade"
  | "pending-rollback";

export interface HelmRelease {
  name: string;
  namespace: string;
  revision: number;
  status: ReleaseStatus;
  chartName: string;
  chartVersion: string;
  manifest: string;
  /** Labels of the release Secret, including the ones spe adds with `--labels`. */
  labels: Record<string, string>;
  /** The storage Secret's name, for unlocking a stuck release. */
  secretName: string;
  /** The storage Secret's resourceVersion: with the name, what a watched release head is compared to. */
  resourceVersion: string;
}

interface StoredRelease {
  name?: string;
  namespace?: string;
  version?: number;
  info?: { status?: string; description?: string };
  chart?: { metadata?: { name?: string; version?: string } };
  manifest?: string;
  [key: string]: unknown;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

export function decodeRelease(secretValue: string): StoredRelease {
  const inner = Buffer.from(Buffer.from(secretValue, "base64").toString("utf8"), "base64");
  const json = inner.subarray(0, 3).equals(GZIP_MAGIC) ? gunzipSync(inner) : inner;
  return JSON.parse(json.toString("utf8")) as StoredRelease;
}

export function encodeRelease(release: StoredRelease): string {
  const inner = gzipSync(Buffer.from(JSON.stringify(release), "utf8")).toString("base64");
  return Buffer.from(inner, "utf8").toString("base64");
}

function releaseOf(secret: KubeObject): HelmRelease | undefined {
  const value = (secret.data as Record<string, string> | undefined)?.release;
  if (!value) return undefined;
  const stored = decodeRelease(value);
  const labels = secret.metadata.labels ?? {};
  const chart = stored.chart?.metadata ?? {};
  return {
    name: stored.name ?? String(labels.name),
    namespace: stored.namespace ?? String(secret.metadata.namespace),
    revision: stored.version ?? Number(labels.version),
    status: (stored.info?.status ?? String(labels.status)) as ReleaseStatus,
    chartName: String(chart.name),
    chartVersion: String(chart.version),
    manifest: String(stored.manifest),
    labels,
    secretName: secret.metadata.name,
    resourceVersion:
      typeof secret.metadata.resourceVersion === "string" ? secret.metadata.resourceVersion : "",
  };
}

function revisionOf(secret: KubeObject): number {
  return Number(secret.metadata.labels?.version ?? 0);
}

/** Every stored revision of a release, oldest first. */
export async function releaseHistory(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<KubeObject[]> {
  const secrets = await client.list("v1", "Secret", { namespace, labelSelector: `owner=helm,name=${name}` });
  return secrets.sort((a, b) => revisionOf(a) - revisionOf(b));
}

/** The latest revision of a release, or undefined when there is none. */
export async function latestRelease(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<HelmRelease | undefined> {
  const history = await releaseHistory(client, namespace, name);
  const last = history.at(-1);
  return last ? releaseOf(last) : undefined;
}

/** The newest revision that was deployed successfully (a rollback target), if any. */
export async function lastGoodRevision(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<number | undefined> {
  const history = await releaseHistory(client, namespace, name);
  const good = history.filter((s) => ["deployed", "superseded"].includes(s.metadata.labels?.status ?? ""));
  const last = good.at(-1);
  return last ? revisionOf(last) : undefined;
}

export function isPending(status: ReleaseStatus): boolean {
  return status.startsWith("pending-");
}

/**
 * Marks a release stuck in a pending state as failed, in storage, as Flux's helm-controller
 * does: helm refuses every operation on a pending release, and only the process that died
 * would ever have finished it. Only the revision as it was read is taken over (its
 * resourceVersion is the patch's precondition): one that changed since is still being worked
 * on, and is left alone (OperationInProgress, retried later).
 */
export async function unlockRelease(client: KubeClient, release: HelmRelease): Promise<void> {
  const ref = { apiVersion: "v1", kind: "Secret", namespace: release.namespace, name: release.secretName };
  const secret = await client.get(ref);
  const value = (secret?.data as Record<string, string> | undefined)?.release;
  if (!secret || !value) return;
  const stored = decodeRelease(value);
  stored.info = {
    ...stored.info,
    status: "failed",
    description: `spe: unlocked from stale ${release.status}`,
  };
  const precondition = release.resourceVersion ? { resourceVersion: release.resourceVersion } : {};
  const patch = {
    metadata: { ...precondition, labels: { status: "failed" } },
    data: { release: encodeRelease(stored) },
  };
  try {
    await client.send({
      method: "PATCH",
      path: await client.path(ref),
      body: patch,
      contentType: "application/merge-patch+json",
    });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    throw new HelmError(
      "OperationInProgress",
      `release ${release.namespace}/${release.name} revision ${release.revision} changed since spe read it ` +
        `as ${release.status}: another operation is still working on it, so spe does not unlock it`,
      "",
      { cause: err },
    );
  }
}
