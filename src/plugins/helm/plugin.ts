/**
 * The helm plugin: one helm release per unit, driven through the helm worker (the Helm v4
 * SDK in one long-lived process) for changes (install, upgrade, uninstall) and read through
 * the Kubernetes API for observe, so that observing a release in steady state runs no helm
 * operation at all.
 */
import type { HelmUnitPlan, KubeObject, UnitOutputs } from "../../descriptor/plan.js";
import { refOf } from "../drift.js";
import { desiredHashOf, fingerprintOf } from "../fingerprint.js";
import { KubeClient } from "../kube/client.js";
import { observeObjects } from "../observe-objects.js";
import type { DeployPlugin, Observation, UnitScope } from "../types.js";
import { chartDigest, valuesHash } from "./chart.js";
import {
  CHART_DIGEST_LABEL,
  template,
  uninstall,
  upgradeInstall,
  VALUES_HASH_LABEL,
  type Invocation,
} from "./commands.js";
import { HelmError, isHelmError } from "./errors.js";
import { recoverRelease, remediate } from "./remediate.js";
import { helmOwnership, parseManifest, settleNamespaces } from "./manifest.js";
import { isPending, latestRelease, unlockRelease, type HelmRelease } from "./release.js";
import { RenderCache, type RenderKey } from "./render-cache.js";
import type { WorkerRelease } from "./worker-client.js";
import { HelmWorker, type HelmWorkerOptions } from "./worker-client.js";

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
    return inv;
  }

  private releaseId(unit: HelmUnitPlan, scope: UnitScope): string {
    return `${scope.kubeconfig.getCurrentCluster()?.server ?? ""}|${unit.helm.namespace}|${unit.helm.releaseName}`;
  }

  /** The objects a release consists of, as helm applies them (namespaces settled, ownership metadata added). */
  private async objectsOf(
    client: KubeClient,
    release: { name: string; namespace: string },
    manifest: string,
  ): Promise<KubeObject[]> {
    const settled = await settleNamespaces(client, parseManifest(manifest), release.namespace);
    return settled.map((o) => helmOwnership(o, release));
  }

  /** The latest revision, read through the API; remembered, and its render kept when it is this plan's. */
  private async readRelease(
    client: KubeClient,
    id: string,
    key: RenderKey,
  ): Promise<HelmRelease | undefined> {
    const release = await latestRelease(client, key.namespace, key.release);
    if (!release) {
      this.heads.delete(id);
      return undefined;
    }
    this.heads.set(id, headOf(release));
    // A release deployed from this plan: its stored manifest is this plan's render.
    if (release.status === "deployed" && madeFrom(release, key) && !this.renders.get(id, key))
      this.renders.set(id, key, await this.objectsOf(client, release, release.manifest));
    return release;
  }

  /** The latest revision: from memory while the watch shows the storage Secret remembered, else read. */
  private async head(
    client: KubeClient,
    scope: UnitScope,
    id: string,
    key: RenderKey,
  ): Promise<ReleaseHead | undefined> {
    const known = this.heads.get(id);
    const watched = scope.cache?.release(key.namespace, key.release);
    if (
      known &&
      watched?.secretName === known.secretName &&
      watched.resourceVersion === known.resourceVersion
    )
      return known;
    const release = await this.readRelease(client, id, key);
    return release && headOf(release);
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
    return this.objectsOf(client, release, full?.manifest ?? "");
  }

  async observe(unit: HelmUnitPlan, scope: UnitScope): Promise<Observation> {
    const client = KubeClient.for(scope.kubeconfig);
    const id = this.releaseId(unit, scope);
    const key = await this.renderKey(unit, scope);
    const release = await this.head(client, scope, id, key);
    if (!release || gone(release)) return ABSENT;
    const current = release.status === "deployed" && madeFrom(release, key);
    const desired = await this.desiredOf(client, release, { id, key, current });
    const seen = await observeObjects(client, desired, HELM_FIELD_MANAGER, scope.cache);
    const drift = seen.flatMap((s) => s.drift);
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
   * those objects as helm's own field manager: no helm process, no new
   * revision, deleted objects re-created. False when a real upgrade is needed.
   */
  private async correctDrift(unit: HelmUnitPlan, scope: UnitScope): Promise<boolean> {
    const client = KubeClient.for(scope.kubeconfig);
    const id = this.releaseId(unit, scope);
    const key = await this.renderKey(unit, scope);
    const release = await this.readRelease(client, id, key);
    if (release?.status !== "deployed" || !madeFrom(release, key)) return false;
    const objects = this.renders.get(id, key) ?? (await this.objectsOf(client, release, release.manifest));
    for (const obj of objects) {
      const applied = await client.apply(obj, { manager: HELM_FIELD_MANAGER, force: true });
      // Right after a forced apply the live object holds exactly these values for helm's fields.
      scope.cache?.verify(refOf(obj), fingerprintOf(applied), desiredHashOf(obj));
    }
    return true;
  }

  async delete(unit: HelmUnitPlan, scope: UnitScope): Promise<void> {
    if (unit.deletionPolicy === "orphan") return;
    await this.exclusive(unit, scope, async () => {
      const client = KubeClient.for(scope.kubeconfig);
      const id = this.releaseId(unit, scope);
      this.heads.delete(id);
      this.renders.delete(id);
      const release = await latestRelease(client, unit.helm.namespace, unit.helm.releaseName);
      if (gone(release)) return;
      // Left pending or uninstalling by a process that died: helm refuses to act on it until unlocked.
      if (release && (isPending(release.status) || release.status === "uninstalling")) {
        await unlockRelease(client, release);
      }
      await uninstall(this.invocation(scope), unit);
    });
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
    return this.objectsOf(client, release ?? owner, await template(this.invocation(scope), unit));
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
    // Whatever happens next changes the release: the next observe reads it again.
    this.heads.delete(id);
    const before = await recoverRelease(client, inv, unit);
    const failure = gone(before) ? "InstallFailed" : "UpgradeFailed";
    let after: WorkerRelease;
    try {
      after = await upgradeInstall(inv, unit, { labels: key, timeoutSeconds: this.timeoutSeconds, failure });
    } catch (err) {
      if (!isHelmError(err, failure) && !isHelmError(err, "Cancelled")) throw err;
      return remediate(client, inv, unit, err);
    }
    // The release helm just stored was made from this plan (its labels say so): keep its render.
    if (after.status === "deployed")
      this.renders.set(id, key, await this.objectsOf(client, after, after.manifest));
  }
}
