/**
 * The delete half: refuse while end users still have DomainServiceAPI objects
 * on the target (openMCP), then delete units in reverse dependency order, one
 * unit at a time until it is gone, then the DomainService's CRDs.
 */
import type {
  CompiledDescriptor,
  CompiledUnit,
  RenderContext,
  UnitOutputs,
  UnitPlan,
} from "../../descriptor/index.js";
import { RenderError, renderUnit } from "../../descriptor/index.js";
import type { UnitRecord } from "../status/api-object.js";
import { KubeApiError, type KubeClient } from "../../kube/client.js";
import type { DeployPlugin, UnitScope } from "../../plugins/types.js";
import type { PluginSet } from "./deploy.js";

export type TeardownResult =
  | { state: "blocked"; message: string }
  | { state: "deleting"; message: string }
  | { state: "done"; message: string };

const MAX_LISTED = 5;

async function preferredVersion(client: KubeClient, group: string): Promise<string | undefined> {
  try {
    const body = (await client.send({ method: "GET", path: `/apis/${group}` })) as {
      preferredVersion?: { groupVersion?: string };
    };
    return body.preferredVersion?.groupVersion;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Names of DomainServiceAPI objects left on the target, all namespaces. */
async function userObjects(client: KubeClient, group: string, kind: string): Promise<string[]> {
  const apiVersion = await preferredVersion(client, group);
  if (apiVersion === undefined) return [];
  let plural: string;
  try {
    plural = (await client.resource(apiVersion, kind)).name;
  } catch (err) {
    if (err instanceof KubeApiError && err.reason === "NoKindMatch") return [];
    throw err;
  }
  const body = (await client.send({ method: "GET", path: `/apis/${apiVersion}/${plural}` })) as {
    items?: { metadata: { name: string; namespace?: string } }[];
  };
  return (body.items ?? []).map((i) =>
    i.metadata.namespace ? `${i.metadata.namespace}/${i.metadata.name}` : i.metadata.name,
  );
}

export async function blockingObjects(
  compiled: CompiledDescriptor,
  target: KubeClient,
): Promise<string | undefined> {
  const found: string[] = [];
  for (const gk of compiled.deletion.blockWhileExist) {
    const names = await userObjects(target, gk.group, gk.kind);
    if (names.length > 0) {
      const shown = names.slice(0, MAX_LISTED).join(", ");
      const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : "";
      found.push(`${names.length} ${gk.kind}.${gk.group} (${shown}${more})`);
    }
  }
  return found.length > 0 ? `user resources still exist on the target: ${found.join("; ")}` : undefined;
}

/** A plan that only names what a unit deployed: enough for plugins to delete it. */
function recordedPlan(unit: CompiledUnit, record: UnitRecord | undefined): UnitPlan | undefined {
  if (!record) return undefined;
  const base = {
    name: unit.name,
    dependsOn: unit.dependsOn,
    deletionPolicy: unit.deletionPolicy,
    readiness: unit.readiness,
  };
  if (record.type === "manifests") return { ...base, type: "manifests", manifests: [] };
  if (!record.releaseName || !record.namespace) return undefined;
  return {
    ...base,
    type: "helm",
    helm: {
      releaseName: record.releaseName,
      namespace: record.namespace,
      chart: {},
      values: {},
      createNamespace: false,
      adopt: "never",
    },
  };
}

interface DeletionPlan {
  plan: UnitPlan;
  /** Rendered from the current inputs (observable), or rebuilt from the status record only. */
  rendered: boolean;
}

/**
 * Plans for deletion in apply order, so outputs feed later units as during
 * apply. A unit that no longer renders (its config is gone, say) falls back
 * to what the status recorded it deployed.
 */
async function plansForDeletion(input: TeardownInput): Promise<DeletionPlan[]> {
  const { compiled, ctx, plugins, scope, records } = input;
  const outputs: Record<string, UnitOutputs> = {};
  const plans: DeletionPlan[] = [];
  for (const unit of compiled.units) {
    let plan: UnitPlan;
    try {
      plan = renderUnit(compiled, unit.name, { ...ctx, deploy: outputs });
    } catch (err) {
      const fallback = recordedPlan(
        unit,
        records.find((r) => r.name === unit.name),
      );
      // Never deployed (no record) and not renderable: nothing of it can exist.
      if (fallback) plans.push({ plan: fallback, rendered: false });
      else if (!(err instanceof RenderError)) throw err;
      continue;
    }
    const seen = await (plugins[plan.type] as DeployPlugin).observe(plan, scope);
    if (seen.exists) outputs[unit.name] = seen.outputs;
    plans.push({ plan, rendered: true });
  }
  return plans;
}

/**
 * Deletes the DomainService's CRDs and names those still terminating. The
 * apiserver removes a CRD's instances before the CRD itself, so the finalizer
 * stays until they are gone: a user who re-creates the API object must not
 * race a CRD that is still on its way out.
 */
async function deleteCrds(compiled: CompiledDescriptor, target: KubeClient): Promise<string[]> {
  const remaining: string[] = [];
  for (const name of compiled.deletion.crds) {
    const ref = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name };
    if (!(await target.delete(ref))) continue;
    if (await target.get(ref)) remaining.push(name);
  }
  return remaining;
}

export interface TeardownInput {
  compiled: CompiledDescriptor;
  ctx: RenderContext;
  plugins: PluginSet;
  scope: UnitScope & { client: KubeClient };
  /** What the status recorded as deployed, for units that no longer render. */
  records: readonly UnitRecord[];
}

export async function teardown(input: TeardownInput): Promise<TeardownResult> {
  const { compiled, plugins, scope } = input;
  if (compiled.deletion.policy === "orphan")
    return { state: "done", message: "DomainService orphaned (deletion policy orphan)" };
  const blocked = await blockingObjects(compiled, scope.client);
  if (blocked !== undefined) return { state: "blocked", message: blocked };
  const plans = await plansForDeletion(input);
  for (const { plan, rendered } of plans.reverse()) {
    if (plan.deletionPolicy === "orphan") continue;
    const plugin = plugins[plan.type] as DeployPlugin;
    if (!rendered) {
      await plugin.delete(plan, scope);
      continue;
    }
    const seen = await plugin.observe(plan, scope);
    if (!seen.exists) continue;
    await plugin.delete(plan, scope);
    const after = await plugin.observe(plan, scope);
    if (after.exists) return { state: "deleting", message: `waiting for unit ${plan.name} to be removed` };
  }
  const terminating = await deleteCrds(compiled, scope.client);
  if (terminating.length > 0)
    return { state: "deleting", message: `waiting for CRDs to be removed: ${terminating.join(", ")}` };
  return { state: "done", message: "DomainService removed" };
}
