/**
 * Live values (`unit.live`): after a unit is deployed, the engine reads the objects its live
 * values name (from the watch of them when it has listed, else a GET) and hands the values to
 * the render of later units and of the status as `ctx.live`. Only objects the unit itself
 * deployed are read. What was read is watched, so a change (a load balancer's address, a
 * Secret appearing) wakes the API object.
 */
import type { CompiledDescriptor, RenderContext } from "../../descriptor/index.js";
import { describeLive, isDataPending, liveReads, liveValue, RenderError } from "../../descriptor/index.js";
import type { LiveRead } from "../../descriptor/index.js";
import type { ObjectRef, ObjectStatus, UnitScope } from "../../plugins/types.js";
import { KubeClient } from "../../kube/client.js";
import type { TargetName } from "./targets.js";

/** Reads an object a live value names on a unit's target; undefined when it is not there. */
export type LiveReader = (scope: UnitScope, ref: ObjectRef) => Promise<Record<string, unknown> | undefined>;

/** Without the engine's watches: ask the API server. */
export const readLiveDirectly: LiveReader = async (scope, ref) =>
  await KubeClient.for(scope.kubeconfig).get(ref);

/** What a reconcile read of live values: by unit and key, what each is read from, and where. */
export interface LiveState {
  values: Record<string, Record<string, unknown>>;
  sources: Record<string, Record<string, string>>;
  /** The objects read, by target: watched after the reconcile. */
  refs: { target: TargetName; ref: ObjectRef }[];
}

export function emptyLive(): LiveState {
  return { values: {}, sources: {}, refs: [] };
}

/** The render context with the outputs and live values known so far. */
export function withLive(ctx: RenderContext, live: LiveState): RenderContext {
  return { ...ctx, live: live.values, liveSources: live.sources };
}

function sameObject(read: LiveRead, o: ObjectStatus): boolean {
  const { apiVersion, kind, name, namespace } = read.object;
  return (
    o.apiVersion === apiVersion &&
    o.kind === kind &&
    o.name === name &&
    (o.namespace === undefined || o.namespace === namespace)
  );
}

function refOf(read: LiveRead, deployed: ObjectStatus): ObjectRef {
  const { apiVersion, kind, name } = read.object;
  return deployed.namespace === undefined
    ? { apiVersion, kind, name }
    : { apiVersion, kind, name, namespace: deployed.namespace };
}

function notDeployed(compiled: CompiledDescriptor, read: LiveRead): RenderError {
  const index = compiled.units.find((u) => u.name === read.unit)?.index ?? 0;
  const { apiVersion, kind, name, namespace } = read.object;
  const object = `${apiVersion} ${kind} ${namespace === undefined ? "" : `${namespace}/`}${name}`;
  return new RenderError("expression", [
    {
      code: "live-object",
      path: ["spec", "deploy", index, "live", read.key],
      message: `live.${read.key}: unit ${read.unit} did not deploy ${object}; a live value reads only objects its own unit deployed`,
      severity: "error",
    },
  ]);
}

export interface LiveUnit {
  compiled: CompiledDescriptor;
  unit: string;
  target: TargetName;
  scope: UnitScope;
  /** The objects the unit deployed, as observed after its deploy. */
  objects: readonly ObjectStatus[];
}

/**
 * Reads the live values of a deployed unit into `live`. A value whose object or field is not
 * there yet stays absent (whoever reads it waits); an object the unit did not deploy is a
 * descriptor error (RenderError `expression`).
 */
export async function readLive(
  u: LiveUnit,
  ctx: RenderContext,
  live: LiveState,
  reader: LiveReader = readLiveDirectly,
): Promise<void> {
  let reads: LiveRead[];
  try {
    reads = liveReads(u.compiled, u.unit, withLive(ctx, live));
  } catch (err) {
    // A name that maps a value not there yet: the values stay absent until it is.
    if (isDataPending(err)) return;
    throw err;
  }
  if (reads.length === 0) return;
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const read of reads) {
    sources[read.key] = describeLive(read);
    const deployed = u.objects.find((o) => sameObject(read, o));
    if (deployed === undefined) throw notDeployed(u.compiled, read);
    const ref = refOf(read, deployed);
    live.refs.push({ target: u.target, ref });
    const value = liveValue(read, await reader(u.scope, ref));
    if (value !== undefined) values[read.key] = value;
  }
  live.values[u.unit] = values;
  live.sources[u.unit] = sources;
}
