/**
 * Labels and annotations spe writes onto the API object (`spec.writeBack`), pure: their
 * values are rendered from the object without those keys (a user's value is never read), and
 * renders see the object as spe sets it.
 */
import type { CompiledDescriptor } from "./compiled.js";
import type { RenderContext } from "./evaluate.js";
import { labelKeyProblem, labelValueProblem } from "./crd-options.js";
import { RenderError, issue, type Issue, type IssuePath } from "./issues.js";
import { isRecord } from "./json.js";
import { renderNode, type CompiledTemplate } from "./template.js";

export interface WriteBack {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

type Meta = { labels?: Record<string, string>; annotations?: Record<string, string> };

function metaOf(api: Record<string, unknown>): Meta {
  const meta: unknown = api.metadata;
  return isRecord(meta) ? meta : {};
}

function without(map: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => !keys.includes(k)));
}

/** The API object as if the user had set none of spe's keys. */
function stripped(compiled: CompiledDescriptor, api: Record<string, unknown>): Record<string, unknown> {
  const wb = compiled.writeBack;
  const meta = metaOf(api);
  return {
    ...api,
    metadata: {
      ...meta,
      labels: without(meta.labels, Object.keys(wb.labels)),
      annotations: without(meta.annotations, Object.keys(wb.annotations)),
    },
  };
}

function renderAll(
  entries: Record<string, CompiledTemplate>,
  ctx: RenderContext,
  kind: "labels" | "annotations",
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, t] of Object.entries(entries)) {
    const v = renderNode(t.node, ctx);
    const value =
      typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
    const at: IssuePath = ["spec", "writeBack", kind, key];
    if (value === undefined)
      throw new RenderError("expression", [issue("write-back", at, `yields ${JSON.stringify(v)}, not text`)]);
    const problem = kind === "labels" ? labelValueProblem(value) : undefined;
    if (problem !== undefined) throw new RenderError("invalid-input", [issue("write-back", at, problem)]);
    out[key] = value;
  }
  return out;
}

/** What spe sets on the API object. Throws RenderError. */
export function writeBackMetadata(compiled: CompiledDescriptor, ctx: RenderContext): WriteBack {
  const wb = compiled.writeBack;
  if (Object.keys(wb.labels).length === 0 && Object.keys(wb.annotations).length === 0)
    return { labels: {}, annotations: {} };
  const base = { ...ctx, api: stripped(compiled, ctx.api) };
  return {
    labels: renderAll(wb.labels, base, "labels"),
    annotations: renderAll(wb.annotations, base, "annotations"),
  };
}

/** The API object carrying spe's values for its keys, whatever the user set there. */
export function withWriteBack(api: Record<string, unknown>, wb: WriteBack): Record<string, unknown> {
  if (Object.keys(wb.labels).length === 0 && Object.keys(wb.annotations).length === 0) return api;
  const meta = metaOf(api);
  return {
    ...api,
    metadata: {
      ...meta,
      labels: { ...(meta.labels ?? {}), ...wb.labels },
      annotations: { ...(meta.annotations ?? {}), ...wb.annotations },
    },
  };
}

/** Whether the object already carries exactly spe's values. */
export function carriesWriteBack(api: Record<string, unknown>, wb: WriteBack): boolean {
  const meta = metaOf(api);
  return (
    Object.entries(wb.labels).every(([k, v]) => meta.labels?.[k] === v) &&
    Object.entries(wb.annotations).every(([k, v]) => meta.annotations?.[k] === v)
  );
}

/** `spe lint` (write-back): keys Kubernetes would refuse. */
export function checkWriteBack(
  wb: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> } | undefined,
): Issue[] {
  const out: Issue[] = [];
  for (const kind of ["labels", "annotations"] as const)
    for (const key of Object.keys(wb?.[kind] ?? {})) {
      const problem = labelKeyProblem(key);
      if (problem !== undefined) out.push(issue("write-back", ["spec", "writeBack", kind, key], problem));
    }
  return out;
}
