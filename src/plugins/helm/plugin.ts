/**
 * The helm plugin: one helm release per unit, driven through the helm worker (the Helm v4
 * SDK in one long-lived process) for changes (install, upgrade, uninstall) and read through
 * the Kubernetes API for observe, so that observing a release in steady state runs no helm
 * operation at all.
 */
import type { HelmUnitPlan, KubeObject, UnitOutputs } from "../../descriptor/plan.js";
import { refKey, refOf } from "../objects/drift.js";
import { desiredHashOf, fingerprintOf } from "../objects/fingerprint.js";
import { watchedOf } from "../objects/written.js";
import { KubeClient } from "../../kube/client.js";
import { ensureNamespaces } from "../objects/namespaces.js";
import { observeObjects } from "../objects/observe-objects.js";
import { applyAll } from "../objects/apply-object.js";
import type { DeployPlugin, Observation, OwnerRef, UnitScope, WatchSpec } from "../types.js";
import { chartDigest, valuesHash } from "./chart.js";
import { ClusterClaims } from "./cluster-claims.js";
import { FreshReads } from "./fresh-reads.js";
import { ReleaseOwners } from "./release-owners.js";
import {
  CHART_DIGEST_LABEL,
  kubeconfigText,
  template,
  uninstall,
  upgradeInstall,
  VALUES_HASH_LABEL,
  type Invocation,
} from "./commands.js";
import { HelmError, isHelmError, type HelmErrorReason } from "./errors.js";
import { recoverRelease, remediate } from "./remediate.js";
import { helmOwnership, kubeObjects, ownedByRelease, parseManifest, settleNamespaces } from "./manifest.js";
import { isPending, latestRelease, unlockRelease, type HelmRelease } from "./release.js";
import { releaseAbsent, releaseSecrets, watchedRelease, type WatchedRelease } from "./release-watch.js";
import { RenderCache, type RenderKey } from "./render-cache.js";
import { helmNamespaces, helmRecord, helmRecordedPlan, inRelease } from "./unit-record.js";
import type { WorkerRelease } from "./worker-client.js";
import { HelmWorker, type HelmWorkerOptions } from "./worker-client.js";

/** Failures of an install or upgrade that may have left the release half done: remediate.ts undoes them. */
const UNDONE: readonly HelmErrorReason[] = ["InstallFailed", "UpgradeFailed", "Cancelled", "Timeout"];

/** The field manager helm v4 applies with (server-side apply). */
export const HELM_FIELD_MANAGER = "helm";

export interface HelmPluginOptions extends HelmWorkerOptions {
  /** helm's `--timeout` of install/upgrade in seconds; bounds hooks only, since spe never waits for readiness (default 300). */
  timeoutSeconds?: number;
  renderCache?: RenderCache;
}

const ABSENT: Observation = {
  exists: false,
  upToDate: false,
  drift: [],
  ready: false,
  objects: [],
  outputs: { objects: [], ready: false },
};

/**
 * Uninstalled, or never there. A release still `uninstalling` is not gone: its
 * uninstall was interrupted (or still runs), and its objects may still exist.
 */
function gone(release: Pick<HelmRelease, "status"> | undefined): boolean {
  return !release || release.status === "uninstalled";
}

function madeFrom(release: Pick<HelmRelease, "labels">, key: RenderKey): boolean {
  return (
    release.labels[CHART_DIGEST_LABEL] === key.chartDigest &&
    release.labels[VALUES_HASH_LABEL] === key.valuesHash
  );
}

/** A release's latest revision without its manifest: what is remembered between reconciles. */
type ReleaseHead = Omit<HelmRelease, "manifest">;

function headOf(release: HelmRelease): ReleaseHead {
  const { manifest: _manifest, ...head } = release;
  return head;
}

/** When each head the worker answered with was stored, while the watch has not seen it. */
const storedAt = new WeakMap<ReleaseHead, number>();
const UNSEEN_MS = 10_000;

/** The head of the revision the worker just stored; its Secret's resourceVersion comes with the watch. */
function workerHead(release: WorkerRelease, key: RenderKey): ReleaseHead {
  const head: ReleaseHead = {
    name: release.name,
    namespace: release.namespace,
    revision: release.revision,
    status: release.status as ReleaseHead["status"],
    chartName: release.chartName,
    chartVersion: release.chartVersion,
    labels: {
      name: release.name,
      owner: "helm",
      status: release.status,
      version: String(release.revision),
      [CHART_DIGEST_LABEL]: key.chartDigest,
      [VALUES_HASH_LABEL]: key.valuesHash,
    },
    secretName: `sh.helm.release.v1.${release.name}.v${release.revision}`,
    resourceVersion: "",
  };
  storedAt.set(head, Date.now());
  return head;
}

/**
 * The remembered head while the watch shows it is still the latest: the same storage Secret
 * at the same resourceVersion. A head the worker answered with has no resourceVersion yet:
 * the watch's first sighting of its Secret in that status is it; before that sighting, for a
 * few seconds, the head is used as it is, since the Secret's event is on the way and wakes
 * the owner again.
 */
function headFromMemory(
  known: ReleaseHead | undefined,
  watched: WatchedRelease | undefined,
): ReleaseHead | undefined {
  if (!known) return undefined;
  if (!watched) {
    const stored = storedAt.get(known);
    return stored !== undefined && Date.now() - stored < UNSEEN_MS ? known : undefined;
  }
  if (watched.secretName !== known.secretName) return undefined;
  if (watched.resourceVersion === known.resourceVersion) return known;
  if (known.resourceVersion !== "" || watched.labels.status !== known.status) return undefined;
  known.resourceVersion = watched.resourceVersion;
  return known;
}

/**
 * `createNamespace` done by spe instead of helm: helm's namespace carries no mark of who made
 * it, spe's is labelled `app.kubernetes.io/managed-by: spe` (objects/namespaces.ts), which is
 * what lets deletion remove it again when it holds nothing else. Where the watch sees the
 * namespace already there this costs no request (were it gone meanwhile, helm fails the
 * install and the retry creates it).
 */
async function withNamespace(
  client: KubeClient,
  unit: HelmUnitPlan,
  scope: UnitScope,
): Promise<HelmUnitPlan> {
  if (!unit.helm.createNamespace) return unit;
  await ensureNamespaces(client, [unit.helm.namespace], [], scope.cache);
  return { ...unit, helm: { ...unit.helm, createNamespace: false } };
}

function outputsOf(release: ReleaseHead, objects: KubeObject[], ready: boolean): UnitOutputs {
  const { name, namespace, chartName, chartVersion, revision } = release;
  return {
    release: { name, namespace, chartName, chartVersion, revision },
    objects: objects.map(refOf),
    ready,
  };
}

export class HelmPlugin implements DeployPlugin<HelmUnitPlan> {
  readonly type = "helm" as const;
  readonly helm: HelmWorker;
  private readonly timeoutSeconds: number;
  private readonly renders: RenderCache;
  /** Release heads as last read, by release id; used while the watch shows the same storage Secret. */
  private readonly heads = new Map<string, ReleaseHead>();
  /** Releases a helm operation of this plugin is working on; a pending release not in here is stuck. */
  private readonly active = new Set<string>();
  /** The objects the last observe found drifted, by release id: what correcting drift applies. */
  private readonly drifted = new Map<string, Set<string>>();
  /** The release as observe just read it, for the create or update of the same reconcile. */
  private readonly fresh = new FreshReads();
  /** Which kubeconfigs the worker keeps clients for on behalf of which releases. */
  private readonly claims = new ClusterClaims();
  /** The releases each API object uses. */
  private readonly owners = new ReleaseOwners();

  constructor(options: HelmPluginOptions = {}) {
    this.helm = new HelmWorker(options);
    this.timeoutSeconds = options.timeoutSeconds ?? 300;
    this.renders = options.renderCache ?? new RenderCache();
  }

  /** Starts the helm worker and checks it runs Helm v4; call once at start. Resolves with the version. */
  start(): Promise<string> {
    return this.helm.start();
  }

  /** Stops the helm worker (operations still running are cancelled). */
  stop(): Promise<void> {
    return this.helm.stop();
  }

  private async renderKey(unit: HelmUnitPlan, scope: UnitScope): Promise<RenderKey> {
    const { releaseName, namespace, chart, values } = unit.helm;
    return {
      chartDigest: await chartDigest(chart, scope.baseDir),
      valuesHash: valuesHash(values),
      release: releaseName,
      namespace,
    };
  }

  private invocation(scope: UnitScope): Invocation {
    const inv: Invocation = { helm: this.helm, kubeconfig: scope.kubeconfig, baseDir: scope.baseDir };
    if (scope.signal) inv.signal = scope.signal;
    if (scope.onAction) inv.onAction = scope.onAction;
    if (scope.platform) inv.platform = scope.platform;
    return inv;
  }

  private releaseId(unit: HelmUnitPlan, scope: UnitScope): string {
    return `${scope.kubeconfig.getCurrentCluster()?.server ?? ""}|${unit.helm.namespace}|${unit.helm.releaseName}`;
  }

  /** The objects a release consists of, as helm applies them (namespaces settled, ownership metadata added). */
  private async objectsOf(
    client: KubeClient,
    release: { name: string; namespace: string },
    rendered: KubeObject[],
  ): Promise<KubeObject[]> {
    const settled = await settleNamespaces(client, rendered, release.namespace);
    return settled.map((o) => helmOwnership(o, release));
  }

  /** The latest revision, read through the API; remembered, and its render kept when it is this plan's. */
  private async readRelease(
    client: KubeClient,
    id: string,
    key: RenderKey,
  ): Promise<HelmRelease | undefined> {
    const release = await latestRelease(client, key.namespace, key.release);
    this.fresh.remember(id, release);
    if (!release) {
      this.heads.delete(id);
      return undefined;
    }
    this.heads.set(id, headOf(release));
    // A release deployed from this plan: its stored manifest is this plan's render.
    if (release.status === "deployed" && madeFrom(release, key) && !this.renders.get(id, key))
      this.renders.set(id, key, await this.objectsOf(client, release, parseManifest(release.manifest)));
    return release;
  }

  /** The latest revision: from memory while the watch shows the storage Secret remembered, else read. */
  private async head(
    client: KubeClient,
    scope: UnitScope,
    id: string,
    key: RenderKey,
  ): Promise<ReleaseHead | undefined> {
    const remembered =
      scope.cache &&
      headFromMemory(this.heads.get(id), watchedRelease(scope.cache, key.namespace, key.release));
    if (remembered) return remembered;
    if (this.absent(scope, id, key)) return undefined;
    const release = await this.readRelease(client, id, key);
    return release && headOf(release);
  }

  /**
   * The release watch has listed the namespace and shows no Secret of this release: there is
   * none to read (ADR 0007). What follows is an install, and helm refuses a name in use.
   */
  private absent(scope: UnitScope, id: string, key: RenderKey): boolean {
    if (!releaseAbsent(scope.cache, key.namespace, key.release)) return false;
    this.heads.delete(id);
    return true;
  }

  /**
   * What an install or upgrade goes by instead of reading the release: a read of a moment
   * ago, or the watch's word that there is none (the operation may have waited for a helm
   * slot for longer than a read stays fresh).
   */
  private knownRelease(
    scope: UnitScope,
    id: string,
    key: RenderKey,
  ): { release: HelmRelease | undefined } | undefined {
    return this.fresh.take(id) ?? (this.absent(scope, id, key) ? { release: undefined } : undefined);
  }

  /** The objects to compare live ones with: this plan's render, or what the (older) release applied. */
  private async desiredOf(
    client: KubeClient,
    release: ReleaseHead,
    ids: { id: string; key: RenderKey; current: boolean },
  ): Promise<KubeObject[]> {
    const rendered = ids.current ? this.renders.get(ids.id, ids.key) : undefined;
    if (rendered) return rendered;
    const full = await this.readRelease(client, ids.id, ids.key);
    return this.objectsOf(client, release, parseManifest(full?.manifest ?? ""));
  }

  async observe(unit: HelmUnitPlan, scope: UnitScope): Promise<Observation> {
    const client = KubeClient.for(scope.kubeconfig);
    const id = this.releaseId(unit, scope);
    this.owners.add(scope.owner, id);
    const key = await this.renderKey(unit, scope);
    const release = await this.head(client, scope, id, key);
    if (!release || gone(release)) return ABSENT;
    const current = release.status === "deployed" && madeFrom(release, key);
    const desired = await this.desiredOf(client, release, { id, key, current });
    const seen = await observeObjects(client, desired, HELM_FIELD_MANAGER, scope.cache);
    const drift = seen.flatMap((s) => s.drift);
    if (drift.length > 0) this.drifted.set(id, new Set(drift.map((d) => refKey(d.object))));
    else this.drifted.delete(id);
    const objects = seen.map((s) => s.status);
    const healthy = objects.every((o) => o.phase === "Current");
    const ready = release.status === "deployed" && (unit.readiness.kind === "none" || healthy);
    return {
      exists: true,
      upToDate: current && drift.length === 0,
      drift,
      ready,
      objects,
      outputs: outputsOf(release, desired, ready),
    };
  }

  create(unit: HelmUnitPlan, scope: UnitScope): Promise<void> {
    return this.exclusive(unit, scope, () => this.deploy(unit, scope));
  }

  /** Upgrades to a changed plan; with an unchanged plan only live objects moved, and they are put back. */
  update(unit: HelmUnitPlan, scope: UnitScope): Promise<void> {
    return this.exclusive(unit, scope, async () => {
      if (await this.correctDrift(unit, scope)) return;
      await this.deploy(unit, scope);
    });
  }

  /**
   * Flux's correct-cluster-drift: the release is deployed from this very plan,
   * so its stored manifest is what helm would apply again. Server-side apply
   * the drifted objects (all of them when observe did not say which) as helm's
   * own field manager, side by side: no helm operation, no new revision,
   * deleted objects re-created. An object the apply cannot converge is written
   * another way (objects/apply-object.ts); one that cannot be corrected at all
   * is named in the ObjectsNotApplied thrown after the others were corrected.
   * False when a real upgrade is needed.
   */
  private async correctDrift(unit: HelmUnitPlan, scope: UnitScope): Promise<boolean> {
    const client = KubeClient.for(scope.kubeconfig);
    const id = this.releaseId(unit, scope);
    const key = await this.renderKey(unit, scope);
    const release = await this.head(client, scope, id, key);
    if (release?.status !== "deployed" || !madeFrom(release, key)) return false;
    const objects = await this.desiredOf(client, release, { id, key, current: true });
    const drifted = this.drifted.get(id);
    this.drifted.delete(id);
    const targets = drifted ? objects.filter((o) => drifted.has(refKey(refOf(o)))) : objects;
    const started = performance.now();
    let corrected = 0;
    try {
      // Each object on its own: one the apiserver refuses is named, and the others are still corrected.
      await applyAll(client, targets.length > 0 ? targets : objects, {
        manager: HELM_FIELD_MANAGER,
        owns: (live) => ownedByRelease(live, release),
        applied: (obj, live) => {
          corrected++;
          // Right after a forced apply the live object holds exactly these values for helm's fields.
          scope.cache?.verifyWritten(refOf(obj), watchedOf(live), desiredHashOf(obj));
        },
      });
    } finally {
      if (corrected > 0) {
        const { name, namespace, revision } = release;
        scope.onAction?.({
          unit: unit.name,
          action: "drift corrected",
          release: { name, namespace, revision },
          objects: corrected,
          durationMs: Math.round(performance.now() - started),
        });
      }
    }
    return true;
  }

  async delete(unit: HelmUnitPlan, scope: UnitScope): Promise<void> {
    if (unit.deletionPolicy === "orphan") return;
    const id = this.releaseId(unit, scope);
    this.owners.add(scope.owner, id);
    await this.exclusive(unit, scope, async () => {
      const client = KubeClient.for(scope.kubeconfig);
      this.heads.delete(id);
      this.renders.delete(id);
      const release = await latestRelease(client, unit.helm.namespace, unit.helm.releaseName);
      if (!gone(release)) {
        // Left pending or uninstalling by a process that died: helm refuses to act on it until unlocked.
        if (release && (isPending(release.status) || release.status === "uninstalling")) {
          await unlockRelease(client, release);
        }
        this.claimCluster(id, scope);
        await uninstall(this.invocation(scope), unit, "deleted");
      }
      this.forgetRelease(id);
    });
  }

  /** The release's storage Secrets: a new revision, or one changed by hand, wakes the unit. */
  watches(unit: HelmUnitPlan): WatchSpec[] {
    return [releaseSecrets(unit.helm.namespace, unit.helm.releaseName)];
  }

  forget(owner: OwnerRef): void {
    for (const id of this.owners.take(owner)) this.forgetRelease(id);
  }

  /** What status.units[] keeps of a unit, and what teardown asks (unit-record.ts). */
  readonly record = helmRecord;
  readonly recordedPlan = helmRecordedPlan;
  readonly namespaces = helmNamespaces;
  readonly owns = inRelease;

  /** The release is gone (or no longer spe's): nothing about it is kept, and neither are worker clients only it needed. */
  private forgetRelease(id: string): void {
    this.heads.delete(id);
    this.renders.delete(id);
    this.drifted.delete(id);
    this.fresh.delete(id);
    const unclaimed = this.claims.drop(id);
    if (unclaimed !== undefined) void this.helm.forget(unclaimed);
  }

  /** The worker is about to keep clients for the target's kubeconfig on behalf of this release. */
  private claimCluster(id: string, scope: UnitScope): void {
    const unclaimed = this.claims.claim(id, kubeconfigText(scope.kubeconfig));
    if (unclaimed !== undefined) void this.helm.forget(unclaimed);
  }

  /** What the plugin keeps in memory (tests, diagnostics). */
  memory(): { owners: number; releases: number; renders: number; clusters: number } {
    const ids = new Set([...this.heads.keys(), ...this.drifted.keys(), ...this.fresh.keys()]);
    return {
      owners: this.owners.size,
      releases: ids.size,
      renders: this.renders.size,
      clusters: this.claims.size,
    };
  }

  async deployedObjects(unit: HelmUnitPlan, scope: UnitScope): Promise<KubeObject[]> {
    const client = KubeClient.for(scope.kubeconfig);
    const id = this.releaseId(unit, scope);
    const key = await this.renderKey(unit, scope);
    const rendered = this.renders.get(id, key);
    if (rendered) return rendered;
    const release = await this.readRelease(client, id, key);
    const cached = this.renders.get(id, key);
    if (cached) return cached;
    // No release made from this plan yet: what helm would render for it.
    const owner = { name: unit.helm.releaseName, namespace: unit.helm.namespace };
    return this.objectsOf(
      client,
      release ?? owner,
      kubeObjects(await template(this.invocation(scope), unit)),
    );
  }

  private async exclusive<T>(unit: HelmUnitPlan, scope: UnitScope, fn: () => Promise<T>): Promise<T> {
    const id = this.releaseId(unit, scope);
    if (this.active.has(id))
      throw new HelmError("OperationInProgress", `another helm operation on ${id} is running`);
    this.active.add(id);
    try {
      return await fn();
    } finally {
      this.active.delete(id);
    }
  }

  private async deploy(unit: HelmUnitPlan, scope: UnitScope): Promise<void> {
    const client = KubeClient.for(scope.kubeconfig);
    const id = this.releaseId(unit, scope);
    const key = await this.renderKey(unit, scope);
    const inv = this.invocation(scope);
    const read = this.knownRelease(scope, id, key);
    // Whatever happens next changes the release: the next observe reads it again.
    this.heads.delete(id);
    this.claimCluster(id, scope);
    const before = await recoverRelease(client, inv, unit, read);
    const failure = gone(before) ? "InstallFailed" : "UpgradeFailed";
    let after: Awaited<ReturnType<typeof upgradeInstall>>;
    try {
      after = await upgradeInstall(inv, await withNamespace(client, unit, scope), {
        labels: key,
        timeoutSeconds: this.timeoutSeconds,
        failure,
        existing: !before ? "none" : before.status === "uninstalled" ? "uninstalled" : "live",
      });
    } catch (err) {
      if (!isHelmError(err) || !UNDONE.includes(err.reason)) throw err;
      return remediate(client, inv, unit, err);
    }
    const { release } = after;
    if (release.status !== "deployed") return;
    // The release helm just stored was made from this plan (its labels say so): keep its render,
    // and its head as the worker answered, so the observe after this one reads nothing.
    const objects = await this.objectsOf(client, release, kubeObjects(release.objects));
    this.renders.set(id, key, objects);
    this.heads.set(id, workerHead(release, key));
    // Helm applied each object with a forced server-side apply as its own field manager, so
    // the apiserver's answer holds exactly these values for helm's fields.
    const answers = new Map(after.applied.map((a) => [refKey(a), a]));
    for (const obj of objects) {
      const answer = answers.get(refKey(refOf(obj)));
      if (answer) scope.cache?.verify(refOf(obj), fingerprintOf({ metadata: answer }), desiredHashOf(obj));
    }
  }
}
