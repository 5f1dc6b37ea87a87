/**
 * kstatus: one readiness vocabulary for every kind, after sigs.k8s.io/cli-utils/pkg/kstatus.
 * Pure functions over the live object's JSON; the engine uses the phase for readiness.
 */
import {
  condition,
  current,
  explain,
  failed,
  inProgress,
  obj,
  staleGeneration,
  str,
  type Json,
  type StatusResult,
} from "./kstatus-util.js";
import {
  daemonSetStatus,
  deploymentStatus,
  jobStatus,
  podStatus,
  replicaSetStatus,
  statefulSetStatus,
} from "./kstatus-workloads.js";

export type { StatusResult } from "./kstatus-util.js";

type Rule = (o: Json) => StatusResult;

function serviceStatus(o: Json): StatusResult {
  if (obj(o.spec).type !== "LoadBalancer") return current("Service is ready");
  const ingress = obj(obj(o.status).loadBalancer).ingress;
  if (Array.isArray(ingress) && ingress.length > 0) return current("Service is ready");
  return inProgress("LoadBalancer has no ingress yet");
}

function pvcStatus(o: Json): StatusResult {
  const phase = str(obj(o.status).phase);
  return phase === "Bound" ? current("PVC is Bound") : inProgress(`PVC is not Bound: ${phase ?? "no phase"}`);
}

function crdStatus(o: Json): StatusResult {
  const names = condition(o, "NamesAccepted");
  if (names?.status === "False") return failed(`CRD names not accepted: ${explain(names)}`);
  const established = condition(o, "Established");
  if (established?.status === "True") return current("CRD is Established");
  return inProgress("CRD is not Established yet");
}

function namespaceStatus(o: Json): StatusResult {
  const phase = str(obj(o.status).phase);
  if (phase === "Terminating") return { phase: "Terminating", message: "Namespace is terminating" };
  return current(`Namespace is ${phase ?? "Active"}`);
}

/**
 * Any other kind: the kstatus conventions. Reconciling=True and Stalled=True are the
 * "abnormal-true" conditions; Ready is honoured too because most operators set it.
 */
function genericStatus(o: Json): StatusResult {
  const stalled = condition(o, "Stalled");
  if (stalled?.status === "True") return failed(explain(stalled));
  const reconciling = condition(o, "Reconciling");
  if (reconciling?.status === "True") return inProgress(explain(reconciling));
  const stale = staleGeneration(o, str(o.kind) ?? "Object");
  if (stale) return stale;
  const ready = condition(o, "Ready");
  if (ready && ready.status !== "True") return inProgress(`Not Ready: ${explain(ready)}`);
  return current(ready ? "Ready" : "Resource is current");
}

const RULES: Record<string, Rule> = {
  "apps/Deployment": deploymentStatus,
  "apps/StatefulSet": statefulSetStatus,
  "apps/DaemonSet": daemonSetStatus,
  "apps/ReplicaSet": replicaSetStatus,
  "/Pod": podStatus,
  "batch/Job": jobStatus,
  "/Service": serviceStatus,
  "/PersistentVolumeClaim": pvcStatus,
  "apiextensions.k8s.io/CustomResourceDefinition": crdStatus,
  "/Namespace": namespaceStatus,
};

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The kstatus of a live object; `undefined` (not found) gives NotFound. */
export function computeStatus(live: unknown): StatusResult {
  if (live === undefined || live === null) return { phase: "NotFound", message: "Object not found" };
  const o = obj(live);
  const apiVersion = str(o.apiVersion);
  const kind = str(o.kind);
  if (!apiVersion || !kind) return { phase: "Unknown", message: "Object has no apiVersion/kind" };
  if (obj(o.metadata).deletionTimestamp) return { phase: "Terminating", message: `${kind} is being deleted` };
  const rule = RULES[`${groupOf(apiVersion)}/${kind}`] ?? genericStatus;
  return rule(o);
}
