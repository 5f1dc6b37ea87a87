/**
 * The copies a copy unit wants, built from its sources on the platform cluster: a Secret keeps
 * its type and data, a ConfigMap its data and binaryData, each narrowed and renamed by the
 * unit's keys. Values are carried as they are (a Secret's still base64) and never put into
 * messages: what is missing is named by object and key.
 */
import type { CopyItem, CopyUnitPlan, KubeObject } from "../../descriptor/plan.js";
import { PluginError } from "../errors.js";
import type { PlatformRef, UnitScope, Waiting } from "../types.js";

type PlatformReader = NonNullable<UnitScope["platform"]>;

/** Where a copy came from, and which version of it: a change of it is a new source, not drift. */
export const SOURCE_ANNOTATION = "spe.dev/copied-from";
export const SOURCE_VERSION_ANNOTATION = "spe.dev/source-version";

const MAX_NAMED = 3;

type Data = Record<string, string>;

function sourceRef(kind: PlatformRef["kind"], item: CopyItem): PlatformRef {
  return { apiVersion: "v1", kind, namespace: item.from.namespace, name: item.from.name };
}

function dataOf(value: unknown): Data {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

interface Picked {
  data: Data;
  binaryData: Data;
  missing: string[];
}

/** The source's data narrowed to the unit's keys, renamed; the keys it lacks. */
function pick(item: CopyItem, data: Data, binaryData: Data): Picked {
  if (item.keys === undefined) return { data, binaryData, missing: [] };
  const out: Picked = { data: {}, binaryData: {}, missing: [] };
  for (const { from, to } of item.keys) {
    if (data[from] !== undefined) out.data[to] = data[from];
    else if (binaryData[from] !== undefined) out.binaryData[to] = binaryData[from];
    else out.missing.push(from);
  }
  return out;
}

function copyOf(kind: string, item: CopyItem, source: KubeObject, picked: Picked): KubeObject {
  const metadata = {
    name: item.to.name,
    namespace: item.to.namespace,
    annotations: {
      [SOURCE_ANNOTATION]: `${item.from.namespace}/${item.from.name}`,
      [SOURCE_VERSION_ANNOTATION]: `${source.metadata.uid as string}/${source.metadata.resourceVersion as string}`,
    },
  };
  if (kind === "Secret") {
    const type = typeof source.type === "string" ? source.type : "Opaque";
    return { apiVersion: "v1", kind, metadata, type, data: picked.data };
  }
  const obj: KubeObject = { apiVersion: "v1", kind, metadata, data: picked.data };
  if (Object.keys(picked.binaryData).length > 0) obj.binaryData = picked.binaryData;
  return obj;
}

export type Built = { objects: KubeObject[] } | { waiting: Waiting };

function waitingFor(reason: string, what: string[], suffix: string): Waiting {
  const named = what.slice(0, MAX_NAMED).join(", ");
  const more = what.length > MAX_NAMED ? ` and ${what.length - MAX_NAMED} more` : "";
  return { reason, message: `${named}${more} ${suffix}` };
}

/** The copies, or what they wait for (sources or keys not there). */
export async function buildCopies(unit: CopyUnitPlan, reader: PlatformReader | undefined): Promise<Built> {
  const { kind, sourceNamespaces, items } = unit.copy;
  // Teardown observes without reading sources: deleting the copies needs none.
  if (reader === undefined)
    return { waiting: { reason: "PlatformUnavailable", message: "the platform cluster is not read here" } };
  const objects: KubeObject[] = [];
  const notFound: string[] = [];
  const noKey: string[] = [];
  for (const item of items) {
    // Render refused these already; a plan from anywhere else is refused here too.
    if (!sourceNamespaces.includes(item.from.namespace))
      throw new PluginError(
        "SourceNotAllowed",
        `${kind} ${item.from.namespace}/${item.from.name}: namespace "${item.from.namespace}" is not allowed by the descriptor`,
      );
    const source = await reader(sourceRef(kind, item));
    if (source === undefined) {
      notFound.push(`${kind} ${item.from.namespace}/${item.from.name}`);
      continue;
    }
    const picked = pick(item, dataOf(source.data), dataOf(source.binaryData));
    const where = `${kind} ${item.from.namespace}/${item.from.name}`;
    noKey.push(...picked.missing.map((k) => `key "${k}" of ${where}`));
    objects.push(copyOf(kind, item, source, picked));
  }
  if (notFound.length > 0)
    return { waiting: waitingFor("SourceNotFound", notFound, "not found on the platform cluster") };
  if (noKey.length > 0) return { waiting: waitingFor("SourceKeyNotFound", noKey, "not found") };
  return { objects };
}

/** The copies as names only: enough to delete them. */
export function copyRefs(unit: CopyUnitPlan): KubeObject[] {
  return unit.copy.items.map(({ to }) => ({
    apiVersion: "v1",
    kind: unit.copy.kind,
    metadata: { name: to.name, namespace: to.namespace },
  }));
}
