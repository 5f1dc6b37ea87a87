/**
 * The engine: every loaded descriptor served as a ServiceProvider in one
 * process. One shared work queue and worker pool (keys carry the provider),
 * one controller per provider, the deploy plugins, drift watches on targets.
 */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { Logger } from "pino";
import { componentLogger, logEntry } from "./logger.js";
import { ClusterAccess } from "../access/resolver.js";
import { HelmPlugin, type HelmPluginOptions } from "../../plugins/helm/index.js";
import { KubeClient } from "../../kube/client.js";
import { observeRequests } from "../../kube/http.js";
import { ManifestsPlugin } from "../../plugins/manifests/index.js";
import { CopyPlugin } from "../../plugins/copy/index.js";
import { TokenPlugin, type TokenPluginOptions } from "../../plugins/token/index.js";
import { ProviderController } from "../queue/controller.js";
import { installCrds } from "../descriptors/crd-manager.js";
import type { PluginSet } from "../reconcile/deploy.js";
import { EventRecorder } from "../status/events.js";
import { ConfigStatusWriter } from "../status/config-status.js";
import type { SpeMetrics } from "./metrics.js";
import type { Provider } from "../descriptors/provider.js";
import { ProviderReconciler } from "../reconcile/reconcile.js";
import { TargetCaches } from "../cache/target-cache.js";
import { ReferenceWatches } from "../cache/reference-watch.js";
import { LiveWatches } from "../cache/live-watch.js";
import { SettledKeys } from "../cache/settled.js";
import { DEFAULT_SYNC_PERIOD_MS, DEFAULT_WORKERS, TRANSIENT_RETRY_CAP_MS } from "./defaults.js";
import { isTransientFailure } from "../reconcile/failures.js";
import { FollowedKubeconfigs } from "../openmcp/followed.js";
import { McpAccess } from "../openmcp/mcp-access.js";
import { parseRequestKey, type Reconciler, type Request, type Result } from "../queue/types.js";
import { runWorkers, WorkQueue, type AddReason, type ReconcileMetrics } from "../queue/workqueue.js";

export interface EngineOptions {
  platform: KubeConfig;
  onboarding: KubeConfig;
  logger: Logger;
  metrics?: SpeMetrics;
  workers?: number;
  helm?: HelmPluginOptions;
  /** Token units: when a token is renewed (tests shorten it). */
  token?: TokenPluginOptions;
  /** reportingInstance of Events, e.g. the pod name. */
  instance?: string;
  /** How long a converged object's polls may skip the render before one runs in full (default 10 minutes). */
  syncPeriodMs?: number;
  /**
   * openMCP mode: each API object's target is reached through spe's own AccessRequests, named
   * for `controller` (the ServiceProvider); CRDs are left to `spe init`, which had the rights.
   */
  openmcp?: { controller: string };
  /** How long a watch no API object needs any more keeps running (default 30 s). */
  watchLingerMs?: number;
  /** How long a target watch may stay silent before it is taken as dead (kube/watch.ts's WATCH_IDLE_MS). */
  watchIdleMs?: number;
}

interface Served {
  controller: ProviderController;
  reconciler: ProviderReconciler;
  fingerprint: string;
}

export class Engine implements Reconciler {
  readonly queue: WorkQueue;
  readonly helm: HelmPlugin;
  private readonly plugins: PluginSet;
  private readonly served = new Map<string, Served>();
  private readonly targets: TargetCaches;
  /** Platform objects requests depend on (kubeconfig Secrets, config references), watched per namespace. */
  private readonly references: ReferenceWatches;
  /** The target objects live values (unit.live) read, watched per kind and namespace. */
  private readonly live: LiveWatches;
  private readonly access: ClusterAccess;
  private readonly recorder: EventRecorder;
  /** Events about configs, on the platform cluster. */
  private readonly platformRecorder: EventRecorder;
  private readonly abort = new AbortController();
  private workers: Promise<void> | undefined;
  /** The helm worker's start, once a provider with helm units is served. */
  private helmStarted: Promise<void> | undefined;
  private readonly stopCountingRequests: () => void;
  private readonly settled: SettledKeys;
  private readonly mcpAccess: McpAccess | undefined;
  private readonly kubeconfigs: FollowedKubeconfigs | undefined;

  constructor(private readonly options: EngineOptions) {
    this.queue = new WorkQueue(options.metrics ? { metrics: options.metrics.workqueueMetrics("spe") } : {});
    const metrics = options.metrics;
    const workerLog = componentLogger(options.logger, "helm-worker");
    this.helm = new HelmPlugin({
      onLog: (entry) => {
        logEntry(workerLog, entry);
      },
      ...options.helm,
      ...(metrics
        ? {
            onOperation: (op, seconds, ok) => {
              metrics.helmOperation(op, seconds, ok);
            },
            onStart: () => {
              metrics.helmWorkerStarted();
            },
          }
        : {}),
    });
    this.plugins = {
      helm: this.helm,
      manifests: new ManifestsPlugin(),
      copy: new CopyPlugin(),
      token: new TokenPlugin(options.token),
    };
    this.settled = new SettledKeys({ syncPeriodMs: options.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS });
    this.stopCountingRequests = metrics
      ? observeRequests((r) => {
          metrics.apiRequest(r.host, r.method, r.code);
        })
      : () => undefined;
    const linger = options.watchLingerMs === undefined ? {} : { lingerMs: options.watchLingerMs };
    // What the target watches see includes spe's own writes (a rollback's release Secrets,
    // its objects): it never cuts a failure's backoff short.
    this.targets = new TargetCaches(
      (key) => {
        this.wake(key, "observed");
      },
      componentLogger(options.logger, "target-watch"),
      { ...linger, ...(options.watchIdleMs === undefined ? {} : { watchIdleMs: options.watchIdleMs }) },
    );
    // A live value changed (a load balancer's address, a Secret appeared): what was deployed
    // moved, as for the target watches, so it does not cut a failure's backoff short.
    this.live = new LiveWatches(
      (key) => {
        this.wake(key, "observed");
      },
      { ...linger, logger: componentLogger(options.logger, "live-watch") },
    );
    const references = new ReferenceWatches(
      options.platform,
      (key) => {
        this.wake(key, "input");
      },
      componentLogger(options.logger, "reference-watch"),
      {
        ...linger,
        released: (ref) => {
          this.access.forget(ref);
        },
      },
    );
    this.references = references;
    this.access = new ClusterAccess({ source: options.platform, cached: (ref) => references.cached(ref) });
    if (options.openmcp) {
      this.kubeconfigs = new FollowedKubeconfigs();
      this.mcpAccess = new McpAccess({
        platform: options.platform,
        controller: options.openmcp.controller,
        kubeconfigs: this.kubeconfigs,
        cached: (ref) => references.cached(ref),
        // Credentials due for renewal: an input of the reconcile, like a changed Secret.
        wake: (key) => {
          this.wake(key, "input");
        },
        logger: options.logger.child({ component: "openmcp-access" }),
      });
    }
    this.recorder = new EventRecorder({
      kubeConfig: options.onboarding,
      logger: options.logger,
      ...(options.instance ? { instance: options.instance } : {}),
    });
    this.platformRecorder = new EventRecorder({
      kubeConfig: options.platform,
      logger: options.logger,
      ...(options.instance ? { instance: options.instance } : {}),
    });
  }

  /** Something `key` depends on changed: queue it, and its next reconcile runs in full. */
  private wake(key: string, reason: AddReason): void {
    this.settled.wake(key);
    this.queue.add(key, reason);
  }

  /** Starts the reconcile workers. Providers are added with setProviders. */
  start(): Promise<void> {
    this.workers = runWorkers(this.queue, this.options.workers ?? DEFAULT_WORKERS, this, {
      logger: this.options.logger,
      signal: this.abort.signal,
      retryCapMs: (err) => (isTransientFailure(err) ? TRANSIENT_RETRY_CAP_MS : undefined),
      ...(this.options.metrics ? { metrics: perProviderMetrics(this.options.metrics) } : {}),
    });
    return Promise.resolve();
  }

  /**
   * The helm worker starts with the first provider that has helm units, and its version is
   * checked then: a missing or wrong worker fails those providers (reported on their
   * descriptors) and leaves manifests-only providers alone; installations without helm
   * units never run it.
   */
  private ensureHelm(): Promise<void> {
    this.helmStarted ??= this.helm.start().then(
      (version) => {
        this.options.logger.info({ helm: version, worker: this.helm.helm.path }, "helm worker started");
      },
      (err: unknown) => {
        this.helmStarted = undefined;
        throw err;
      },
    );
    return this.helmStarted;
  }

  reconcile(request: Request, signal: AbortSignal): Promise<Result> {
    const served = this.served.get(request.provider);
    // A provider that was unloaded: its objects wait for it to come back.
    if (!served) return Promise.resolve({});
    return served.reconciler.reconcile(request, signal);
  }

  /**
   * Serves exactly `providers`: starts new and changed ones, stops removed
   * ones. A provider that fails to start (its CRDs rejected, say) is reported
   * in the returned map and does not affect the others.
   */
  async setProviders(providers: readonly Provider[]): Promise<Map<string, Error>> {
    const failures = new Map<string, Error>();
    const wanted = new Map(providers.map((p) => [p.compiled.name, p]));
    for (const [name, served] of this.served) {
      const next = wanted.get(name);
      if (!next || fingerprint(next) !== served.fingerprint) await this.unserve(name);
    }
    for (const provider of providers) {
      if (this.served.has(provider.compiled.name)) continue;
      try {
        await this.serve(provider);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        failures.set(provider.compiled.name, error);
        // Reported (and retried) by the caller: the descriptor source logs it once per change.
        this.options.logger.debug(
          { provider: provider.compiled.name, err: error },
          "provider failed to start",
        );
      }
    }
    return failures;
  }

  private async serve(provider: Provider): Promise<void> {
    const { platform, onboarding, logger } = this.options;
    const name = provider.compiled.name;
    if (provider.compiled.units.some((u) => u.type === "helm")) await this.ensureHelm();
    if (!this.options.openmcp)
      await installCrds(provider.compiled, {
        onboarding: KubeClient.for(onboarding),
        platform: KubeClient.for(platform),
      });
    const configStatus = new ConfigStatusWriter({
      compiled: provider.compiled,
      platform: KubeClient.for(platform),
      recorder: this.platformRecorder,
      logger: logger.child({ provider: name, component: "config-status" }),
    });
    const controller = new ProviderController(
      provider,
      { platform, onboarding },
      {
        enqueue: (key, reason) => {
          this.wake(key, reason);
        },
        configSeen: (config) => {
          void configStatus.seen(config);
        },
      },
      logger,
    );
    const reconciler = new ProviderReconciler({
      provider,
      onboarding: KubeClient.for(onboarding),
      configs: controller.configs(),
      apiObjects: controller.apiObjects(),
      access: this.access,
      platform,
      plugins: this.plugins,
      recorder: this.recorder,
      logger: logger.child({ provider: name }),
      ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
      watchTargets: (key, deployed) => {
        this.targets.track(key, deployed);
      },
      targetCache: (key, target) => this.targets.view(key, target),
      watchReferences: (key, refs) => {
        this.references.track(key, refs);
      },
      liveObjects: async (scope, ref) => {
        const cached = this.live.cached(scope.kubeconfig, ref);
        if (cached !== "unknown") return cached as Record<string, unknown> | undefined;
        return await KubeClient.for(scope.kubeconfig).get(ref);
      },
      watchLive: (key, read) => {
        this.live.track(key, read);
      },
      platformObjects: async (ref) =>
        this.references.cached(ref) ?? (await KubeClient.for(this.options.platform).get(ref)),
      settled: this.settled,
      ...(this.mcpAccess ? { openmcp: this.mcpAccess } : {}),
      forget: (key) => {
        this.targets.untrack(key);
        this.references.untrack(key);
        this.live.untrack(key);
        this.mcpAccess?.forget(key);
        const owner = parseRequestKey(key);
        for (const plugin of Object.values(this.plugins)) plugin.forget?.(owner);
      },
    });
    // Served before its informers start: their first adds are reconciled, not dropped as unknown.
    this.served.set(name, { controller, reconciler, fingerprint: fingerprint(provider) });
    try {
      await controller.start();
    } catch (err) {
      this.served.delete(name);
      await controller.stop();
      throw err;
    }
    logger.info({ provider: name, source: provider.source }, "serving provider");
  }

  private async unserve(name: string): Promise<void> {
    const served = this.served.get(name);
    if (!served) return;
    this.served.delete(name);
    await served.controller.stop();
    this.options.logger.info({ provider: name }, "stopped serving provider");
  }

  providers(): string[] {
    return [...this.served.keys()];
  }

  /** All informers listed at least once. */
  hasSynced(): boolean {
    return [...this.served.values()].every((s) => s.controller.hasSynced());
  }

  /** What the engine watches and remembers of targets and platform references (tests, diagnostics). */
  watches(): { targets: ReturnType<TargetCaches["size"]>; references: number; kubeconfigs: number } {
    return {
      targets: this.targets.size(),
      references: this.references.size(),
      kubeconfigs: this.access.size,
    };
  }

  /** Enqueue every object of every provider (a referenced Secret changed, a forced resync). */
  enqueueAll(): void {
    for (const s of this.served.values()) s.controller.enqueueAll();
  }

  /** Graceful: in-flight reconciles finish (each writes its status once), then informers stop. */
  async stop(): Promise<void> {
    await this.queue.shutDownWithDrain();
    this.abort.abort();
    await this.workers;
    await Promise.all([...this.served.keys()].map((n) => this.unserve(n)));
    this.mcpAccess?.stop();
    await Promise.all([this.targets.stop(), this.references.stop(), this.live.stop(), this.helm.stop()]);
    this.kubeconfigs?.close();
    this.stopCountingRequests();
  }
}

/** controller-runtime labels reconcile metrics by controller: here, the provider the key belongs to. */
function perProviderMetrics(metrics: SpeMetrics): ReconcileMetrics {
  const byProvider = new Map<string, ReconcileMetrics>();
  return {
    reconciled(outcome, seconds, key = "") {
      const provider = key.split("/", 1)[0] || "unknown";
      let m = byProvider.get(provider);
      if (!m) {
        m = metrics.reconcileMetrics(provider);
        byProvider.set(provider, m);
      }
      m.reconciled(outcome, seconds, key);
    },
  };
}

function fingerprint(provider: Provider): string {
  return JSON.stringify({ d: provider.compiled.descriptor, dir: provider.baseDir });
}
