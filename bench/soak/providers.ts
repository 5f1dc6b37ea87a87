/**
 * The soak's three providers and what each API object should leave on mcp: bench-helm (a
 * release of bench-app per object), bench-manifests (the same three objects by the manifests
 * plugin) and test/fixtures' mf-apps (an AppSet with one app; its own kubeconfig Secret per
 * object). 40 % / 40 % / 20 % of the objects.
 */
import { join } from "node:path";
import { BENCH_ROOT, REPO_ROOT } from "../scale/config.js";

/** An object spe deploys on mcp and what it must look like when nothing has drifted. */
export interface Deployed {
  kind: "ConfigMap" | "Service" | "Deployment";
  namespace: string;
  name: string;
  /** The ConfigMap's greeting. */
  greeting?: string;
}

export interface SoakProvider {
  id: "helm" | "manifests" | "appset";
  descriptor: string;
  apiVersion: string;
  kind: string;
  /** Namespace of the API objects (onboarding) and of what they deploy (mcp). */
  namespace: string;
  /** The ProviderConfig spe needs before it serves the objects. */
  config: Record<string, unknown>;
  /** Kubeconfig Secrets (on platform) that give access to mcp: one shared or one per object. */
  kubeconfigSecrets(names: readonly string[]): string[];
  names: string[];
  object(name: string): Record<string, unknown>;
  deployed(name: string): Deployed[];
  /** Whether each object is a helm release named like it. */
  helm: boolean;
}

export const GREETING = "hello";
const IMAGE = "registry.invalid/bench-app:1.0.0";

const threeObjects = (namespace: string, name: string): Deployed[] => [
  { kind: "ConfigMap", namespace, name, greeting: GREETING },
  { kind: "Service", namespace, name },
  { kind: "Deployment", namespace, name },
];

function benchProvider(id: "helm" | "manifests", names: string[]): SoakProvider {
  const group = `${id}.bench.spe.dev`;
  const kind = id === "helm" ? "BenchApp" : "BenchManifestApp";
  return {
    id,
    descriptor: join(BENCH_ROOT, `fixtures/${id}/bench-${id}.yaml`),
    apiVersion: `${group}/v1alpha1`,
    kind,
    namespace: "bench",
    config: {
      apiVersion: `${group}/v1alpha1`,
      kind: "ProviderConfig",
      metadata: { name: `bench-${id}` },
      spec: { image: IMAGE },
    },
    kubeconfigSecrets: () => ["mcp-kubeconfig"],
    names,
    object: (name) => ({
      apiVersion: `${group}/v1alpha1`,
      kind,
      metadata: { name, namespace: "bench" },
      spec: { greeting: GREETING },
    }),
    deployed: (name) => threeObjects("bench", name),
    helm: id === "helm",
  };
}

function appSetProvider(names: string[]): SoakProvider {
  const apiVersion = "mf.tests.spe.dev/v1alpha1";
  const namespace = "soak";
  return {
    id: "appset",
    descriptor: join(REPO_ROOT, "test/fixtures/descriptors/manifests-only.yaml"),
    apiVersion,
    kind: "AppSet",
    namespace,
    config: { apiVersion, kind: "ProviderConfig", metadata: { name: "mf-apps" }, spec: { image: IMAGE } },
    kubeconfigSecrets: (all) => all.map((n) => `${n}-kubeconfig`),
    names,
    object: (name) => ({
      apiVersion,
      kind: "AppSet",
      metadata: { name, namespace },
      spec: { apps: [{ name: `${name}-app`, greeting: GREETING }] },
    }),
    deployed: (name) => [
      { kind: "ConfigMap", namespace, name: `${name}-app-config`, greeting: GREETING },
      { kind: "Deployment", namespace, name: `${name}-app` },
    ],
    helm: false,
  };
}

const numbered = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(4, "0")}`);

export function soakProviders(objects: number): SoakProvider[] {
  const helm = Math.max(1, Math.round(objects * 0.4));
  const manifests = Math.max(1, Math.round(objects * 0.4));
  const appsets = Math.max(1, objects - helm - manifests);
  return [
    benchProvider("helm", numbered("h", helm)),
    benchProvider("manifests", numbered("m", manifests)),
    appSetProvider(numbered("a", appsets)),
  ];
}
