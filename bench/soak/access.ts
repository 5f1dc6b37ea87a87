/**
 * How spe reaches mcp in the soak: through a fault proxy (loopback, TLS-terminating with the
 * environment's serving certificate) with a ServiceAccount token, written into every
 * kubeconfig Secret the providers read. Rotating makes a new ServiceAccount, writes its
 * token everywhere and deletes the previous ServiceAccount, which revokes the old token.
 */
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import type { RunningEnvironment } from "../../test/env/environment.js";
import { type FaultProxy, startFaultProxy } from "../../test/support/fault-proxy.js";
import { grantToken, runCertificates, tokenKubeconfigOf } from "../../test/support/service-accounts.js";
import { pool } from "../scale/util.js";
import type { SoakProvider } from "./providers.js";

export type Role = "platform" | "onboarding" | "mcp";
export type Clusters = Record<Role, KubeConfig>;

/** ServiceAccounts of the rotating identity live here on mcp. */
const IDENTITY_NS = "soak-identity";
const MANAGER = { manager: "spe-soak", force: true };

export async function apply(kc: KubeConfig, obj: Record<string, unknown>): Promise<void> {
  await KubeClient.for(kc).apply(obj as KubeObject, MANAGER);
}

export class TargetAccess {
  private identity = 0;
  rotations = 0;

  private constructor(
    readonly proxy: FaultProxy,
    private readonly kc: Clusters,
    private readonly providers: SoakProvider[],
  ) {}

  static async start(
    env: RunningEnvironment,
    kc: Clusters,
    providers: SoakProvider[],
  ): Promise<TargetAccess> {
    const server = kc.mcp.getCurrentCluster()?.server;
    if (!server) throw new Error("mcp kubeconfig has no server");
    const proxy = await startFaultProxy({ target: new URL(server), tls: await runCertificates(env.runDir) });
    return new TargetAccess(proxy, kc, providers);
  }

  /** A new identity in every kubeconfig Secret; the previous one revoked. */
  async rotate(): Promise<void> {
    const previous = this.identity;
    this.identity++;
    const token = await grantToken(this.kc.mcp, IDENTITY_NS, `spe-${this.identity}`);
    const kubeconfig = tokenKubeconfigOf(this.kc.mcp, token, this.proxy.url);
    for (const p of this.providers)
      await pool(p.kubeconfigSecrets(p.names), 8, (name) =>
        apply(this.kc.platform, {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name, namespace: p.namespace },
          stringData: { kubeconfig },
        }),
      );
    if (previous > 0) {
      const client = KubeClient.for(this.kc.mcp);
      await client.delete({
        apiVersion: "v1",
        kind: "ServiceAccount",
        namespace: IDENTITY_NS,
        name: `spe-${previous}`,
      });
      await client.delete({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        name: `${IDENTITY_NS}-spe-${previous}`,
      });
    }
    this.rotations++;
  }

  /** Every connection forwarded again. */
  calm(): void {
    this.proxy.meet({ kind: "forward" });
    this.proxy.resume();
  }
}
