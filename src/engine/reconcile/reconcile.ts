/**
 * The generic ServiceProvider reconcile (the seed's runtime contract, done
 * once for every descriptor): finalizer → config → target access → render and
 * deploy units → readiness → status. Level-based: it reads the world each time
 * and never branches on what event woke it.
 */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { Logger } from "pino";
import type { KubeObject, RenderContext } from "../../descriptor/index.js";
import { describeIssues, pollIntervalMs, projectStatus, validateApiObject } from "../../descriptor/index.js";
import { configForTeardown, resolveConfig, type ConfigCache, type Resolved } from "./config.js";
import { writeBack } from "./write-back.js";
import type { ClusterAccess } from "../access/resolver.js";
import { AccessError, isAccessError } from "../access/errors.js";
import type { McpAccess, TargetCluster } from "../openmcp/mcp-access.js";
import type { KubeClient } from "../../kube/client.js";
import type { ObjectRef, TargetCache } from "../../plugins/types.js";
import { ObjectsNotApplied } from "../../plugins/index.js";
import { operationOf, type ApiObject } from "../status/api-object.js";
import {
  deletionBlocked,
  deletionNotBlocked,
  deployFailed,
  targetReachable,
  targetUnreachable,
  type ConditionInput,
} from "../status/conditions.js";
import { deployUnits, UnitError, type DeployInput, type DeployReport, type PluginSet } from "./deploy.js";
import { driftMessages, driftRecords } from "./drift-report.js";
import type { EventRecorder } from "../status/events.js";
import { classifyDeployFailure } from "./failures.js";
import { addFinalizer, clearOperation, hasFinalizer, removeFinalizer } from "./metadata.js";
import type { SpeMetrics } from "../runtime/metrics.js";
import type { Provider } from "../descriptors/provider.js";
import { deployedCondition, readinessCondition, resourceEntries } from "../status/report-status.js";
import { unitRecord, unitRecords } from "./records.js";
import type { SettledKeys } from "../cache/settled.js";
import { StatusDraft } from "../status/status.js";
import { configRefOf, progressingFor } from "../status/progress.js";
import type { Deployed } from "../cache/target-cache.js";
import type { ApiObjectCache } from "../queue/controller.js";
import { teardown, type TeardownResult } from "./teardown.js";
import { PlatformReads, type PlatformReader } from "./platform-reads.js";
import { targetsFor, type TargetScopeDeps } from "./target-scopes.js";
import { describeUnreachable, usedTargets, type TargetName, type Targets } from "./targets.js";
import { withLive, type LiveReader } from "./live-reads.js";
import { requestKey, TerminalError, type Reconciler, type Request, type Result } from "../queue/types.js";

/** Short re-check while something is on its way (a unit not ready yet, deletion in progress). */
const PROGRESS_REQUEUE_MS = 5_000;
/** The shortest requeue for work due at a set time. */
const MIN_DUE_REQUEUE_MS = 1_000;
/** openMCP's retry interval while an AccessRequest is not granted (for its current generation). */
export const ACCESS_PENDING_REQUEUE_MS = 10_000;

export interface ReconcilerDeps {
  provider: Provider;
  onboarding: KubeClient;
  /** The config cache (platform cluster). */
  configs: ConfigCache;
  access: ClusterAccess;
  /** The cluster spe runs against: units with `target: platform` deploy there. */
  platform?: KubeConfig;
  plugins: PluginSet;
  recorder: EventRecorder;
  logger: Logger;
  metrics?: SpeMetrics;
  /** Called with what was deployed for an API object (by queue key) on each target, so its changes wake it. */
  watchTargets?: (key: string, deployed: readonly { target: KubeConfig; deployed: Deployed }[]) => void;
  /** The engine's memory of a target, as seen by the API object with this queue key. */
  targetCache?: (key: string, target: KubeConfig) => TargetCache;
  /** Reads an object a live value (unit.live) names on a target; without it, a GET. */
  liveObjects?: LiveReader;
  /** Called with the objects on each target that live values were read from, so their changes wake it. */
  watchLive?: (key: string, read: readonly { target: KubeConfig; refs: ObjectRef[] }[]) => void;
  /** Called with the platform objects a request depends on (kubeconfig Secret, config references). */
  watchReferences?: (key: string, refs: ObjectRef[]) => void;
  /** Reads platform objects units name (a chart's credentials Secret); what is read is watched too. */
  platformObjects?: PlatformReader;
  /** The API objects as the controller's informer holds them; without it every reconcile reads through the API. */
  apiObjects?: ApiObjectCache;
  /** Called when an API object is gone, to drop its watches. */
  forget?: (key: string) => void;
  /** Which objects are converged and not woken since; their polls skip the render. */
  settled?: SettledKeys;
  /** openMCP mode: targets are reached through spe's own AccessRequests, not the descriptor's access. */
  openmcp?: McpAccess;
  now?: () => Date;
}

/** What a reconcile deployed on each target it reached, for the target watches: objects and plugins' records. */
function deployedBy(report: DeployReport, targets: Targets): { target: KubeConfig; deployed: Deployed }[] {
  return [...targets.scopes]
    .filter(([name]) => !report.unreachable.has(name))
    .map(([name, scope]) => ({
      target: scope.kubeconfig,
      deployed: {
        objects: report.objects.filter((o) => o.target === name),
        watches: report.watches.filter((w) => w.target === name).map((w) => w.spec),
      },
    }));
}

/** The objects live values were read from, by target reached (none: what was watched for it goes). */
function liveReadBy(report: DeployReport, targets: Targets): { target: KubeConfig; refs: ObjectRef[] }[] {
  return [...targets.scopes]
    .filter(([name]) => !report.unreachable.has(name))
    .map(([name, scope]) => ({
      target: scope.kubeconfig,
      refs: report.live.refs.filter((r) => r.target === name).map((r) => r.ref),
    }));
}

/** The access error of targets that cannot be reached, naming each when the descriptor has several. */
function unreachableError(
  compiled: ProviderReconciler["compiled"],
  unreachable: ReadonlyMap<TargetName, Error>,
): Error {
  const errors = [...unreachable.values()];
  const first = errors[0] ?? new Error("no target reachable");
  if (usedTargets(compiled).length < 2) return first;
  const reason = isAccessError(first) ? first.reason : "Unreachable";
  return new AccessError(reason, describeUnreachable(unreachable), { cause: first });
}

/** What follows a deploy whose status is written: `version` is the API object's after the write. */
function outcomeOf(
  report: DeployReport,
  version: string | undefined,
  poll: number,
): { result: Result; converged?: string } {
  // The status names them; the error retries the object with backoff.
  if (report.failures.length > 0) throw new ObjectsNotApplied(report.failures.map((f) => f.failure));
  if (!report.ready) return { result: { requeueAfter: Math.min(poll, PROGRESS_REQUEUE_MS, dueIn(report)) } };
  // Work is due at a set time (a token to renew): the poll comes no later, and is not skipped.
  if (report.dueAt !== undefined) return { result: { requeueAfter: Math.min(poll, dueIn(report)) } };
  const untouched = report.changed.length === 0 && report.corrected.length === 0;
  return untouched && version !== undefined
    ? { result: { requeueAfter: poll }, converged: version }
    : { result: { requeueAfter: poll } };
}

/** How long until a unit's work is due; at least a second, so a clock that runs off makes no hot loop. */
function dueIn(report: DeployReport): number {
  if (report.dueAt === undefined) return Infinity;
  return Math.max(MIN_DUE_REQUEUE_MS, report.dueAt - Date.now());
}

export class ProviderReconciler implements Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  private get compiled(): Provider["compiled"] {
    return this.deps.provider.compiled;
  }

  async reconcile(request: Request, _signal?: AbortSignal): Promise<Result> {
    const key = requestKey(request);
    const { settled } = this.deps;
    // Before anything is read: a wake from here on makes the next run a full one.
    const mark = settled?.mark(key) ?? 0;
    const obj = await this.read(request);
    if (!obj) {
      settled?.forget(key);
      this.deps.forget?.(key);
      return {};
    }
    const operation = operationOf(obj);
    if (operation === "ignore") return {};
    if (obj.metadata.deletionTimestamp) {
      settled?.unsettle(key);
      return await this.finalize(obj, key);
    }
    if (operation === "reconcile") {
      settled?.unsettle(key);
      const { result } = await this.apply(obj, key);
      this.wrote(await clearOperation(this.deps.onboarding, await this.fresh(obj)));
      return result;
    }
    return settled ? this.applyUnlessSettled(obj, key, settled, mark) : (await this.apply(obj, key)).result;
  }

  /** A poll of an object settled since (cache/settled.ts) skips the render; any other runs in full. */
  private async applyUnlessSettled(
    obj: ApiObject,
    key: string,
    settled: SettledKeys,
    mark: number,
  ): Promise<Result> {
    const skip = settled.skip(key, obj.metadata.resourceVersion);
    if (skip !== undefined) {
      this.deps.metrics?.resyncSkipped(this.compiled.name);
      return { requeueAfter: skip };
    }
    settled.unsettle(key);
    const { result, converged } = await this.apply(obj, key);
    if (converged !== undefined && result.requeueAfter !== undefined)
      settled.settle(key, mark, converged, result.requeueAfter);
    return result;
  }

  private wrote(obj: ApiObject): ApiObject {
    this.deps.apiObjects?.wrote(obj);
    return obj;
  }

  /** From the informer's cache when it is current, else through the API (controller-runtime's cached client). */
  private async read(request: Request): Promise<ApiObject | undefined> {
    const cached = this.deps.apiObjects?.get(request.namespace, request.name);
    if (cached) return cached.object;
    const { api } = this.compiled;
    const ref = { apiVersion: `${api.group}/${api.storageVersion}`, kind: api.kind, name: request.name };
    return await this.deps.onboarding.get(request.namespace ? { ...ref, namespace: request.namespace } : ref);
  }

  private async fresh(obj: ApiObject): Promise<ApiObject> {
    return (await this.deps.onboarding.get({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    })) as ApiObject;
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private draft(obj: ApiObject): StatusDraft {
    return new StatusDraft(obj, this.now());
  }

  /** Writes the status; resolves with the API object's resourceVersion after it. */
  private async commit(draft: StatusDraft): Promise<string | undefined> {
    await draft.commit(this.deps.onboarding, this.deps.recorder, (written) => {
      this.wrote(written);
    });
    return draft.resourceVersion;
  }

  private scopeDeps(): TargetScopeDeps {
    const { access, platform, openmcp, logger, watchReferences, targetCache } = this.deps;
    return {
      compiled: this.compiled,
      baseDir: this.deps.provider.baseDir,
      access,
      logger,
      ...(platform ? { platform } : {}),
      ...(openmcp ? { openmcp } : {}),
      ...(watchReferences ? { watchReferences } : {}),
      ...(targetCache ? { targetCache } : {}),
    };
  }

  /**
   * Converges one API object. `converged` is its resourceVersion after the status write
   * when the reconcile found everything deployed, ready and untouched (nothing created,
   * updated or corrected): what lets its next poll skip the render.
   */
  /** spe's labels and annotations on the object (spec.writeBack); renders see it as written. */
  private async writeBack(obj: ApiObject, resolved: Resolved): Promise<ApiObject> {
    const written = await writeBack(this.deps.onboarding, this.compiled, obj, resolved.ctx);
    if (written === obj) return obj;
    resolved.ctx = { ...resolved.ctx, api: written };
    return this.wrote(written);
  }

  private async apply(obj: ApiObject, key: string): Promise<{ result: Result; converged?: string }> {
    if (!hasFinalizer(obj, this.compiled.finalizer))
      obj = this.wrote(await addFinalizer(this.deps.onboarding, obj, this.compiled.finalizer));
    const draft = this.draft(obj);
    const invalid = validateApiObject(this.compiled, obj);
    if (invalid.length > 0) {
      draft.set(deployFailed(`invalid ${this.compiled.api.kind}: ${describeIssues(invalid)}`, "InvalidSpec"));
      await this.commit(draft);
      throw new TerminalError(`invalid spec: ${describeIssues(invalid)}`);
    }
    const resolved = resolveConfig(this.compiled, this.deps.configs, obj, draft);
    if (!resolved) {
      await this.commit(draft);
      return { result: { requeueAfter: pollIntervalMs(this.compiled) } };
    }
    const poll = pollIntervalMs(this.compiled, resolved.config);
    await this.recordInputs(obj, draft, resolved.config);
    let report: DeployReport;
    const refs: ObjectRef[] = [];
    const reads = this.deps.platformObjects && new PlatformReads(this.deps.platformObjects);
    try {
      obj = await this.writeBack(obj, resolved);
      const targets = await targetsFor(
        this.scopeDeps(),
        { key, obj, ctx: resolved.ctx, refs, ...(reads ? { reads: reads.read } : {}) },
        true,
      );
      // No target reached: the access error is the reconcile's failure, as with one target.
      if (targets.scopes.size === 0) throw unreachableError(this.compiled, targets.unreachable);
      report = await deployUnits(this.deployInput(resolved.ctx, targets, obj));
      this.deps.watchTargets?.(key, deployedBy(report, targets));
      this.deps.watchLive?.(key, liveReadBy(report, targets));
    } catch (err) {
      this.watchReads(key, refs, reads);
      return { result: await this.failed(draft, err) };
    }
    this.watchReads(key, refs, reads);
    this.summarize(obj, draft, report, resolved.ctx);
    const version = await this.commit(draft);
    // Some targets not reached: the others' units are deployed and the status names the rest.
    // Not a failure to back off from: that would hold back drift corrections on the targets
    // that are fine; a change of the access wakes it, and it looks again on openMCP's interval.
    if (report.unreachable.size > 0) return { result: { requeueAfter: ACCESS_PENDING_REQUEUE_MS } };
    return outcomeOf(report, version, poll);
  }

  private deployInput(ctx: RenderContext, targets: Targets, obj: ApiObject): DeployInput {
    const { plugins, liveObjects } = this.deps;
    const input: DeployInput = {
      compiled: this.compiled,
      ctx,
      plugins,
      targets,
      records: obj.status?.units ?? [],
    };
    if (liveObjects) input.live = liveObjects;
    return input;
  }

  private reachability(report: DeployReport): ConditionInput {
    if (report.unreachable.size === 0) {
      const used = usedTargets(this.compiled);
      return used.length < 2
        ? targetReachable()
        : targetReachable(`Target clusters reachable: ${used.join(", ")}`);
    }
    const err = unreachableError(this.compiled, report.unreachable);
    return targetUnreachable(err.message, isAccessError(err) ? err.reason : undefined);
  }

  /** What the units read on the platform is watched beside the request's other references. */
  private watchReads(key: string, refs: ObjectRef[], reads: PlatformReads | undefined): void {
    const read = reads?.refs() ?? [];
    if (refs.length > 0 && read.length > 0) this.deps.watchReferences?.(key, [...refs, ...read]);
  }

  /**
   * The status reflects this config from now on; where it says Ready for an older spec
   * generation or config, it says Progressing before the work for these starts (or waits
   * for a plugin's operation slot), not after.
   */
  private async recordInputs(obj: ApiObject, draft: StatusDraft, config: KubeObject): Promise<void> {
    const configRef = configRefOf(config);
    draft.setConfigRef(configRef);
    const progressing = progressingFor(obj, configRef);
    if (progressing) await this.commit(draft.set(progressing));
  }

  private async failed(draft: StatusDraft, err: unknown): Promise<Result> {
    const { condition, terminal } = classifyDeployFailure(err);
    draft.set(condition);
    // A failed create may have left CRDs behind: record what was absent before it, as a success would.
    if (err instanceof UnitError && err.attempted)
      draft.setUnits([unitRecord(this.deps.plugins, err.attempted.plan, err.attempted.crds)]);
    await this.commit(draft);
    if (terminal) throw new TerminalError(condition.message, { cause: err });
    // Not a failure to back off from: the cluster provider has not answered yet.
    if (isAccessError(err, "AccessRequestPending")) return { requeueAfter: ACCESS_PENDING_REQUEUE_MS };
    throw err;
  }

  private summarize(obj: ApiObject, draft: StatusDraft, report: DeployReport, ctx: RenderContext): void {
    // What is on a target not reached now stays listed as it was last seen.
    const unseen = (obj.status?.resources ?? []).filter((r) =>
      report.unreachable.has(r.location as TargetName),
    );
    draft
      .set(this.reachability(report))
      .set(deployedCondition(report))
      .set(readinessCondition(report))
      .setResources([...resourceEntries(report), ...unseen])
      .setUnits(unitRecords(this.deps.plugins, report))
      .forgetUnits(report.removed);
    draft.setProjection(
      projectStatus(this.compiled, withLive({ ...ctx, deploy: report.outputs }, report.live)),
    );
    if (report.corrected.length > 0) {
      draft.recordDrift(driftRecords(report.corrected, this.now()));
      for (const message of driftMessages(report.corrected)) {
        void this.deps.recorder.event(obj, "Warning", "DriftCorrected", message);
      }
      this.deps.metrics?.driftDetected(this.compiled.name);
      this.deps.metrics?.driftCorrected(this.compiled.name);
    }
  }

  private async finalize(obj: ApiObject, key: string): Promise<Result> {
    if (!hasFinalizer(obj, this.compiled.finalizer)) return {};
    const draft = this.draft(obj);
    const config = configForTeardown(this.compiled, this.deps.configs, obj) ?? {
      apiVersion: "",
      kind: "",
      metadata: { name: "" },
      spec: {},
    };
    const ctx: RenderContext = { api: obj, config };
    let result;
    try {
      result = await this.removeDomainService(key, obj, ctx);
    } catch (err) {
      return this.failed(draft, err);
    }
    if (result.state !== "done") return this.notDone(draft, result);
    const openmcp = this.deps.openmcp;
    if (openmcp && !(await openmcp.release(key, obj, this.remoteTargets()))) {
      draft.set(deletionNotBlocked("waiting for spe's AccessRequests and ClusterRequests to be removed"));
      await this.commit(draft);
      return { requeueAfter: PROGRESS_REQUEUE_MS };
    }
    for (const note of result.notes) this.deps.logger.info({ key }, note);
    const notes = result.notes.length > 0 ? `; ${result.notes.join("; ")}` : "";
    void this.deps.recorder.event(obj, "Normal", "Deleted", `${result.message}${notes}`);
    this.wrote(await removeFinalizer(this.deps.onboarding, obj, this.compiled.finalizer));
    this.deps.forget?.(key);
    return {};
  }

  /** Deletion goes on later: the status says why (users' objects, removal under way, a target not reached). */
  private async notDone(
    draft: StatusDraft,
    result: Exclude<TeardownResult, { state: "done" }>,
  ): Promise<Result> {
    if (result.state === "blocked") draft.set(deletionBlocked(result.message, result.reason));
    else if (result.state === "deleting") draft.set(deletionNotBlocked(result.message));
    else draft.set(targetUnreachable(result.message, result.reason));
    await this.commit(draft);
    return { requeueAfter: result.state === "unreachable" ? ACCESS_PENDING_REQUEUE_MS : PROGRESS_REQUEUE_MS };
  }

  /** Teardown of the units; in openMCP mode skipped once the MCP's access is going (the MCP is being deleted). */
  private async removeDomainService(
    key: string,
    obj: ApiObject,
    ctx: RenderContext,
  ): Promise<TeardownResult> {
    if (this.deps.openmcp && this.remoteTargets().length > 0 && !(await this.deps.openmcp.reachable(obj)))
      return {
        state: "done",
        message: "MCP access is being removed with the MCP; nothing left to remove",
        notes: [],
      };
    const targets = await targetsFor(this.scopeDeps(), { key, obj, ctx }, false);
    if (targets.scopes.size === 0) throw unreachableError(this.compiled, targets.unreachable);
    return teardown({
      compiled: this.compiled,
      ctx,
      plugins: this.deps.plugins,
      targets,
      records: obj.status?.units ?? [],
    });
  }

  /** The targets reached through openMCP's requests (all but the platform). */
  private remoteTargets(): TargetCluster[] {
    return usedTargets(this.compiled).filter((t): t is TargetCluster => t !== "platform");
  }
}
