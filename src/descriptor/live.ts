/**
 * Live values (`unit.live`): fields of objects a unit deployed, read by the engine once they
 * exist and handed to the render as `ctx.live`, so the render stays pure. Here: compiling the
 * declarations, rendering which objects they name, and taking a value out of an object the
 * engine read (Secrets: existence, type and metadata only, never data).
 */
import type { CompiledDescriptor, CompiledLiveValue, CompiledUnit } from "./compiled.js";
import type { RenderContext, Scope } from "./evaluate.js";
import { ExpressionSyntaxError, parsePath } from "./expr.js";
import { issue, RenderError, type Issue, type IssuePath } from "./issues.js";
import { isRecord } from "./json.js";
import { renderNode, type CompiledTemplate, type TemplateNode } from "./template.js";

/** What of a Secret may be read: whether it exists, its type and these metadata fields. */
const SECRET_METADATA = [
  "name",
  "namespace",
  "uid",
  "labels",
  "annotations",
  "creationTimestamp",
  "generation",
];
/** kubectl's copy of the applied object: for a Secret it holds the data. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export function isSecretKind(v: { apiVersion: string; kind: string }): boolean {
  return v.kind === "Secret" && v.apiVersion === "v1";
}

/** The steps of a live path (`status.loadBalancer.ingress[0].ip`), or what is wrong with it. */
export function parseLivePath(text: string): { steps: string[] } | { error: string } {
  try {
    const parsed = parsePath(`each${text.startsWith("[") ? "" : "."}${text}`);
    const steps: string[] = [];
    for (const step of parsed.steps) {
      if (step.kind !== "prop")
        return { error: `path ${text} must name one field (no wildcards or selects)` };
      steps.push(step.name);
    }
    return steps.length > 0 ? { steps } : { error: "path is empty" };
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return { error: `path ${text}: ${err.message}` };
    throw err;
  }
}

/** Why a path may not be read from a Secret, or undefined. */
export function secretPathProblem(steps: readonly string[]): string | undefined {
  const [first, second] = steps;
  if (first === "type" && steps.length === 1) return undefined;
  if (first === "metadata" && second !== undefined && SECRET_METADATA.includes(second)) {
    // The whole map is read without it (secretView).
    if (second === "annotations" && steps[2] === LAST_APPLIED)
      return `a Secret's ${LAST_APPLIED} annotation holds its data`;
    return undefined;
  }
  return `only a Secret's existence (no path), type and metadata (${SECRET_METADATA.join(", ")}) can be read, never its data`;
}

/** An object a live value reads, rendered for one API object. */
export interface LiveRead {
  unit: string;
  key: string;
  object: { apiVersion: string; kind: string; name: string; namespace?: string };
  path?: readonly string[];
  pathText?: string;
}

function text(v: unknown, at: IssuePath): string {
  if (typeof v === "string" && v !== "") return v;
  throw new RenderError("expression", [
    issue("not-a-string", at, `expected a non-empty string, got ${JSON.stringify(v)}`),
  ]);
}

function unitOf(compiled: CompiledDescriptor, name: string): CompiledUnit {
  const unit = compiled.units.find((u) => u.name === name);
  if (unit === undefined) throw new RangeError(`descriptor ${compiled.name} has no unit "${name}"`);
  return unit;
}

/**
 * The objects a unit's live values read, rendered in the unit's scope (names may map
 * `${api…}`). Throws RenderError as renderUnit does.
 */
export function liveReads(compiled: CompiledDescriptor, unitName: string, ctx: RenderContext): LiveRead[] {
  const unit = unitOf(compiled, unitName);
  const scope: Scope = ctx.target ? { ...ctx, target: { ...ctx.target, cluster: unit.target } } : ctx;
  return unit.live.map((v) => {
    const at = ["spec", "deploy", unit.index, "live", v.key];
    const ns = v.namespace ?? unit.namespace;
    const namespace = ns === undefined ? undefined : text(renderNode(ns.node, scope), [...at, "namespace"]);
    const read: LiveRead = {
      unit: unit.name,
      key: v.key,
      object: {
        apiVersion: v.apiVersion,
        kind: v.kind,
        name: text(renderNode(v.name.node, scope), [...at, "name"]),
        ...(namespace === undefined ? {} : { namespace }),
      },
    };
    if (v.path !== undefined) read.path = v.path;
    if (v.pathText !== undefined) read.pathText = v.pathText;
    return read;
  });
}

/** "Service argocd/argocd-server status.loadBalancer.ingress[0].ip" (or "… to exist"). */
export function describeLive(read: LiveRead): string {
  const { kind, name, namespace } = read.object;
  const object = `${kind} ${namespace === undefined ? "" : `${namespace}/`}${name}`;
  return read.pathText === undefined ? `${object} to exist` : `${object} ${read.pathText}`;
}

function empty(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return isRecord(v) && Object.keys(v).length === 0;
}

function walk(value: unknown, steps: readonly string[]): unknown {
  let cur = value;
  for (const step of steps) {
    if (Array.isArray(cur) && /^\d+$/.test(step)) cur = cur[Number(step)];
    else if (isRecord(cur) && Object.hasOwn(cur, step)) cur = cur[step];
    else return undefined;
  }
  return cur;
}

/** What of a Secret a live value may see: no data, no kubectl copy of it. */
function secretView(obj: Record<string, unknown>): Record<string, unknown> {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const metadata: Record<string, unknown> = {};
  for (const key of SECRET_METADATA) if (meta[key] !== undefined) metadata[key] = meta[key];
  if (isRecord(meta.annotations)) {
    const { [LAST_APPLIED]: _dropped, ...annotations } = meta.annotations;
    metadata.annotations = annotations;
  }
  return { apiVersion: obj.apiVersion, kind: obj.kind, type: obj.type, metadata };
}

/**
 * The value a live read yields from the object as read (undefined: not there): `true` for
 * existence, else the field; undefined while the object or field is missing, null or empty.
 */
export function liveValue(read: LiveRead, object: Record<string, unknown> | undefined): unknown {
  if (object === undefined) return undefined;
  if (read.path === undefined) return true;
  const visible = isSecretKind(read.object) ? secretView(object) : object;
  if (isSecretKind(read.object) && secretPathProblem(read.path) !== undefined) return undefined;
  const v = walk(visible, read.path);
  return empty(v) ? undefined : v;
}

/** Issues of the live declarations that lint finds beyond compile: a literal object the unit does not deploy. */
export function liveIssues(compiled: CompiledDescriptor): Issue[] {
  return compiled.units.flatMap((unit) => unit.live.flatMap((v) => undeployed(unit, v)));
}

function literal(t: CompiledLiveValue["name"] | undefined): string | undefined {
  return t?.node.t === "lit" && typeof t.node.v === "string" ? t.node.v : undefined;
}

function undeployed(unit: CompiledUnit, v: CompiledLiveValue): Issue[] {
  const name = literal(v.name);
  if (unit.manifests === undefined || name === undefined) return [];
  const objects = unit.manifests.map(manifestId);
  // A manifest with a mapped kind or name could be it: nothing to say.
  if (objects.some((o) => o === undefined)) return [];
  if (objects.some((o) => o?.kind === v.kind && o.name === name && o.apiVersion === v.apiVersion)) return [];
  return [
    issue(
      "live-object",
      ["spec", "deploy", unit.index, "live", v.key],
      `live.${v.key}: unit ${unit.name} deploys no ${v.apiVersion} ${v.kind} ${name}; a live value reads only objects its own unit deployed`,
    ),
  ];
}

/** The literal string at a path of a template, or undefined when it is mapped or absent. */
function literalAt(node: TemplateNode, path: readonly string[]): string | undefined {
  let cur: TemplateNode | undefined = node;
  let value: unknown;
  for (const key of path) {
    if (cur?.t === "obj") cur = cur.entries.find(([k]) => k === key)?.[1];
    else if (cur?.t === "lit") {
      value = isRecord(cur.v) ? cur.v[key] : undefined;
      cur = { t: "lit", v: value };
    } else return undefined;
  }
  return cur?.t === "lit" && typeof cur.v === "string" ? cur.v : undefined;
}

function manifestId(m: CompiledTemplate): { apiVersion: string; kind: string; name: string } | undefined {
  const apiVersion = literalAt(m.node, ["apiVersion"]);
  const kind = literalAt(m.node, ["kind"]);
  const name = literalAt(m.node, ["metadata", "name"]);
  return apiVersion && kind && name ? { apiVersion, kind, name } : undefined;
}
