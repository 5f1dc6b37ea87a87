/**
 * The delete half: refuse while end users still have DomainServiceAPI objects
 * on the target (openMCP), then delete units in reverse dependency order, one
 * unit at a time until it is gone, then the DomainService's CRDs.
 */
import type { CompiledDescriptor, RenderContext, UnitOutputs, UnitPlan } from "../descriptor/index.js";
import { renderUnit } from "../descriptor/index.js";
import { KubeApiError, type KubeClient } from "../plugins/kube/client.js";
import type { DeployPlugin, UnitScope } from "../plugins/types.js";
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

/** Renders and observes units in apply order, so that outputs feed later units as during apply. */
async function plansForDeletion(
  compiled: CompiledDescriptor,
  ctx: RenderContext,
  plugins: PluginSet,
  scope: UnitScope,
): Promise<UnitPlan[]> {
  const outputs: Record<string, UnitOutputs> = {};
  const plans: UnitPlan[] = [];
  for (const unit of compiled.units) {
    const plan = renderUnit(compiled, unit.name, { ...ctx, deploy: outputs });
    const seen = await (plugins[plan.type] as DeployPlugin).observe(plan, scope);
    outputs[unit.name] = seen.outputs;
    plans.push(plan);
  }
  return plans;
}

async function deleteCrds(compiled: CompiledDescriptor, target: KubeClient): Promise<void> {
  for (const name of compiled.deletion.crds) {
    await target.delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name });
  }
}

export async function teardown(
  compiled: CompiledDescriptor,
  ctx: RenderContext,
  plugins: PluginSet,
  scope: UnitScope & { client: KubeClient },
): Promise<TeardownResult> {
  if (compiled.deletion.policy === "orphan")
    return { state: "done", message: "DomainService orphaned (deletion policy orphan)" };
  const blocked = await blockingObjects(compiled, scope.client);
  if (blocked !== undefined) return { state: "blocked", message: blocked };
  const plans = await plansForDeletion(compiled, ctx, plugins, scope);
  for (const plan of plans.reverse()) {
    if (plan.deletionPolicy === "orphan") continue;
    const plugin = plugins[plan.type] as DeployPlugin;
    const seen = await plugin.observe(plan, scope);
    if (!seen.exists) continue;
    await plugin.delete(plan, scope);
    const after = await plugin.observe(plan, scope);
    if (after.exists) return { state: "deleting", message: `waiting for unit ${plan.name} to be removed` };
  }
  await deleteCrds(compiled, scope.client);
  return { state: "done", message: "DomainService removed" };
}
