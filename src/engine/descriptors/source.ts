/**
 * The engine's descriptor source: descriptor files and ConfigMaps, reloaded
 * whenever they change. Each reload hands the full set of servable providers
 * to `onChange` (which passes them to Engine.setProviders) and reports every
 * origin's state. A broken origin never stops the others; one that was valid
 * before keeps its last valid version serving (docs/adr/0002).
 */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { Logger } from "pino";
import { hasErrors, type Issue } from "../../descriptor/index.js";
import { KubeClient } from "../../kube/client.js";
import { ConfigMapWatch } from "./configmaps.js";
import { FilePoller, scanPaths } from "./files.js";
import { configMapOrigin, fileOrigin, type Origin } from "./origin.js";
import { selectProviders } from "./select.js";
import { StatusReporter } from "./serving-report.js";
import { componentLogger } from "../runtime/logger.js";
import { EventRecorder } from "../status/events.js";
import type { Provider } from "./provider.js";

export interface DescriptorSourceOptions {
  /** Descriptor files and directories (--descriptors). */
  paths?: readonly string[];
  /** Descriptor ConfigMaps in this namespace of the platform cluster (--descriptor-namespace). */
  configMaps?: { kubeConfig: KubeConfig; namespace: string; instance?: string };
  /** Serve only the descriptor of this name (openMCP's --provider-name). */
  providerName?: string;
  /** Receives the full set to serve; returns the providers that failed to start. */
  onChange(providers: Provider[]): Promise<Map<string, Error>>;
  logger: Logger;
  /** How often files are checked for changes; 2 s by default. */
  pollIntervalMs?: number;
  /** Changes closer together than this make one reload; 200 ms by default. */
  debounceMs?: number;
}

/** One origin in one reload: what it offers to serve and what is wrong with it. */
interface Planned {
  readonly origin: Origin;
  providers: readonly Provider[];
  /** Serving the last valid version, not the current one. */
  stale: boolean;
  issues: Issue[];
}

const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 300_000;

export class DescriptorSource {
  private readonly reporter: StatusReporter;
  private readonly watch: ConfigMapWatch | undefined;
  private readonly poller: FilePoller | undefined;
  private readonly lastGood = new Map<string, readonly Provider[]>();
  private served = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;
  private loadedOnce = false;
  private retryMs = RETRY_MIN_MS;

  constructor(private readonly options: DescriptorSourceOptions) {
    const schedule = (): void => {
      this.schedule(options.debounceMs ?? 200);
    };
    const cms = options.configMaps;
    const logger = componentLogger(options.logger, "descriptor-source");
    this.watch = cms && new ConfigMapWatch(cms.kubeConfig, cms.namespace, logger, schedule);
    const paths = options.paths ?? [];
    this.poller =
      paths.length > 0 ? new FilePoller(paths, options.pollIntervalMs ?? 2_000, schedule) : undefined;
    const platform = cms && {
      client: KubeClient.for(cms.kubeConfig),
      recorder: new EventRecorder({
        kubeConfig: cms.kubeConfig,
        logger,
        ...(cms.instance ? { instance: cms.instance } : {}),
      }),
    };
    this.reporter = new StatusReporter({ logger, ...(platform ? { platform } : {}) });
  }

  /** Loads everything once (after the ConfigMaps are listed), then keeps watching. */
  async start(): Promise<void> {
    // The poller's first look comes before the first load, so no edit falls between them.
    await this.poller?.start();
    await this.watch?.start();
    if (this.stopped) return;
    this.running = this.reload();
    await this.running;
    this.running = undefined;
    if (this.dirty) this.kick();
  }

  /** True once the first load has been handed over. */
  loaded(): boolean {
    return this.loadedOnce;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.poller?.stop();
    await this.running;
    await this.watch?.stop();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.kick();
    }, delayMs);
  }

  /** Reloads are serialized: a change during a reload makes one more reload after it. */
  private kick(): void {
    if (this.stopped) return;
    if (this.running || !this.loadedOnce) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.running = this.reload().finally(() => {
      this.running = undefined;
      if (this.dirty) this.kick();
    });
  }

  private async reload(): Promise<void> {
    try {
      const origins = (await this.collect()).filter((o) => this.isOurs(o));
      const planned = this.plan(origins);
      const failed = await this.serve(planned);
      this.remember(planned, origins);
      await Promise.all(planned.map((p) => this.reporter.report(reportOf(p))));
      this.retryAfter(failed);
    } catch (err) {
      this.options.logger.error({ err }, "descriptor reload failed");
      this.retryAfter(true);
    } finally {
      this.loadedOnce = true;
    }
  }

  private async collect(): Promise<Origin[]> {
    const files = await scanPaths(this.options.paths ?? []);
    const fromFiles = await Promise.all(files.map((f) => fileOrigin(f)));
    const fromConfigMaps = (this.watch?.list() ?? []).map((cm) => configMapOrigin(cm));
    return [...fromFiles.filter((o): o is Origin => o !== undefined), ...fromConfigMaps];
  }

  /** With --provider-name, other descriptors belong to other instances: not served, not reported. */
  private isOurs(origin: Origin): boolean {
    const only = this.options.providerName;
    return only === undefined || origin.names.includes(only);
  }

  private plan(origins: readonly Origin[]): Planned[] {
    const only = this.options.providerName;
    const planned = origins.map((origin): Planned => {
      const last = this.lastGood.get(origin.id);
      const issues = [...origin.issues];
      if (hasErrors(issues) && last) return { origin, providers: last, stale: true, issues };
      const providers = origin.providers.filter((p) => only === undefined || p.compiled.name === only);
      return { origin, providers, stale: false, issues };
    });
    const candidates = planned.map((p) => ({
      id: p.origin.id,
      order: p.origin.order,
      providers: p.providers,
    }));
    const { rejected } = selectProviders(candidates, this.served);
    for (const p of planned) {
      const why = rejected.get(p.origin.id);
      if (why === undefined) continue;
      p.issues.push(...why);
      p.providers = [];
      p.stale = false;
    }
    return planned;
  }

  /** Hands the set over; origins whose new version fails to start fall back to their last valid one. */
  private async serve(planned: Planned[]): Promise<boolean> {
    const failures = await this.options.onChange(planned.flatMap((p) => p.providers));
    const failing = planned.filter((p) => p.providers.some((pr) => failures.has(pr.compiled.name)));
    for (const p of failing) p.issues.push(...startIssues(p.providers, failures));
    const fallback = failing.filter((p) => !p.stale && this.lastGood.has(p.origin.id));
    for (const p of failing) {
      p.providers = fallback.includes(p) ? (this.lastGood.get(p.origin.id) ?? []) : [];
      p.stale = fallback.includes(p);
    }
    if (fallback.length === 0) return failing.length > 0;
    const again = await this.options.onChange(planned.flatMap((p) => p.providers));
    for (const p of fallback) {
      if (p.providers.some((pr) => again.has(pr.compiled.name))) p.providers = [];
    }
    return true;
  }

  private remember(planned: readonly Planned[], origins: readonly Origin[]): void {
    for (const p of planned) {
      if (!p.stale && !hasErrors(p.issues) && p.providers.length > 0)
        this.lastGood.set(p.origin.id, p.providers);
    }
    const present = new Set(origins.map((o) => o.id));
    for (const id of [...this.lastGood.keys()]) {
      if (present.has(id)) continue;
      this.lastGood.delete(id);
      this.reporter.forget(id);
    }
    this.served = new Set(planned.filter((p) => p.providers.length > 0).map((p) => p.origin.id));
  }

  /** Providers that failed to start (a transient apiserver error, say) are retried with backoff. */
  private retryAfter(failed: boolean): void {
    clearTimeout(this.retryTimer);
    if (!failed) {
      this.retryMs = RETRY_MIN_MS;
      return;
    }
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.kick();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}

function startIssues(providers: readonly Provider[], failures: Map<string, Error>): Issue[] {
  return providers.flatMap((p): Issue[] => {
    const err = failures.get(p.compiled.name);
    if (err === undefined) return [];
    const message = `provider "${p.compiled.name}" failed to start: ${err.message}`;
    return [{ code: "start-failed", path: [], message, severity: "error", file: p.source, line: 1, col: 1 }];
  });
}

function reportOf(p: Planned): Parameters<StatusReporter["report"]>[0] {
  const serving = p.providers.map((pr) => pr.compiled.name);
  return {
    id: p.origin.id,
    ...(p.origin.configMap ? { configMap: p.origin.configMap } : {}),
    state: hasErrors(p.issues) ? "Invalid" : "Serving",
    issues: p.issues,
    serving,
    ...(p.stale ? { keptLastGood: serving } : {}),
  };
}
