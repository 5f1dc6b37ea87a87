/**
 * Who a KubeConfig talks to and as whom, as one key: the current cluster's connection and
 * the current user's every field (credentials, impersonation), hashed. Two KubeConfigs with
 * the same key see the same objects and may share what was read through either; a rotated
 * token, another ServiceAccount, or impersonation makes another key. Entry names are left
 * out: they change nothing on the wire. The key holds no credential, only a digest of them.
 */
import { createHash } from "node:crypto";
import type { KubeConfig } from "./kubeconfig.js";

export function identityKey(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const { name: _cluster, ...connection } = cluster ?? { name: "" };
  const { name: _user, ...as } = user ?? { name: "" };
  const digest = createHash("sha256")
    .update(JSON.stringify([connection, as]))
    .digest("base64url")
    .slice(0, 16);
  return `${cluster?.server ?? "unknown"}#${digest}`;
}
