/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go's
 * leaderelection package: acquire, renew every retry period, give up when a
 * renewal has not succeeded within the renew deadline, release on shutdown.
 * Expiry is judged by when *this* process last saw the lease change, never by
 * comparing clocks across machines.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { KubeClient, isNotFound } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ObjectMeta } from "../../kube/object.js";

export interface LeaderElectionOptions {
  /** The platform cluster. */
  kubeConfig: KubeConfig;
  namespace: string;
  /** Lease name, e.g. "spe-leader". */
  name: string;
  /** Unique per process, e.g. the pod name plus a random suffix. */
  identity: string;
  /** How long a lease stays valid without renewal; whole seconds. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up. Default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between attempts. Default 2 s. */
  retryPeriodMs?: number;
  /** Called once leadership is acquired; `signal` aborts when it is lost or released. */
  onStartedLeading?(signal: AbortSignal): void;
  /** Called after leadership ends. The caller should stop its controllers (controller-runtime exits). */
  onStoppedLeading?(): void;
  /** Called whenever a different holder is observed (including this process). */
  onNewLeader?(identity: string): void;
  logger?: Logger;
}

/** coordination.k8s.io/v1 LeaseSpec; times are MicroTime strings. */
interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: LeaseSpec;
}

/** MicroTime needs exactly six fractional digits; Date#toISOString gives three and the apiserver rejects it. */
function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/Z$/, "000Z");
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly stopping = new AbortController();
  private leading = false;
  private observedVersion = "";
  private observedAt = 0;
  private observedHolder = "";
  private running: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.client = KubeClient.for(options.kubeConfig);
    this.leaseMs = Math.max(1, Math.ceil((options.leaseDurationMs ?? 15_000) / 1000)) * 1000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    if (!(this.leaseMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryMs)) {
      throw new Error("leader election needs leaseDuration > renewDeadline > retryPeriod");
    }
  }

  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaign, lead, and resolve when leadership ends (lost, or released by stop())
   * or when stop() is called before it was ever acquired. Runs once per elector.
   */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /** Stop campaigning; a leader releases the lease so a successor need not wait for expiry. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    if (!(await this.acquire())) return;
    const leadership = new AbortController();
    this.leading = true;
    this.options.logger?.info({ identity: this.options.identity }, "acquired leadership");
    this.callback(() => this.options.onStartedLeading?.(leadership.signal));
    await this.renewUntilLost();
    this.leading = false;
    leadership.abort();
    if (this.stopped()) await this.release();
    this.options.logger?.info({ identity: this.options.identity }, "leadership ended");
    this.callback(() => this.options.onStoppedLeading?.());
  }

  private async acquire(): Promise<boolean> {
    while (!this.stopped()) {
      if (await this.tryAcquireOrRenew()) return true;
      // client-go's JitterUntil(…, 1.2): electors started together do not stay in lockstep.
      await this.pause(this.retryMs * (1 + Math.random() * 0.2));
    }
    return false;
  }

  private async renewUntilLost(): Promise<void> {
    let lastRenew = Date.now();
    while (!this.stopped()) {
      await this.pause(this.retryMs);
      if (this.stopped()) return;
      const deadline = lastRenew + this.renewDeadlineMs;
      const renewed = await this.withTimeout(this.tryAcquireOrRenew(), deadline - Date.now());
      if (renewed) lastRenew = Date.now();
      else if (Date.now() >= deadline) {
        this.options.logger?.warn(
          { identity: this.options.identity },
          "failed to renew lease; leadership lost",
        );
        return;
      }
    }
  }

  /** One attempt; any failure (conflict, network, someone else holds it) is just "not this time". */
  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      const lease = (await this.client.send({
        method: "GET",
        path: this.leasePath(this.options.name),
      })) as Lease;
      return await this.takeOver(lease);
    } catch (err) {
      if (isNotFound(err)) return this.create();
      this.options.logger?.debug({ err }, "lease read or update failed");
      return false;
    }
  }

  private leasePath(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  private async create(): Promise<boolean> {
    const { namespace, name } = this.options;
    try {
      const now = microTime();
      const body: Lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace },
        spec: this.spec(now, now, 0),
      };
      const created = (await this.client.send({ method: "POST", path: this.leasePath(), body })) as Lease;
      this.observe(created);
      return true;
    } catch (err) {
      this.options.logger?.debug({ err }, "lease create failed");
      return false;
    }
  }

  /** A PUT of the lease as read: its metadata.resourceVersion makes the update optimistic. */
  private async replace(lease: Lease, spec: LeaseSpec): Promise<Lease> {
    const body: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: lease.metadata,
      spec,
    };
    return (await this.client.send({
      method: "PUT",
      path: this.leasePath(this.options.name),
      body,
    })) as Lease;
  }

  private async takeOver(lease: Lease): Promise<boolean> {
    this.observe(lease);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const mine = holder === this.options.identity;
    const validMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder && !mine && this.observedAt + validMs > Date.now()) return false;
    const now = microTime();
    const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const acquired = mine && spec.acquireTime ? spec.acquireTime : now;
    // Of two electors updating the same version, one gets a 409 Conflict: "not this time".
    this.observe(await this.replace(lease, this.spec(acquired, now, transitions)));
    return true;
  }

  private spec(acquireTime: string, renewTime: string, leaseTransitions: number): LeaseSpec {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.leaseMs / 1000,
      acquireTime,
      renewTime,
      leaseTransitions,
    };
  }

  private observe(lease: Lease): void {
    const version = lease.metadata?.resourceVersion ?? "";
    if (version === this.observedVersion) return;
    this.observedVersion = version;
    this.observedAt = Date.now();
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder && holder !== this.observedHolder) this.callback(() => this.options.onNewLeader?.(holder));
    this.observedHolder = holder;
  }

  /** Hand the lease back (client-go's ReleaseOnCancel): empty holder, 1 s duration. */
  private async release(): Promise<void> {
    try {
      const lease = (await this.client.send({
        method: "GET",
        path: this.leasePath(this.options.name),
      })) as Lease;
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime();
      await this.replace(lease, {
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: lease.spec.leaseTransitions ?? 0,
      });
    } catch (err) {
      this.options.logger?.warn({ err }, "could not release lease; the next leader waits for it to expire");
    }
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  private async withTimeout(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    const timeout = sleep(Math.max(0, ms), false, { signal: this.stopping.signal, ref: false }).catch(
      () => false,
    );
    return Promise.race([attempt, timeout]);
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger?.error({ err }, "leader election callback threw");
    }
  }
}
