/** The kubeconfig text handed to helm (client-go) for a KubeConfig of @kubernetes/client-node. */
import type { KubeConfig } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";

interface UserEntry {
  name?: string;
  user?: Record<string, unknown> & { "auth-provider"?: { name?: string; config?: { tokenFile?: string } } };
}

/**
 * client-node models an in-cluster service account token as an auth provider named
 * `tokenFile`, which client-go does not know; client-go's equivalent is `token-file`.
 */
export function kubeconfigForHelm(kc: KubeConfig): string {
  const doc = parse(kc.exportConfig()) as { users?: UserEntry[] };
  for (const entry of doc.users ?? []) {
    const provider = entry.user?.["auth-provider"];
    if (entry.user && provider?.name === "tokenFile" && provider.config?.tokenFile) {
      const { "auth-provider": _drop, ...rest } = entry.user;
      entry.user = { ...rest, "token-file": provider.config.tokenFile };
    }
  }
  return stringify(doc);
}
