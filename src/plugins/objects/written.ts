/**
 * An object as the apiserver answered a write (or a watch event) with it, summarised as the
 * target watches keep objects: identity, resourceVersion, drift fingerprint and kstatus. Pure.
 */
import { fingerprintOf } from "./fingerprint.js";
import type { KubernetesObject } from "../../kube/object.js";
import { computeStatus } from "../kstatus/kstatus.js";
import type { WatchedObject } from "../types.js";

export function watchedOf(obj: KubernetesObject): WatchedObject {
  const m = obj.metadata ?? {};
  const { phase, message } = computeStatus(obj);
  const watched: WatchedObject = {
    uid: m.uid ?? "",
    resourceVersion: m.resourceVersion ?? "",
    fingerprint: fingerprintOf(obj),
    phase,
  };
  if (message) watched.message = message;
  return watched;
}
