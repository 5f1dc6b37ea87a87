/**
 * metav1.Condition helpers for spe's status (pure). Conditions are set through
 * named constructors (kro style), Ready is computed only by summarizeReady
 * (Flux style), and events come from conditionTransitions, not from call sites.
 */

export type ConditionStatus = "True" | "False" | "Unknown";

/** metav1.Condition. */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly observedGeneration?: number;
  /** RFC 3339, seconds precision (metav1.Time). */
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

/** A condition as a reconcile states it; setCondition supplies the transition time. */
export type ConditionInput = Omit<Condition, "lastTransitionTime">;

export const ConditionType = {
  Ready: "Ready",
  ConfigResolved: "ConfigResolved",
  TargetReachable: "TargetReachable",
  Deployed: "Deployed",
  ResourcesReady: "ResourcesReady",
  /** openMCP's: True while end users still have DomainServiceAPI objects. */
  DeletionBlocked: "DeletionBlocked",
} as const;

/** Ready's reasons are openMCP's; the others are spe's. */
export const Reason = {
  ReconcileSuccess: "ReconcileSuccess",
  ReconcileError: "ReconcileError",
  Terminating: "Terminating",
  ConfigResolved: "ConfigResolved",
  ConfigNotFound: "ConfigNotFound",
  TargetReachable: "TargetReachable",
  TargetUnreachable: "TargetUnreachable",
  DeploySucceeded: "DeploySucceeded",
  DeployFailed: "DeployFailed",
  /** Objects the apiserver refused; the unit's other objects were applied. */
  ApplyFailed: "ApplyFailed",
  /** Work for newer inputs (spec generation, config) than the status showed Ready for has begun. */
  Progressing: "Progressing",
  ResourcesReady: "ResourcesReady",
  ResourcesNotReady: "ResourcesNotReady",
  /** A unit waits for a live value (unit.live) that is not there yet. */
  LiveValuePending: "LiveValuePending",
  UserResourcesPresent: "UserResourcesPresent",
  /** Whether users' objects exist cannot be told (discovery or a list failed, a kind is defined but not served). */
  UserResourcesUnknown: "UserResourcesUnknown",
  /** A CRD of the DomainService could not be deleted. */
  CRDDeletionFailed: "CRDDeletionFailed",
  NoUserResources: "NoUserResources",
} as const;

export type Phase = "Ready" | "Progressing" | "Terminating";

/** The positive sub-conditions Ready summarises, in the order a reconcile establishes them. */
export const READY_DEPENDS_ON: readonly string[] = [
  ConditionType.ConfigResolved,
  ConditionType.TargetReachable,
  ConditionType.Deployed,
  ConditionType.ResourcesReady,
];

function cond(type: string, status: ConditionStatus, reason: string, message: string): ConditionInput {
  return { type, status, reason, message };
}

export const configResolved = (message = "ServiceProviderConfig resolved"): ConditionInput =>
  cond(ConditionType.ConfigResolved, "True", Reason.ConfigResolved, message);
export const configNotResolved = (message: string, reason: string = Reason.ConfigNotFound): ConditionInput =>
  cond(ConditionType.ConfigResolved, "False", reason, message);
export const targetReachable = (message = "Target cluster reachable"): ConditionInput =>
  cond(ConditionType.TargetReachable, "True", Reason.TargetReachable, message);
export const targetUnreachable = (
  message: string,
  reason: string = Reason.TargetUnreachable,
): ConditionInput => cond(ConditionType.TargetReachable, "False", reason, message);
export const deployed = (message = "All deploy units applied"): ConditionInput =>
  cond(ConditionType.Deployed, "True", Reason.DeploySucceeded, message);
export const deployFailed = (message: string, reason: string = Reason.DeployFailed): ConditionInput =>
  cond(ConditionType.Deployed, "False", reason, message);
/** Deployed is not known for the new inputs yet: what was deployed is for older ones. */
export const deployProgressing = (message: string): ConditionInput =>
  cond(ConditionType.Deployed, "Unknown", Reason.Progressing, message);
export const resourcesReady = (message = "All deployed resources are ready"): ConditionInput =>
  cond(ConditionType.ResourcesReady, "True", Reason.ResourcesReady, message);
export const resourcesNotReady = (
  message: string,
  reason: string = Reason.ResourcesNotReady,
): ConditionInput => cond(ConditionType.ResourcesReady, "False", reason, message);
export const deletionBlocked = (
  message: string,
  reason: string = Reason.UserResourcesPresent,
): ConditionInput => cond(ConditionType.DeletionBlocked, "True", reason, message);
export const deletionNotBlocked = (message = "No user resources left"): ConditionInput =>
  cond(ConditionType.DeletionBlocked, "False", Reason.NoUserResources, message);

export function findCondition(list: readonly Condition[], type: string): Condition | undefined {
  return list.find((c) => c.type === type);
}

export function isConditionTrue(list: readonly Condition[], type: string): boolean {
  return findCondition(list, type)?.status === "True";
}

/** metav1.Time drops sub-second precision; keep what the apiserver would store so round-trips compare equal. */
export function metaTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * A new list with `input` set. lastTransitionTime changes only when the status
 * does (meta.SetStatusCondition); Ready is kept first, the others keep their place.
 */
export function setCondition(list: readonly Condition[], input: ConditionInput, now: Date): Condition[] {
  const existing = findCondition(list, input.type);
  const lastTransitionTime =
    existing && existing.status === input.status ? existing.lastTransitionTime : metaTime(now);
  const next: Condition = { ...input, lastTransitionTime };
  if (existing) return list.map((c) => (c.type === input.type ? next : c));
  return input.type === ConditionType.Ready ? [next, ...list] : [...list, next];
}

export function removeCondition(list: readonly Condition[], type: string): Condition[] {
  return list.filter((c) => c.type !== type);
}

export interface ReadySummary {
  readonly ready: ConditionInput;
  readonly phase: Phase;
}

export interface SummarizeOptions {
  /** metadata.deletionTimestamp is set. */
  readonly deleting?: boolean;
  /** metadata.generation, recorded as Ready's observedGeneration. */
  readonly generation?: number;
  /** Sub-conditions that must all be True; READY_DEPENDS_ON by default. */
  readonly dependsOn?: readonly string[];
}

/**
 * The one place Ready and the phase are decided. Deleting ⇒ Terminating (with
 * DeletionBlocked's message if set); all sub-conditions True ⇒ Ready; otherwise
 * Progressing, naming the first sub-condition (in reconcile order) that is not True.
 */
export function summarizeReady(list: readonly Condition[], options: SummarizeOptions = {}): ReadySummary {
  const generation = options.generation === undefined ? {} : { observedGeneration: options.generation };
  if (options.deleting) {
    const blocked = findCondition(list, ConditionType.DeletionBlocked);
    const message = blocked?.status === "True" ? blocked.message : "Deleting";
    return {
      ready: { ...cond(ConditionType.Ready, "False", Reason.Terminating, message), ...generation },
      phase: "Terminating",
    };
  }
  for (const type of options.dependsOn ?? READY_DEPENDS_ON) {
    const sub = findCondition(list, type);
    if (sub?.status === "True") continue;
    const detail = sub ? `${sub.reason}: ${sub.message}` : "not yet observed";
    return {
      ready: {
        ...cond(ConditionType.Ready, "False", Reason.ReconcileError, `${type} ${detail}`),
        ...generation,
      },
      phase: "Progressing",
    };
  }
  return {
    ready: {
      ...cond(ConditionType.Ready, "True", Reason.ReconcileSuccess, "Reconcile succeeded"),
      ...generation,
    },
    phase: "Ready",
  };
}

export interface ConditionTransition {
  readonly type: string;
  /** Undefined when the condition is new. */
  readonly previous?: Condition;
  /** Undefined when the condition was removed. */
  readonly current?: Condition;
}

/** Conditions whose status or reason changed, appeared or disappeared. Message-only changes are not transitions. */
export function conditionTransitions(
  previous: readonly Condition[],
  current: readonly Condition[],
): ConditionTransition[] {
  const changes: ConditionTransition[] = [];
  for (const now of current) {
    const before = findCondition(previous, now.type);
    if (!before) changes.push({ type: now.type, current: now });
    else if (before.status !== now.status || before.reason !== now.reason) {
      changes.push({ type: now.type, previous: before, current: now });
    }
  }
  for (const before of previous) {
    if (!findCondition(current, before.type)) changes.push({ type: before.type, previous: before });
  }
  return changes;
}

export interface TransitionEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/** Whether a condition's status is the bad one: False, except DeletionBlocked (openMCP's one abnormal-when-True). */
function isBad(c: Condition): boolean {
  return c.status === (c.type === ConditionType.DeletionBlocked ? "True" : "False");
}

/**
 * The Event a transition deserves, if any. Events mark what a user would want to be told:
 * a condition going bad (Warning), one recovering (Normal), the object becoming Ready
 * (Normal). Not every first appearance: a new object passing through ConfigResolved,
 * TargetReachable and Deployed, or waiting for its resources, is the normal course, and an
 * Event each (seven per object before) costs the apiserver a write per object and buries
 * the ones that matter. Ready going False repeats the sub-condition that went bad, so it
 * is left to that one; a healthy new object gets one Event, Ready.
 */
export function transitionEvent(transition: ConditionTransition): TransitionEvent | undefined {
  const { current, previous } = transition;
  if (!current) return undefined;
  const message = `${current.type}=${current.status}: ${current.message}`;
  if (current.type === ConditionType.Ready) {
    if (current.status !== "True") return undefined;
    return { type: "Normal", reason: current.reason, message };
  }
  if (isBad(current)) {
    // Resources that were never ready yet are being waited for; ones that were ready and went are news.
    const waiting = current.type === ConditionType.ResourcesReady && previous?.status !== "True";
    return waiting ? undefined : { type: "Warning", reason: current.reason, message };
  }
  // Resources becoming ready is what Ready=True says (and waiting for them was no Warning).
  if (current.type === ConditionType.ResourcesReady) return undefined;
  return previous && isBad(previous) ? { type: "Normal", reason: current.reason, message } : undefined;
}
