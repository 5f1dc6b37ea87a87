/**
 * Which cluster to talk to and as whom: a kubeconfig loaded from a file, from text or
 * from the pod's service account. Method names follow @kubernetes/client-node's
 * KubeConfig, whose place this takes (importing that package costs much memory per process).
 * This is only the model; transport.ts turns it into connections.
 */
import { existsSync, readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { dirname, isAbsolute, resolve, sep } from "node:path";
import { parse } from "yaml";
import { unsupportedAuthProvider } from "./credentials.js";
import {
  type Cluster,
  type Context,
  type KubeConfigData,
  type Refusal,
  type User,
  kubeconfigDocument,
  parseKubeconfigDocument,
} from "./kubeconfig-model.js";

export type { Cluster, Context, ExecConfig, User } from "./kubeconfig-model.js";

/** Where Kubernetes mounts a pod's service account. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** What loadFromOptions takes: the model, with skipTLSVerify optional as in client-node. */
export interface KubeConfigOptions {
  clusters: readonly (Omit<Cluster, "skipTLSVerify"> & { skipTLSVerify?: boolean })[];
  users: readonly User[];
  contexts: readonly Context[];
  currentContext: string;
}

function absolute(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** client-go resolves file references relative to the kubeconfig file; an exec command only when it is a path. */
function withAbsolutePaths(data: KubeConfigData, base: string): KubeConfigData {
  const clusters = data.clusters.map((c) => (c.caFile ? { ...c, caFile: absolute(base, c.caFile) } : c));
  const users = data.users.map((u): User => ({
    ...u,
    ...(u.certFile ? { certFile: absolute(base, u.certFile) } : {}),
    ...(u.keyFile ? { keyFile: absolute(base, u.keyFile) } : {}),
    ...(u.tokenFile ? { tokenFile: absolute(base, u.tokenFile) } : {}),
    ...(u.exec?.command.includes(sep)
      ? { exec: { ...u.exec, command: absolute(base, u.exec.command) } }
      : {}),
  }));
  return { ...data, clusters, users };
}

function readOptional(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8").trim() || undefined : undefined;
}

export class KubeConfig {
  private data: KubeConfigData = { clusters: [], users: [], contexts: [], currentContext: "" };

  get clusters(): readonly Cluster[] {
    return this.data.clusters;
  }

  get users(): readonly User[] {
    return this.data.users;
  }

  get contexts(): readonly Context[] {
    return this.data.contexts;
  }

  get currentContext(): string {
    return this.data.currentContext;
  }

  /** Kubeconfig YAML or JSON. Relative file references are taken as they are (see loadFromFile). */
  loadFromString(text: string): void {
    this.use(parseKubeconfigDocument(parse(text)));
  }

  loadFromFile(file: string): void {
    const data = parseKubeconfigDocument(parse(readFileSync(file, "utf8")));
    this.use(withAbsolutePaths(data, dirname(resolve(file))));
  }

  loadFromOptions(options: KubeConfigOptions): void {
    const clusters = options.clusters.map((c) => ({ ...c, skipTLSVerify: c.skipTLSVerify ?? false }));
    this.use({ ...options, clusters });
  }

  /**
   * The pod's service account, as client-go's InClusterConfig: the token file is kept as a
   * reference and re-read while it rotates (see credentials.ts). `pathPrefix` is for tests;
   * `dir` replaces the mount point (token, ca.crt, namespace) where a stand-in for the kubelet
   * puts them elsewhere (spe's SPE_SERVICE_ACCOUNT_DIR).
   */
  loadFromCluster(pathPrefix = "", dir = SERVICE_ACCOUNT_DIR): void {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    if (!host || !port)
      throw new Error(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
      );
    // client-node's rule, kept: the well-known plain-HTTP ports mean a plain-HTTP apiserver.
    const scheme = ["80", "8080", "8001"].includes(port) ? "http" : "https";
    const mount = `${pathPrefix}${dir}`;
    const namespace = readOptional(`${mount}/namespace`);
    this.use({
      clusters: [
        {
          name: "inCluster",
          server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
          caFile: `${mount}/ca.crt`,
          skipTLSVerify: false,
        },
      ],
      users: [{ name: "inClusterUser", tokenFile: `${mount}/token` }],
      contexts: [
        {
          name: "inClusterContext",
          cluster: "inCluster",
          user: "inClusterUser",
          ...(namespace ? { namespace } : {}),
        },
      ],
      currentContext: "inClusterContext",
    });
  }

  getCurrentContext(): string {
    return this.data.currentContext;
  }

  getContextObject(name: string): Context | undefined {
    return this.data.contexts.find((c) => c.name === name);
  }

  getCurrentCluster(): Cluster | undefined {
    const context = this.getContextObject(this.data.currentContext);
    return context && this.data.clusters.find((c) => c.name === context.cluster);
  }

  getCurrentUser(): User | undefined {
    const context = this.getContextObject(this.data.currentContext);
    return context?.user === undefined ? undefined : this.data.users.find((u) => u.name === context.user);
  }

  /**
   * A kubeconfig (JSON, which client-go reads as YAML) of everything loaded: inline
   * credentials inline, file references as (absolute) references, exec plugins as they are.
   */
  exportConfig(): string {
    return JSON.stringify(kubeconfigDocument(this.data));
  }

  /**
   * Fails at load, not at the first request, when the current user can never authenticate or
   * the current context's entries hold a field spe cannot honour (kubeconfig-fields.ts).
   */
  private use(data: KubeConfigData): void {
    const previous = this.data;
    this.data = data;
    try {
      const user = this.getCurrentUser();
      if (user?.authProvider) throw unsupportedAuthProvider(user);
      const refusal = this.currentRefusal();
      if (refusal)
        throw new Error(`kubeconfig ${refusal.entry} "${refusal.name}": ${refusal.field} ${refusal.why}`);
    } catch (err) {
      this.data = previous;
      throw err;
    }
  }

  private currentRefusal(): Refusal | undefined {
    const context = this.getContextObject(this.data.currentContext);
    if (!context) return undefined;
    const current = { context: context.name, cluster: context.cluster, user: context.user };
    return this.data.refused?.find((r) => current[r.entry] === r.name);
  }
}
