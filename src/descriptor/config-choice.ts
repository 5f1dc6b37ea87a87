/**
 * Which config serves an API object (pure): the config a reference field in the object
 * names, else (with a label selector) the one config whose labels match, kept once chosen,
 * else the config named by `resolve.name`. The engine gives it the configs its informer
 * holds and the choice the object's status recorded.
 */
import type { CompiledDescriptor } from "./compiled.js";
import { RenderError, issue, type Issue, type IssuePath } from "./issues.js";
import type { KubeObject } from "./plan.js";
import { renderNode, type CompiledTemplate } from "./template.js";
import type { LabelSelector } from "./types.gen.js";
import { labelKeyProblem, labelValueProblem } from "./crd-options.js";
import { resolveConfigRef } from "./inputs.js";

export type ConfigChoice =
  | { ok: true; config: KubeObject; by: "ref" | "name" | "selector" | "kept" }
  | { ok: false; reason: "ConfigNotFound" | "ConfigAmbiguous"; message: string };

/** A config as status.providerConfigRef records it. */
export interface ChosenRef {
  name: string;
  namespace?: string;
}

function labelsOf(obj: KubeObject): Record<string, string> {
  return obj.metadata.labels ?? {};
}

/** Whether `labels` satisfy the selector (Kubernetes' semantics: every requirement holds). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (selector.matchExpressions ?? []).every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.operator) {
      case "In":
        return has && (r.values ?? []).includes(value ?? "");
      case "NotIn":
        return !has || !(r.values ?? []).includes(value ?? "");
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
    }
  });
}

/** The selector as kubectl's `-l` spells it: `a=b,c in (d,e),!f`. */
export function selectorText(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    const values = `(${(r.values ?? []).join(",")})`;
    if (r.operator === "In") parts.push(`${r.key} in ${values}`);
    else if (r.operator === "NotIn") parts.push(`${r.key} notin ${values}`);
    else parts.push(r.operator === "Exists" ? r.key : `!${r.key}`);
  }
  return parts.length > 0 ? parts.join(",") : "(everything)";
}

/** The name the reference field yields; undefined when it is missing, null or "". Throws RenderError. */
function referenced(ref: CompiledTemplate | undefined, api: Record<string, unknown>): string | undefined {
  if (ref === undefined) return undefined;
  let v: unknown;
  try {
    v = renderNode(ref.node, { api, config: {} });
  } catch (err) {
    if (err instanceof RenderError && err.issues.every((i) => i.code === "missing-data")) return undefined;
    throw err;
  }
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string")
    throw new RenderError("invalid-input", [
      issue("config-ref", ["spec", "config", "resolve", "ref"], `yields ${JSON.stringify(v)}, not a name`),
    ]);
  return v;
}

function keyOf(obj: { name: string; namespace?: string | undefined }): string {
  return obj.namespace ? `${obj.namespace}/${obj.name}` : obj.name;
}

interface Lookup {
  compiled: CompiledDescriptor;
  configs: readonly KubeObject[];
  /** Where a namespaced config kind is looked for; undefined: anywhere (cluster-scoped kinds). */
  namespace: string | undefined;
}

function find(l: Lookup, name: string): KubeObject | undefined {
  return l.configs.find(
    (c) => c.metadata.name === name && (l.namespace === undefined || c.metadata.namespace === l.namespace),
  );
}

function bySelector(l: Lookup, selector: LabelSelector, recorded: ChosenRef | undefined): ConfigChoice {
  const kind = l.compiled.config.kind;
  const where =
    l.namespace === undefined ? l.configs : l.configs.filter((c) => c.metadata.namespace === l.namespace);
  // Sticky: a config once chosen stays while it exists; another that starts to match swaps nothing.
  const kept = recorded && where.find((c) => keyOf(c.metadata) === keyOf(recorded));
  if (kept)
    return { ok: true, config: kept, by: selectorMatches(selector, labelsOf(kept)) ? "selector" : "kept" };
  const matching = where.filter((c) => selectorMatches(selector, labelsOf(c)));
  const text = selectorText(selector);
  const [only] = matching;
  if (matching.length === 1 && only) return { ok: true, config: only, by: "selector" };
  if (matching.length === 0)
    return { ok: false, reason: "ConfigNotFound", message: `No ${kind} matches selector ${text}` };
  const names = matching.map((c) => keyOf(c.metadata)).sort();
  return {
    ok: false,
    reason: "ConfigAmbiguous",
    message: `${matching.length} ${kind}s match selector ${text} (${names.join(", ")}); exactly one may`,
  };
}

/**
 * The config serving `api` among `configs`, or why there is none. `recorded` is the object's
 * status.providerConfigRef: with a selector, that config stays the object's while it exists.
 * Throws RenderError when the reference field or the name expression cannot be rendered.
 */
export function chooseConfig(
  compiled: CompiledDescriptor,
  api: Record<string, unknown>,
  configs: readonly KubeObject[],
  recorded?: ChosenRef,
): ConfigChoice {
  const { resolve, kind, scope } = compiled.config;
  const target = resolveConfigRef(compiled, api);
  const l: Lookup = { compiled, configs, namespace: scope === "Cluster" ? undefined : target.namespace };
  const named = referenced(resolve.ref, api);
  if (named !== undefined) {
    const config = find(l, named);
    const source = compiled.descriptor.spec.config.resolve.ref ?? "";
    return config
      ? { ok: true, config, by: "ref" }
      : { ok: false, reason: "ConfigNotFound", message: `No ${kind} "${named}" found (named by ${source})` };
  }
  if (resolve.selector !== undefined) return bySelector(l, resolve.selector, recorded);
  const config = find(l, target.name);
  return config
    ? { ok: true, config, by: "name" }
    : {
        ok: false,
        reason: "ConfigNotFound",
        message: `No ${kind} found (looked for ${kind} "${target.name}")`,
      };
}

/** `spe lint`'s checks of spec.config.resolve (rule config-resolve). */
export function checkResolve(resolve: { name?: string; ref?: string; selector?: LabelSelector }): Issue[] {
  const path: IssuePath = ["spec", "config", "resolve"];
  const out: Issue[] = [];
  const { selector } = resolve;
  if (selector === undefined) return out;
  if (resolve.name !== undefined)
    out.push(
      issue(
        "config-resolve",
        [...path, "name"],
        "name and selector both choose the config; keep one (a reference field goes in ref)",
      ),
    );
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    const problem = labelKeyProblem(k) ?? labelValueProblem(v);
    if (problem !== undefined)
      out.push(issue("config-resolve", [...path, "selector", "matchLabels", k], problem));
  }
  (selector.matchExpressions ?? []).forEach((r, i) => {
    const at = [...path, "selector", "matchExpressions", i];
    const valued = r.operator === "In" || r.operator === "NotIn";
    if (valued !== (r.values !== undefined && r.values.length > 0))
      out.push(
        issue("config-resolve", at, valued ? `${r.operator} needs values` : `${r.operator} takes no values`),
      );
    const problem = labelKeyProblem(r.key);
    if (problem !== undefined) out.push(issue("config-resolve", [...at, "key"], problem));
  });
  return out;
}
