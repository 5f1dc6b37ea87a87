/**
 * A bundled provider's life cycle on the real test clusters, for the provider e2e tests
 * (test/e2e/provider-*.test.ts): one `ProviderFlow` per test file starts the engine with
 * providers/<name>/descriptor.yaml as bundled, grants spe the MCP through an openMCP
 * AccessRequest named like the API object (granted with the mcp's kubeconfig; with
 * `workload`, the workload cluster through `<name>--workload`), pushes fixture
 * charts into the run's registry (basic auth, TLS from the run's CA) and puts pull Secrets
 * and CA bundles into the provider's namespace on the platform cluster (`openmcp-system`).
 * Its steps (create → Ready, drift, upgrade, deletion blocked by a user's object, everything
 * removed) await the state users rely on; `stop()` removes what the flow made.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { expect } from "vitest";
import type { Engine } from "../../../src/engine/runtime/engine.js";
import type { Provider } from "../../../src/engine/descriptors/provider.js";
import type { KubeObject } from "../../../src/descriptor/plan.js";
import { KubeClient } from "../../../src/kube/client.js";
import { ACCESS_REQUEST_CRD } from "../../fixtures/crds/accessrequest.js";
import type { RegistryInfo } from "../../env/types.js";
import { grantTarget, loadProvider, repoRoot, startEngine } from "./engine.js";
import { kubeConfigFor, testEnv } from "./env.js";
import { apply, eventually, read } from "./kube.js";

/** The platform namespace openMCP runs service providers in; the descriptors read from it. */
export const PROVIDER_NAMESPACE = "openmcp-system";

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface ApiStatus {
  phase?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  resources?: { kind: string; name: string; namespace?: string; phase: string }[];
}
type Obj = KubeObject & { status?: ApiStatus };

export interface ProviderFlowOptions {
  /** The folder under providers/. */
  provider: string;
  /** The tenant namespace on the onboarding cluster, openMCP style (`project-x--ws-<id>`). */
  namespace: string;
  /** The API object's name: the MCP's. */
  name: string;
  /** Trust the run's CA in spe's environment (SSL_CERT_FILE), for configs without caBundleRef. */
  trustRegistryCa?: boolean;
  /** Also grant the workload cluster (AccessRequest `<name>--workload`), for units targeting it. */
  workload?: boolean;
}

/** A chart version to push: the chart's `version` and `appVersion`. */
export interface ChartVersion {
  version: string;
  appVersion: string;
}

function dockerConfigJson(registry: RegistryInfo): string {
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString("base64");
  return JSON.stringify({ auths: { [registry.host]: { auth } } });
}

export class ProviderFlow {
  readonly onboarding = kubeConfigFor("onboarding");
  readonly platform = kubeConfigFor("platform");
  readonly mcp = kubeConfigFor("mcp");
  readonly workload = kubeConfigFor("workload");
  readonly registry: RegistryInfo;
  /** Objects the flow put on the platform cluster, removed by stop(). */
  private readonly made: KubeObject[] = [];
  private engine: Engine | undefined;
  private scratch = "";
  private savedCertFile: string | undefined;

  private constructor(
    readonly options: ProviderFlowOptions,
    readonly provider: Provider,
  ) {
    const registry = testEnv().registry;
    if (!registry) throw new Error("test/env started without its registry");
    this.registry = registry;
  }

  /** Loads the bundled descriptor, grants the MCP and starts the engine serving it. */
  static async start(options: ProviderFlowOptions): Promise<ProviderFlow> {
    const provider = await loadProvider(`providers/${options.provider}/descriptor.yaml`);
    const flow = new ProviderFlow(options, provider);
    flow.scratch = await mkdtemp(join(tmpdir(), `spe-flow-${options.provider}-`));
    await apply(flow.onboarding, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: options.namespace },
    });
    await apply(flow.platform, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: PROVIDER_NAMESPACE },
    });
    await flow.grantAccessRequest("mcp");
    if (options.workload) await flow.grantAccessRequest("workload");
    if (options.trustRegistryCa) {
      // The helm worker inherits spe's environment; Go reads the trusted roots from here.
      flow.savedCertFile = process.env.SSL_CERT_FILE;
      process.env.SSL_CERT_FILE = flow.registry.caFile;
    }
    flow.engine = await startEngine([provider]);
    return flow;
  }

  get group(): string {
    return this.provider.compiled.api.group;
  }

  /** A reference to the API object (kind and version from the descriptor). */
  get api(): KubeObject {
    const { group, kind, storageVersion } = this.provider.compiled.api;
    return {
      apiVersion: `${group}/${storageVersion}`,
      kind,
      metadata: { name: this.options.name, namespace: this.options.namespace },
    };
  }

  private get configRef(): KubeObject {
    const c = this.provider.compiled.config;
    return {
      apiVersion: `${c.group}/${c.version}`,
      kind: c.kind,
      metadata: { name: this.provider.compiled.name },
    };
  }

  /**
   * openMCP access: the AccessRequest named like the API object (`<name>--workload` for the
   * workload cluster), granted with that cluster's kubeconfig.
   */
  private async grantAccessRequest(target: "mcp" | "workload"): Promise<void> {
    const { namespace } = this.options;
    const name = target === "mcp" ? this.options.name : `${this.options.name}--${target}`;
    const client = KubeClient.for(this.platform);
    // Not through client-node: its CRD model drops x-kubernetes-preserve-unknown-fields.
    await client.apply(ACCESS_REQUEST_CRD, { manager: "spe-tests" });
    await grantTarget(namespace, `${name}-access`, target);
    const request = {
      apiVersion: "clusters.openmcp.cloud/v1alpha1",
      kind: "AccessRequest",
      metadata: { name, namespace },
      spec: { clusterRef: { name } },
    };
    await eventually("AccessRequest created", () => apply(this.platform, request));
    await client.send({
      method: "PATCH",
      path: `${await client.path({ ...request, name, namespace })}/status`,
      body: { status: { phase: "Granted", secretRef: { name: `${name}-access`, namespace } } },
      contentType: "application/merge-patch+json",
    });
  }

  /**
   * Packages `chartDir` at each version and pushes it with `helm push` into the run's
   * registry under `oci://<host>/<repo>/`; returns the chart's OCI reference (no tag).
   */
  async pushChart(chartDir: string, repo: string, versions: ChartVersion[]): Promise<string> {
    const helm = testEnv().binaries.helm;
    const env = {
      HELM_CONFIG_HOME: join(this.scratch, "helm-config"),
      HELM_CACHE_HOME: join(this.scratch, "helm-cache"),
    };
    const login = ["registry", "login", this.registry.host, "--username", this.registry.username];
    await execa(helm, [...login, "--password-stdin", "--ca-file", this.registry.caFile], {
      input: this.registry.password,
      env,
    });
    let name = "";
    for (const v of versions) {
      const dest = join(this.scratch, `chart-${v.version}`);
      const args = ["package", join(repoRoot, chartDir), "--destination", dest];
      const { stdout } = await execa(helm, [...args, "--version", v.version, "--app-version", v.appVersion]);
      const tgz = /saved it to: (\S+)/.exec(stdout)?.[1];
      if (!tgz) throw new Error(`helm package printed no archive: ${stdout}`);
      name = /([^/]+)-[^-/]+\.tgz$/.exec(tgz)?.[1] ?? "";
      await execa(
        helm,
        ["push", tgz, `oci://${this.registry.host}/${repo}`, "--ca-file", this.registry.caFile],
        { env },
      );
    }
    return `oci://${this.registry.host}/${repo}/${name}`;
  }

  private async put(obj: KubeObject): Promise<void> {
    await apply(this.platform, obj);
    this.made.push(obj);
  }

  /** A `kubernetes.io/dockerconfigjson` Secret in the provider's namespace: the registry's credentials. */
  async registrySecret(name: string): Promise<void> {
    await this.put({
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/dockerconfigjson",
      metadata: { name, namespace: PROVIDER_NAMESPACE },
      stringData: { ".dockerconfigjson": dockerConfigJson(this.registry) },
    });
  }

  /** A ConfigMap in the provider's namespace holding the run's CA under `key`. */
  async registryCa(name: string, key: string): Promise<void> {
    await this.put({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: PROVIDER_NAMESPACE },
      data: { [key]: await readFile(this.registry.caFile, "utf8") },
    });
  }

  /** Applies the ProviderConfig (named like the provider) with this spec. */
  async config(spec: Record<string, unknown>): Promise<void> {
    await this.put({ ...this.configRef, spec });
  }

  /** Creates or updates the API object with this spec. */
  async request(spec: Record<string, unknown>): Promise<void> {
    await apply(this.onboarding, { ...this.api, spec });
  }

  async status(): Promise<ApiStatus | undefined> {
    return (await read<Obj>(this.onboarding, this.api))?.status;
  }

  /** Waits until the API object is Ready for its current generation. */
  async ready(timeoutMs = 90_000): Promise<ApiStatus> {
    return eventually(
      `${this.api.kind} ${this.options.name} Ready`,
      async () => {
        const obj = await read<Obj>(this.onboarding, this.api);
        const s = obj?.status;
        const current = s?.observedGeneration === obj?.metadata.generation;
        return s?.phase === "Ready" && current ? s : undefined;
      },
      timeoutMs,
    );
  }

  /** Reads an object on the MCP. */
  onMcp(ref: KubeObject): Promise<KubeObject | undefined> {
    return read(this.mcp, ref);
  }

  /** Waits until `check` holds for the object on the MCP (undefined when absent). */
  async awaitOnMcp(
    what: string,
    ref: KubeObject,
    check: (obj: KubeObject | undefined) => boolean,
    timeoutMs = 60_000,
  ): Promise<void> {
    await eventually(what, async () => (check(await this.onMcp(ref)) ? true : undefined), timeoutMs);
  }

  /** Reads an object on the workload cluster. */
  onWorkload(ref: KubeObject): Promise<KubeObject | undefined> {
    return read(this.workload, ref);
  }

  /** Waits until `check` holds for the object on the workload cluster (undefined when absent). */
  async awaitOnWorkload(
    what: string,
    ref: KubeObject,
    check: (obj: KubeObject | undefined) => boolean,
    timeoutMs = 60_000,
  ): Promise<void> {
    await eventually(what, async () => (check(await this.onWorkload(ref)) ? true : undefined), timeoutMs);
  }

  /** Changes an object on the MCP (or `cluster`) out of band (a JSON merge patch). */
  async tamper(ref: KubeObject, patch: Record<string, unknown>, cluster = this.mcp): Promise<void> {
    const client = KubeClient.for(cluster);
    await client.send({
      method: "PATCH",
      path: await client.path({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        name: ref.metadata.name,
        namespace: ref.metadata.namespace,
      }),
      body: patch,
      contentType: "application/merge-patch+json",
    });
  }

  /** The deployed Helm release's revision and chart label, from helm's release Secrets. */
  async release(
    namespace: string,
    name: string,
    cluster = this.mcp,
  ): Promise<{ revision: string } | undefined> {
    const secrets = await KubeClient.for(cluster).list("v1", "Secret", {
      namespace,
      labelSelector: `owner=helm,name=${name},status=deployed`,
    });
    const revision = secrets[0]?.metadata.labels?.version;
    return revision ? { revision } : undefined;
  }

  /**
   * Deletes the API object while `userObject` (a tenant's object of the service's API) exists
   * on the MCP: the object must stay with DeletionBlocked=True, reason UserResourcesPresent,
   * naming it. Returns the condition; the user object is still there afterwards.
   */
  async deleteBlockedBy(userObject: KubeObject): Promise<Condition> {
    await apply(this.mcp, userObject);
    await this.delete();
    const condition = await eventually(
      "DeletionBlocked=True UserResourcesPresent",
      async () => {
        const c = (await this.status())?.conditions?.find((x) => x.type === "DeletionBlocked");
        return c?.status === "True" && c.reason === "UserResourcesPresent" ? c : undefined;
      },
      60_000,
    );
    expect(await read(this.onboarding, this.api), "the API object stays while blocked").toBeDefined();
    return condition;
  }

  async delete(): Promise<void> {
    const { apiVersion, kind, metadata } = this.api;
    await KubeClient.for(this.onboarding).delete({
      apiVersion,
      kind,
      name: metadata.name,
      namespace: metadata.namespace,
    });
  }

  /** Waits until the API object is gone (spe finished its deletion). */
  async gone(timeoutMs = 90_000): Promise<void> {
    await eventually(
      `${this.api.kind} ${this.options.name} gone`,
      async () => ((await read(this.onboarding, this.api)) ? undefined : true),
      timeoutMs,
    );
  }

  /** Deletes a user object on the MCP. */
  async removeFromMcp(ref: KubeObject): Promise<void> {
    await KubeClient.for(this.mcp).delete({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.metadata.name,
      namespace: ref.metadata.namespace,
    });
  }

  /** Removes what the flow made; a deletion spe could not finish (a failed run) loses its finalizer. */
  async stop(): Promise<void> {
    const onboarding = KubeClient.for(this.onboarding);
    if (await read(this.onboarding, this.api)) {
      await this.delete();
      const done = await this.gone(30_000).then(
        () => true,
        () => false,
      );
      if (!done)
        await onboarding.send({
          method: "PATCH",
          path: await onboarding.path({
            apiVersion: this.api.apiVersion,
            kind: this.api.kind,
            name: this.options.name,
            namespace: this.options.namespace,
          }),
          body: { metadata: { finalizers: null } },
          contentType: "application/merge-patch+json",
        });
    }
    await this.engine?.stop();
    if (this.options.trustRegistryCa) {
      if (this.savedCertFile === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = this.savedCertFile;
    }
    await this.cleanPlatform();
    await rm(this.scratch, { recursive: true, force: true });
  }

  private async cleanPlatform(): Promise<void> {
    const platform = KubeClient.for(this.platform);
    for (const obj of this.made.reverse())
      await platform.delete({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
      });
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
    const { api, config } = this.provider.compiled;
    await KubeClient.for(this.onboarding).delete({ ...crd, name: `${api.plural}.${api.group}` });
    await platform.delete({ ...crd, name: `${config.plural}.${config.group}` });
    for (const kc of [this.onboarding, this.platform])
      await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: this.options.namespace });
  }
}

/** A Deployment's reference on the MCP. */
export function deploymentRef(namespace: string, name: string): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace } };
}

/** The first container's image of a Deployment, if any. */
export function imageOf(obj: KubeObject | undefined): string | undefined {
  const spec = (obj as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined)
    ?.spec;
  return spec?.template?.spec?.containers?.[0]?.image;
}

/** The Helm chart label (`<chart>-<version>`) of an object. */
export function chartOf(obj: KubeObject | undefined): string | undefined {
  return obj?.metadata.labels?.["helm.sh/chart"];
}
