/**
 * Reading what a cluster provider answered (pure): whether a ClusterRequest or AccessRequest is
 * granted, and when the credentials in a granted Secret should be renewed.
 */
import type { KubeObject } from "../../descriptor/plan.js";

export type Grant =
  | { state: "granted"; secretName: string }
  | { state: "pending"; message: string }
  | { state: "denied"; message: string };

interface RequestStatus {
  phase?: unknown;
  observedGeneration?: unknown;
  secretRef?: { name?: unknown };
  conditions?: { type?: unknown; status?: unknown; message?: unknown; reason?: unknown }[];
}

function statusOf(obj: KubeObject): RequestStatus {
  return obj.status ?? {};
}

function where(obj: KubeObject): string {
  return `${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

/** Why a provider said no, from its conditions, if it said. */
function deniedBecause(status: RequestStatus): string {
  const failing = status.conditions?.find((c) => c.status === "False" && typeof c.message === "string");
  return typeof failing?.message === "string" && failing.message !== "" ? `: ${failing.message}` : "";
}

/**
 * An AccessRequest is usable only when Granted for its current generation (openMCP's rule): a
 * grant for an older spec may carry the wrong permissions.
 */
export function accessGrant(request: KubeObject): Grant {
  const status = statusOf(request);
  if (status.phase === "Denied") {
    return { state: "denied", message: `${where(request)} was denied${deniedBecause(status)}` };
  }
  const generation = request.metadata.generation;
  if (status.phase !== "Granted") {
    const phase = typeof status.phase === "string" && status.phase !== "" ? status.phase : "no phase yet";
    return { state: "pending", message: `${where(request)} is not granted yet (${phase})` };
  }
  if (typeof generation === "number" && status.observedGeneration !== generation) {
    const seen = typeof status.observedGeneration === "number" ? status.observedGeneration : "none";
    return {
      state: "pending",
      message: `${where(request)} is granted for generation ${seen}, not yet for ${generation}`,
    };
  }
  const secretName = status.secretRef?.name;
  if (typeof secretName !== "string" || secretName === "") {
    return { state: "pending", message: `${where(request)} is granted but names no Secret yet` };
  }
  return { state: "granted", secretName };
}

/** A ClusterRequest counts as granted once its phase says so. */
export function clusterGrant(request: KubeObject): Grant {
  const status = statusOf(request);
  if (status.phase === "Granted") return { state: "granted", secretName: "" };
  if (status.phase === "Denied") {
    return { state: "denied", message: `${where(request)} was denied${deniedBecause(status)}` };
  }
  return { state: "pending", message: `${where(request)} is not granted yet` };
}

/** A timestamp as cluster providers write it: Unix seconds, or RFC 3339. */
export function parseTimestamp(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function decoded(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  const raw = data?.[key];
  return raw === undefined ? undefined : Buffer.from(raw, "base64").toString("utf8");
}

/** The share of a credential's lifetime after which it is renewed (controller-utils' ComputeTokenRenewalTime). */
export const RENEW_AT = 0.8;

/**
 * When the credentials in a granted Secret should be renewed: at 80 % of their lifetime, from
 * its `creationTimestamp` key (else the Secret's own creation) to its `expirationTimestamp`
 * key. Undefined for credentials that do not expire.
 */
export function renewalTime(secret: KubeObject): number | undefined {
  const expires = parseTimestamp(decoded(secret, "expirationTimestamp"));
  if (expires === undefined) return undefined;
  const created =
    parseTimestamp(decoded(secret, "creationTimestamp")) ??
    parseTimestamp(secret.metadata.creationTimestamp as string | undefined) ??
    expires;
  return created + (expires - created) * RENEW_AT;
}
