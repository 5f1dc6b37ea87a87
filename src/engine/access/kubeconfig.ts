/** Parsing a kubeconfig that came from a Secret, refusing what could act on the engine's host. */
import { KubeConfig } from "../../kube/kubeconfig.js";
import { parse } from "yaml";
import { AccessError } from "./errors.js";

const HOST_USER_KEYS = [
  "exec",
  "auth-provider",
  "tokenFile",
  "token-file",
  "client-certificate",
  "client-key",
];

function entries(doc: unknown, list: string, inner: string): [string, Record<string, unknown>][] {
  const items = (doc as Record<string, unknown> | null)?.[list];
  if (!Array.isArray(items)) return [];
  return items.map((item: unknown): [string, Record<string, unknown>] => {
    const record = (item ?? {}) as Record<string, unknown>;
    return [String(record.name), (record[inner] ?? {}) as Record<string, unknown>];
  });
}

/**
 * A kubeconfig from a Secret is data written by someone else. Exec plugins and auth
 * providers would run commands inside the engine; file references would read the engine's
 * own files (its service account token) and send them to the named server. Only inline
 * credentials are accepted. Checked on the raw document, so every spelling of a key counts
 * (`tokenFile` is client-go's, `token-file` client-node's; the loader reads both).
 */
function hostDependence(doc: unknown): string | undefined {
  for (const [name, user] of entries(doc, "users", "user")) {
    const key = HOST_USER_KEYS.find((k) => user[k] !== undefined);
    if (key) return `user "${name}" uses ${key}`;
  }
  for (const [name, cluster] of entries(doc, "clusters", "cluster")) {
    if (cluster["certificate-authority"] !== undefined) return `cluster "${name}" references a CA file`;
  }
  return undefined;
}

/** Parser messages quote the offending line after the first; that line may hold a credential. */
function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split("\n")[0] ?? "";
}

/** Builds a KubeConfig from kubeconfig text; `source` names where it came from, for messages. */
export function parseKubeconfig(text: string, source: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    const problem = hostDependence(parse(text));
    if (problem)
      throw new AccessError(
        "InvalidKubeconfig",
        `${source}: ${problem}; only inline credentials are allowed`,
      );
    kc.loadFromString(text);
  } catch (err) {
    if (err instanceof AccessError) throw err;
    throw new AccessError("InvalidKubeconfig", `${source}: not a kubeconfig: ${firstLine(err)}`, {
      cause: err,
    });
  }
  if (!kc.getCurrentCluster()) {
    throw new AccessError("InvalidKubeconfig", `${source}: kubeconfig has no current context with a cluster`);
  }
  return kc;
}
