/**
 * Kubernetes Events (core/v1) for the objects spe manages, with client-go's
 * de-duplication: an identical event within the window bumps `count` on the
 * existing Event instead of creating another. Recording never throws into the
 * reconcile that asked for it: failures are logged and the event is dropped.
 */
import type { Logger } from "pino";
import { KubeClient, isNotFound } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { type Condition, conditionTransitions, transitionEvent } from "./conditions.js";
import { type Clock, systemClock } from "../queue/ratelimiter.js";

export type EventType = "Normal" | "Warning";

/** Just what an Event needs to point at its object. */
export interface InvolvedObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
  };
}

export interface EventRecorderOptions {
  /** The cluster the involved objects live on (onboarding for API objects, platform for configs). */
  kubeConfig: KubeConfig;
  /** source.component and reportingComponent; "spe" by default. */
  component?: string;
  /** reportingInstance and source.host, e.g. the pod name. */
  instance?: string;
  logger?: Logger;
  clock?: Clock;
  /** Identical events closer together than this are merged; 10 minutes by default. */
  aggregationWindowMs?: number;
  /** How many distinct recent events are remembered; oldest go first. */
  cacheSize?: number;
}

interface EventData {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

/** The core/v1 Event fields spe writes. */
interface EventBody {
  apiVersion: "v1";
  kind: "Event";
  metadata: { name: string; namespace: string };
  involvedObject: Record<string, string | undefined>;
  type: EventType;
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
}

interface Seen {
  readonly name: string;
  readonly namespace: string;
  count: number;
  lastSeen: number;
}

/** The apiserver rejects longer messages on events.k8s.io; keep core/v1 events within the same bound. */
const MAX_MESSAGE = 1024;
const MAX_NAME = 253 - 17;

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly seen = new Map<string, Seen>();
  private readonly pending = new Map<string, Promise<void>>();
  private sequence = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.client = KubeClient.for(options.kubeConfig);
    this.clock = options.clock ?? systemClock;
  }

  /** Record an event; the promise always resolves (awaiting it is optional). */
  event(obj: InvolvedObject, type: EventType, reason: string, message: string): Promise<void> {
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    const key = aggregationKey(obj, type, reason, text);
    // One request at a time per key, so two identical events cannot both create.
    const previous = this.pending.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.record(key, obj, { type, reason, message: text }));
    this.pending.set(key, next);
    return next.finally(() => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    });
  }

  /** The events the condition transitions between two status snapshots deserve (transitionEvent). */
  async conditionEvents(
    obj: InvolvedObject,
    previous: readonly Condition[],
    current: readonly Condition[],
  ): Promise<void> {
    const events = conditionTransitions(previous, current).flatMap((t) => transitionEvent(t) ?? []);
    await Promise.all(events.map((e) => this.event(obj, e.type, e.reason, e.message)));
  }

  private async record(key: string, obj: InvolvedObject, data: EventData): Promise<void> {
    const now = this.clock.now();
    const seen = this.seen.get(key);
    try {
      if (seen && now - seen.lastSeen < (this.options.aggregationWindowMs ?? 600_000)) {
        const bumped = await this.bump(seen, now);
        if (bumped) return;
      }
      this.remember(key, await this.create(obj, now, data));
    } catch (err) {
      this.options.logger?.warn(
        { err, kind: obj.kind, name: obj.metadata?.name, reason: data.reason },
        "could not record event; dropping it",
      );
    }
  }

  /** False when the Event is gone (expired or deleted), so a fresh one is created. */
  private async bump(seen: Seen, now: number): Promise<boolean> {
    try {
      await this.client.send({
        method: "PATCH",
        path: `${eventsPath(seen.namespace)}/${encodeURIComponent(seen.name)}`,
        body: { count: seen.count + 1, lastTimestamp: new Date(now).toISOString() },
        contentType: "application/merge-patch+json",
      });
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    seen.count++;
    seen.lastSeen = now;
    return true;
  }

  private async create(obj: InvolvedObject, now: number, data: EventData): Promise<Seen> {
    const meta = obj.metadata ?? {};
    // Events about cluster-scoped objects live in "default", as client-go puts them.
    const namespace = meta.namespace || "default";
    const name = `${(meta.name ?? "unknown").slice(0, MAX_NAME)}.${this.suffix(now)}`;
    const component = this.options.component ?? "spe";
    const timestamp = new Date(now).toISOString();
    const body: EventBody = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      ...data,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: { component, host: this.options.instance },
      reportingComponent: component,
      reportingInstance: this.options.instance ?? "",
    };
    await this.client.send({ method: "POST", path: eventsPath(namespace), body });
    return { name, namespace, count: 1, lastSeen: now };
  }

  private remember(key: string, seen: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, seen);
    const limit = this.options.cacheSize ?? 4096;
    for (const oldest of this.seen.keys()) {
      if (this.seen.size <= limit) break;
      this.seen.delete(oldest);
    }
  }

  /** client-go names events "<object>.<unix nanos in hex>"; a sequence keeps same-millisecond names apart. */
  private suffix(now: number): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    return (BigInt(now) * 1_000_000n + BigInt(this.sequence)).toString(16);
  }
}

function eventsPath(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
}

function aggregationKey(obj: InvolvedObject, type: EventType, reason: string, message: string): string {
  const meta = obj.metadata ?? {};
  return JSON.stringify([obj.kind, meta.namespace, meta.name, meta.uid, type, reason, message]);
}
