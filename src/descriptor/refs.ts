/**
 * `$ref` to sibling files: `{ $ref: ./api.schema.yaml }` or `./x.yaml#/a/b`.
 * Only relative references inside the descriptor's own directory (or ConfigMap)
 * are followed; `#…` references stay for JSON Schema to handle.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { issue, type Issue, type IssuePath } from "./issues.js";
import { parseYaml, PositionMap } from "./source.js";

/** Reads a referenced source. `from` is the name of the referring source. */
export interface SourceReader {
  read(ref: string, from: string): { name: string; text: string };
}

/** Reads files below `root` (the descriptor's directory); refuses anything outside it. */
export function fileReader(root: string): SourceReader {
  return {
    read(ref, from) {
      if (isAbsolute(ref)) throw new Error(`absolute $ref not allowed: ${ref}`);
      const target = resolve(dirname(from), ref);
      const rel = relative(root, target);
      if (rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
        throw new Error(`$ref ${ref} leaves the descriptor's directory`);
      }
      return { name: target, text: readFileSync(target, "utf8") };
    },
  };
}

/** Reads other keys of a ConfigMap's data. */
export function configMapReader(data: Record<string, string>, prefix: string): SourceReader {
  return {
    read(ref) {
      const key = ref.replace(/^\.\//, "");
      const text = data[key];
      if (key.includes("/") || text === undefined)
        throw new Error(`$ref ${ref}: no key ${key} in the ConfigMap`);
      return { name: `${prefix}/${key}`, text };
    },
  };
}

function pointer(value: unknown, fragment: string): unknown {
  if (fragment === "" || fragment === "/") return value;
  let cur = value;
  for (const raw of fragment.replace(/^\//, "").split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, key)) {
      throw new Error(`#${fragment} not found`);
    }
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

interface RefCtx {
  reader: SourceReader;
  positions: PositionMap;
  issues: Issue[];
  stack: string[];
}

function isFileRef(v: unknown): v is { $ref: string } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const ref = (v as Record<string, unknown>).$ref;
  return typeof ref === "string" && !ref.startsWith("#") && Object.keys(v).length === 1;
}

function load(ref: string, path: IssuePath, from: string, ctx: RefCtx): unknown {
  const [file = "", fragment = ""] = ref.split("#", 2);
  const { name, text } = ctx.reader.read(file, from);
  if (ctx.stack.includes(name)) throw new Error(`$ref cycle: ${[...ctx.stack, name].join(" -> ")}`);
  const parsed = parseYaml(text, name);
  ctx.issues.push(...parsed.issues);
  const [doc] = parsed.docs;
  if (doc === undefined) throw new Error(`${file} holds no document`);
  const value = pointer(doc.value, fragment);
  // Positions inside the referenced file keep that file's name and lines.
  const prefix = fragment.replace(/^\//, "");
  ctx.positions.graft(path, prefix === "" ? doc.positions : doc.positions.subtree(prefix.split("/")));
  return walk(value, path, name, { ...ctx, stack: [...ctx.stack, name] });
}

function walk(value: unknown, path: IssuePath, from: string, ctx: RefCtx): unknown {
  if (isFileRef(value)) {
    try {
      return load(value.$ref, path, from, ctx);
    } catch (err) {
      ctx.issues.push(issue("ref", path, (err as Error).message));
      return {};
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i], from, ctx));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k], from, ctx);
    return out;
  }
  return value;
}

/** Replaces file `$ref`s in `value` with the referenced content; failures become `ref` issues. */
export function resolveRefs(
  value: unknown,
  from: string,
  reader: SourceReader,
  positions: PositionMap,
): { value: unknown; issues: Issue[] } {
  const ctx: RefCtx = { reader, positions, issues: [], stack: [from] };
  const out = walk(value, [], from, ctx);
  return { value: out, issues: positions.locate(ctx.issues) };
}
