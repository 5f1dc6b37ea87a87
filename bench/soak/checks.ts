/**
 * What the soak checks on the clusters: how many API objects report Ready for their
 * generation, and what is wrong on mcp: drift (a ConfigMap's greeting, a Deployment's
 * replicas), missing objects, orphans (spe-shaped objects no API object asks for), and
 * releases that are duplicated (more than one deployed revision), stuck (pending-*),
 * missing or orphaned.
 */
import { KubeClient } from "../../src/kube/client.js";
import type { Clusters } from "./access.js";
import type { Deployed, SoakProvider } from "./providers.js";

type Obj = {
  kind?: string;
  metadata: { name: string; namespace?: string; generation?: number; labels?: Record<string, string> };
  status?: { phase?: string; observedGeneration?: number };
  spec?: { replicas?: number };
  data?: Record<string, string>;
};

export interface Problems {
  drift: string[];
  missing: string[];
  orphans: string[];
  releases: string[];
}

export const problemCount = (p: Problems): number =>
  p.drift.length + p.missing.length + p.orphans.length + p.releases.length;

export async function readyCount(kc: Clusters, providers: SoakProvider[]): Promise<number> {
  const client = KubeClient.for(kc.onboarding);
  let ready = 0;
  for (const p of providers) {
    const items = (await client.list(p.apiVersion, p.kind, { namespace: p.namespace })) as Obj[];
    ready += items.filter(
      (o) => o.status?.phase === "Ready" && o.status.observedGeneration === o.metadata.generation,
    ).length;
  }
  return ready;
}

type WithConditions = Obj & { status?: { conditions?: { status: string; reason?: string }[] } };

function notReadyKey(kind: string, o: WithConditions): string[] {
  const current = o.status?.observedGeneration === o.metadata.generation;
  if (o.status?.phase === "Ready" && current) return [];
  const reason = o.status?.conditions?.find((c) => c.status === "False")?.reason ?? "-";
  return [
    `${kind} ${o.status?.phase ?? "no phase"}/${reason}${current ? "" : " (status of an older generation)"}`,
  ];
}

/** Objects not Ready for their generation, counted by phase and the reason of their first False condition. */
export async function notReadyReasons(
  kc: Clusters,
  providers: SoakProvider[],
): Promise<Record<string, number>> {
  const client = KubeClient.for(kc.onboarding);
  const out: Record<string, number> = {};
  for (const p of providers) {
    const items = (await client.list(p.apiVersion, p.kind, { namespace: p.namespace })) as WithConditions[];
    for (const key of items.flatMap((o) => notReadyKey(p.kind, o))) out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const KINDS: Record<Deployed["kind"], string> = { ConfigMap: "v1", Service: "v1", Deployment: "apps/v1" };
/** Objects every namespace has, not spe's. */
const NOT_OURS = new Set(["ConfigMap/kube-root-ca.crt"]);

function driftOf(want: Deployed, got: Obj): string | undefined {
  if (want.greeting !== undefined && got.data?.greeting !== want.greeting)
    return `ConfigMap ${want.namespace}/${want.name}: greeting ${got.data?.greeting ?? "none"}`;
  if (want.kind === "Deployment" && got.spec?.replicas !== 1)
    return `Deployment ${want.namespace}/${want.name}: replicas ${got.spec?.replicas}`;
  return undefined;
}

interface Scope {
  client: KubeClient;
  wanted: Map<string, Deployed>;
  found: Problems;
}

async function kindProblems(scope: Scope, ns: string, kind: Deployed["kind"]): Promise<void> {
  const items = (await scope.client.list(KINDS[kind], kind, { namespace: ns })) as Obj[];
  const seen = new Set<string>();
  for (const o of items) {
    const key = `${kind}/${ns}/${o.metadata.name}`;
    const want = scope.wanted.get(key);
    seen.add(key);
    const problem = want ? driftOf(want, o) : NOT_OURS.has(`${kind}/${o.metadata.name}`) ? undefined : key;
    if (problem) (want ? scope.found.drift : scope.found.orphans).push(problem);
  }
  for (const [key, d] of scope.wanted)
    if (d.namespace === ns && d.kind === kind && !seen.has(key)) scope.found.missing.push(key);
}

async function objectProblems(kc: Clusters, providers: SoakProvider[], found: Problems): Promise<void> {
  const wanted = new Map<string, Deployed>();
  for (const d of providers.flatMap((p) => p.names.flatMap((n) => p.deployed(n))))
    wanted.set(`${d.kind}/${d.namespace}/${d.name}`, d);
  const scope = { client: KubeClient.for(kc.mcp), wanted, found };
  for (const ns of new Set(providers.map((p) => p.namespace)))
    for (const kind of Object.keys(KINDS) as Deployed["kind"][]) await kindProblems(scope, ns, kind);
}

function releaseStatuses(secrets: Obj[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const s of secrets) {
    const name = s.metadata.labels?.name ?? "?";
    byName.set(name, [...(byName.get(name) ?? []), s.metadata.labels?.status ?? "?"]);
  }
  return byName;
}

function releaseProblem(name: string, statuses: string[], wanted: boolean): string[] {
  const out: string[] = [];
  if (!wanted) out.push(`release ${name}: orphaned (${statuses.join(",")})`);
  const deployed = statuses.filter((s) => s === "deployed").length;
  if (deployed > 1) out.push(`release ${name}: ${deployed} deployed revisions`);
  if (deployed === 0 && wanted) out.push(`release ${name}: no deployed revision`);
  const pending = statuses.filter((s) => s.startsWith("pending"));
  if (pending.length > 0) out.push(`release ${name}: ${pending.join(",")}`);
  return out;
}

/** Release Secrets by release name: exactly one deployed, nothing pending, none unasked for. */
async function releaseProblems(kc: Clusters, providers: SoakProvider[], found: Problems): Promise<void> {
  const client = KubeClient.for(kc.mcp);
  for (const p of providers.filter((x) => x.helm)) {
    const secrets = (await client.list("v1", "Secret", {
      namespace: p.namespace,
      labelSelector: "owner=helm",
    })) as Obj[];
    const byName = releaseStatuses(secrets);
    const wanted = new Set(p.names);
    for (const name of p.names) if (!byName.has(name)) found.releases.push(`release ${name}: missing`);
    for (const [name, statuses] of byName)
      found.releases.push(...releaseProblem(name, statuses, wanted.has(name)));
  }
}

export async function problems(kc: Clusters, providers: SoakProvider[]): Promise<Problems> {
  const found: Problems = { drift: [], missing: [], orphans: [], releases: [] };
  await objectProblems(kc, providers, found);
  await releaseProblems(kc, providers, found);
  return found;
}
