/**
 * The operator process, wired: metrics → ops server (/healthz, /readyz,
 * /metrics) → leader election (optional) → engine → descriptor source. Used
 * by `spe run` and, in-process, by the e2e tests.
 */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { Logger } from "pino";
import type { HelmPluginOptions } from "../../plugins/helm/index.js";
import { DescriptorSource } from "../descriptors/source.js";
import { Engine } from "./engine.js";
import { startOpsServer, type HealthCheck, type OpsServer } from "./http.js";
import { LeaderElector, type LeaderElectionOptions } from "./leader.js";
import { createMetrics, type SpeMetrics } from "./metrics.js";
import { MetricsAuthorizer } from "./metrics-auth.js";
import { KubeClient } from "../../kube/client.js";

export interface RuntimeConfig {
  platform: KubeConfig;
  onboarding: KubeConfig;
  logger: Logger;
  descriptors?: readonly string[];
  descriptorNamespace?: string;
  providerName?: string;
  workers?: number;
  /** How long a converged object goes without a full reconcile (ms); the engine's default otherwise. */
  syncPeriodMs?: number;
  /**
   * Where /metrics, /healthz and /readyz are served; two addresses start two servers. Port 0
   * picks one. A `secure` one speaks TLS and serves /metrics only to callers the platform
   * cluster authenticates and allows `get` on it (metrics-auth.ts).
   */
  ops: readonly { host?: string; port: number; secure?: { cert: Buffer; key: Buffer } }[];
  /** Lease settings; absent means no leader election. */
  leaderElection?: Omit<
    LeaderElectionOptions,
    "kubeConfig" | "logger" | "onStartedLeading" | "onStoppedLeading"
  >;
  helm?: HelmPluginOptions;
  /** Pod name or similar, for Events. */
  instance?: string;
  /** How often descriptor files are checked for changes. */
  pollIntervalMs?: number;
  /** Process metrics (CPU, memory) in /metrics; on by default, tests turn them off. */
  processMetrics?: boolean;
  /** openMCP mode (see EngineOptions.openmcp). */
  openmcp?: { controller: string };
}

/** Why a runtime ended on its own; the process should exit with `code`. */
export interface RuntimeExit {
  code: number;
  reason: string;
}

export interface Runtime {
  /** Ports of the ops servers, in the order of `ops`. */
  readonly opsPorts: readonly number[];
  readonly metrics: SpeMetrics;
  /** Resolves if the runtime ends without stop(): leadership lost, or the engine failed to start while leading. */
  readonly exited: Promise<RuntimeExit>;
  /** The engine, once this instance serves (immediately without leader election). */
  engine(): Engine | undefined;
  /** Graceful: descriptor source, engine (in-flight reconciles drain), lease release, ops servers. */
  stop(): Promise<void>;
}

class Wiring {
  engine: Engine | undefined;
  source: DescriptorSource | undefined;
  elector: LeaderElector | undefined;
  serving: Promise<void> | undefined;
  stopping = false;
  exit: (e: RuntimeExit) => void = () => undefined;

  constructor(
    readonly config: RuntimeConfig,
    readonly metrics: SpeMetrics,
  ) {}

  /** Serving is what readiness is about; a standby (or a not-yet leader) is ready as a standby. */
  active(): boolean {
    return this.config.leaderElection === undefined || (this.elector?.isLeader() ?? false);
  }

  readyChecks(): HealthCheck[] {
    return [
      { name: "descriptors-loaded", check: () => !this.active() || (this.source?.loaded() ?? false) },
      { name: "informers-synced", check: () => !this.active() || (this.engine?.hasSynced() ?? false) },
      { name: "leader-election", check: () => !this.stopping },
    ];
  }

  async serve(): Promise<void> {
    const { config } = this;
    const engine = new Engine({
      platform: config.platform,
      onboarding: config.onboarding,
      logger: config.logger,
      metrics: this.metrics,
      ...(config.workers === undefined ? {} : { workers: config.workers }),
      ...(config.syncPeriodMs === undefined ? {} : { syncPeriodMs: config.syncPeriodMs }),
      ...(config.helm ? { helm: config.helm } : {}),
      ...(config.instance ? { instance: config.instance } : {}),
      ...(config.openmcp ? { openmcp: config.openmcp } : {}),
    });
    this.engine = engine;
    await engine.start();
    const namespace = config.descriptorNamespace;
    this.source = new DescriptorSource({
      paths: config.descriptors ?? [],
      ...(namespace === undefined
        ? {}
        : { configMaps: { kubeConfig: config.platform, namespace, ...instanceOf(config) } }),
      ...(config.providerName === undefined ? {} : { providerName: config.providerName }),
      ...(config.pollIntervalMs === undefined ? {} : { pollIntervalMs: config.pollIntervalMs }),
      onChange: (providers) => engine.setProviders(providers),
      logger: config.logger,
    });
    if (this.stopping) return;
    await this.source.start();
  }

  campaign(options: NonNullable<RuntimeConfig["leaderElection"]>): void {
    const { logger } = this.config;
    this.elector = new LeaderElector({
      ...options,
      kubeConfig: this.config.platform,
      logger,
      onStartedLeading: () => {
        this.serving = this.serve().catch((err: unknown) => {
          logger.error({ err }, "engine failed to start");
          this.exit({ code: 1, reason: "engine failed to start" });
        });
      },
      // controller-runtime exits when leadership is lost: a fresh process campaigns again cleanly.
      onStoppedLeading: () => {
        if (!this.stopping) this.exit({ code: 1, reason: "leader election lost" });
      },
    });
    void this.elector.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.serving?.catch(() => undefined);
    await this.source?.stop();
    await this.engine?.stop();
    // Only now hand the lease over: the next leader must not reconcile beside our draining workers.
    await this.elector?.stop();
  }
}

function instanceOf(config: RuntimeConfig): { instance?: string } {
  return config.instance === undefined ? {} : { instance: config.instance };
}

async function startServers(wiring: Wiring): Promise<OpsServer[]> {
  const servers: OpsServer[] = [];
  const authorizer = new MetricsAuthorizer(KubeClient.for(wiring.config.platform));
  for (const addr of wiring.config.ops) {
    servers.push(
      await startOpsServer({
        port: addr.port,
        ...(addr.host === undefined ? {} : { host: addr.host }),
        registry: wiring.metrics.registry,
        ...(addr.secure
          ? {
              tls: addr.secure,
              metricsAuth: (authorization: string | undefined, path: string) =>
                authorizer.decide(authorization, path),
            }
          : {}),
        healthChecks: [{ name: "ping", check: () => true }],
        readyChecks: wiring.readyChecks(),
      }),
    );
  }
  return servers;
}

export async function startRuntime(config: RuntimeConfig): Promise<Runtime> {
  const metrics = createMetrics({ processMetrics: config.processMetrics ?? true });
  const wiring = new Wiring(config, metrics);
  const exited = new Promise<RuntimeExit>((resolve) => {
    wiring.exit = resolve;
  });
  const servers = await startServers(wiring);
  const closeServers = (): Promise<unknown> => Promise.all(servers.map((s) => s.close()));
  if (config.leaderElection) wiring.campaign(config.leaderElection);
  else {
    wiring.serving = wiring.serve();
    try {
      await wiring.serving;
    } catch (err) {
      await wiring.stop().catch(() => undefined);
      await closeServers();
      throw err;
    }
  }
  return {
    opsPorts: servers.map((s) => s.port),
    metrics,
    exited,
    engine: () => wiring.engine,
    stop: async () => {
      await wiring.stop();
      await closeServers();
    },
  };
}
