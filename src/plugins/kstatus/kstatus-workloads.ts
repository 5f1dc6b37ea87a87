/** kstatus rules for the built-in workload kinds, after sigs.k8s.io/cli-utils/pkg/kstatus. @internal */
import {
  condition,
  current,
  explain,
  failed,
  inProgress,
  isFalse,
  isTrue,
  num,
  obj,
  staleGeneration,
  str,
  type Json,
  type StatusResult,
} from "./kstatus-util.js";

/** The first unmet "have at least `want` of X" requirement, as a message. */
function shortOf(checks: [label: string, have: number, want: number][]): string | undefined {
  const miss = checks.find(([, have, want]) => have < want);
  return miss ? `${miss[0]}: ${miss[1]}/${miss[2]}` : undefined;
}

export function deploymentStatus(o: Json): StatusResult {
  const stale = staleGeneration(o, "Deployment");
  if (stale) return stale;
  const progressing = condition(o, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") return failed(explain(progressing));
  const spec = obj(o.spec);
  const st = obj(o.status);
  const want = num(spec.replicas, 1);
  const replicas = num(st.replicas);
  const updated = num(st.updatedReplicas);
  const short = shortOf([
    ["Replicas", replicas, want],
    ["Updated", updated, want],
    ["Available", num(st.availableReplicas), updated],
    ["Ready", num(st.readyReplicas), want],
  ]);
  if (short) return inProgress(short);
  if (replicas > updated) return inProgress(`Pending termination: ${replicas - updated}`);
  if (isFalse(o, "Available")) return inProgress("Deployment is not Available");
  return current(`Deployment is available. Replicas: ${replicas}`);
}

export function statefulSetStatus(o: Json): StatusResult {
  const stale = staleGeneration(o, "StatefulSet");
  if (stale) return stale;
  const spec = obj(o.spec);
  const st = obj(o.status);
  const want = num(spec.replicas, 1);
  const strategy = obj(spec.updateStrategy);
  if (strategy.type === "OnDelete") return current("StatefulSet is using the OnDelete strategy");
  const partition = num(obj(strategy.rollingUpdate).partition);
  const short = shortOf([
    ["Replicas", num(st.replicas), want],
    ["Ready", num(st.readyReplicas), want],
    ["Updated", num(st.updatedReplicas), want - partition],
  ]);
  if (short) return inProgress(short);
  if (partition === 0 && str(st.currentRevision) !== str(st.updateRevision)) {
    return inProgress(`Waiting for rollout to revision ${str(st.updateRevision) ?? "?"}`);
  }
  return current(`All replicas scheduled as expected. Replicas: ${num(st.replicas)}`);
}

export function daemonSetStatus(o: Json): StatusResult {
  const stale = staleGeneration(o, "DaemonSet");
  if (stale) return stale;
  const st = obj(o.status);
  if (typeof st.desiredNumberScheduled !== "number")
    return inProgress("Missing .status.desiredNumberScheduled");
  const want = st.desiredNumberScheduled;
  const short = shortOf([
    ["Scheduled", num(st.currentNumberScheduled), want],
    ["Updated", num(st.updatedNumberScheduled), want],
    ["Available", num(st.numberAvailable), want],
    ["Ready", num(st.numberReady), want],
  ]);
  if (short) return inProgress(short);
  return current(`All replicas scheduled as expected. Replicas: ${want}`);
}

export function replicaSetStatus(o: Json): StatusResult {
  const stale = staleGeneration(o, "ReplicaSet");
  if (stale) return stale;
  const failure = condition(o, "ReplicaFailure");
  if (failure?.status === "True") return inProgress(`Replica failure: ${explain(failure)}`);
  const want = num(obj(o.spec).replicas, 1);
  const st = obj(o.status);
  const short = shortOf([
    ["Labelled", num(st.fullyLabeledReplicas), want],
    ["Available", num(st.availableReplicas), want],
    ["Ready", num(st.readyReplicas), want],
  ]);
  if (short) return inProgress(short);
  if (num(st.replicas) > want) return inProgress(`Pending termination: ${num(st.replicas) - want}`);
  return current(`ReplicaSet is available. Replicas: ${num(st.replicas)}`);
}

function crashLooping(st: Json): string | undefined {
  const lists: unknown[] = [st.initContainerStatuses, st.containerStatuses];
  const statuses = lists.flatMap((l): unknown[] => (Array.isArray(l) ? (l as unknown[]) : []));
  for (const cs of statuses) {
    const waiting = obj(obj(obj(cs).state).waiting);
    if (waiting.reason === "CrashLoopBackOff")
      return `Container ${str(obj(cs).name) ?? "?"} is in CrashLoopBackOff`;
  }
  return undefined;
}

export function podStatus(o: Json): StatusResult {
  const st = obj(o.status);
  const phase = str(st.phase);
  if (phase === "Succeeded") return current("Pod has completed successfully");
  if (phase === "Failed")
    return failed(`Pod has failed: ${str(st.reason) ?? str(st.message) ?? "unknown reason"}`);
  const crash = crashLooping(st);
  if (crash) return failed(crash);
  if (phase === "Running" && isTrue(o, "Ready")) return current("Pod is Ready");
  const scheduled = condition(o, "PodScheduled");
  if (scheduled?.status === "False") return inProgress(`Pod is not scheduled: ${explain(scheduled)}`);
  return inProgress(`Pod phase is ${phase ?? "unknown"}, not Ready`);
}

export function jobStatus(o: Json): StatusResult {
  const complete = condition(o, "Complete");
  if (complete?.status === "True") return current("Job completed");
  const fail = condition(o, "Failed");
  if (fail?.status === "True") return failed(`Job failed: ${explain(fail)}`);
  const st = obj(o.status);
  return inProgress(
    `Job in progress: active ${num(st.active)}, succeeded ${num(st.succeeded)}, failed ${num(st.failed)}`,
  );
}
