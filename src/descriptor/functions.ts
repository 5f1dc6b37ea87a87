/**
 * The mapping language's functions: a fixed table of pure functions over JSON data. No
 * user value ever names a function or becomes code; arguments are already-evaluated data.
 */
import { createHash } from "node:crypto";
import type { CallExpr, Expression } from "./expr.js";
import { RenderError, issue, type IssuePath, type RenderFailure } from "./issues.js";
import { deepMerge, isRecord, isScalar, scalarText } from "./json.js";

interface FunctionSpec {
  min: number;
  max: number;
  usage: string;
  /** Arguments must be paths (has). */
  pathOnly?: boolean;
}

export const FUNCTIONS = {
  merge: {
    min: 1,
    max: Infinity,
    usage: "merge(object, …): deep merge, later arguments win",
  },
  oneOf: {
    min: 2,
    max: 2,
    usage: "oneOf(value, list): the value if the list offers it, else the input is refused",
  },
  contains: { min: 2, max: 2, usage: "contains(list, value): true when the list holds the value" },
  hash: { min: 1, max: Infinity, usage: "hash(value, …): 8 lower-case base32 characters, stable" },
  has: { min: 1, max: 1, usage: "has(path): true when the path exists and is not null", pathOnly: true },
  not: { min: 1, max: 1, usage: "not(boolean)" },
  and: { min: 1, max: Infinity, usage: "and(boolean, …)" },
  or: { min: 1, max: Infinity, usage: "or(boolean, …)" },
  eq: { min: 2, max: 2, usage: "eq(a, b): true when equal (scalars compare as text)" },
  union: {
    min: 1,
    max: Infinity,
    usage: "union(list, …): the lists' items in order, each once; a value that is no list is one item",
  },
  concat: {
    min: 1,
    max: Infinity,
    usage: "concat(value, …): the values as text, joined",
  },
  splitImage: {
    min: 1,
    max: 1,
    usage: "splitImage(ref): {repository, tag} of an image reference, as charts' image values take it",
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

export interface CallContext {
  call: CallExpr;
  at: IssuePath;
}

/** The root a value comes from decides who must fix a bad one: the user (api, config) or the descriptor. */
export function blame(arg: Expression | undefined): RenderFailure {
  if (arg === undefined) return "expression";
  if (arg.kind === "path")
    return arg.root === "api" || arg.root === "config" ? "invalid-input" : "expression";
  if (arg.kind === "fallback") return blame(arg.options[0]);
  return "expression";
}

function typeError(ctx: CallContext, index: number, want: string, got: unknown): never {
  const arg = ctx.call.args[index];
  const what = Array.isArray(got)
    ? "a list"
    : got === null
      ? "null"
      : typeof got === "object"
        ? "an object"
        : typeof got;
  throw new RenderError(blame(arg), [
    issue(
      "argument-type",
      ctx.at,
      `${ctx.call.source}: ${arg?.source ?? "argument"} is ${what}; ${ctx.call.fn} needs ${want}`,
    ),
  ]);
}

function merge(args: unknown[], ctx: CallContext): unknown {
  let out: Record<string, unknown> = {};
  args.forEach((a, i) => {
    if (!isRecord(a)) typeError(ctx, i, "objects", a);
    out = deepMerge(out, a);
  });
  return out;
}

function texts(list: unknown, ctx: CallContext, index: number): string[] {
  if (!Array.isArray(list) || !list.every(isScalar)) typeError(ctx, index, "a list of strings", list);
  return (list as unknown[]).map(scalarText);
}

/** The name a value goes by in messages: the last field of its path ("version"), or "value". */
function nameOf(arg: Expression | undefined): string {
  if (arg?.kind === "fallback") return nameOf(arg.options[0]);
  const last = arg?.kind === "path" ? arg.steps.at(-1) : undefined;
  return last?.kind === "prop" && !/^\d+$/.test(last.name) ? last.name : "value";
}

function oneOf(args: unknown[], ctx: CallContext): unknown {
  const [value, list] = args;
  if (!isScalar(value)) typeError(ctx, 0, "a string, number or boolean", value);
  const offered = texts(list, ctx, 1);
  const text = scalarText(value);
  if (offered.includes(text)) return value;
  const from = ctx.call.args[1]?.source ?? "the list";
  throw new RenderError("invalid-input", [
    issue(
      "not-offered",
      ctx.at,
      `${nameOf(ctx.call.args[0])} ${text} is not offered (${from}); offered: ${offered.length > 0 ? offered.join(", ") : "none"}`,
    ),
  ]);
}

function contains(args: unknown[], ctx: CallContext): boolean {
  const [list, value] = args;
  if (!isScalar(value)) typeError(ctx, 1, "a string, number or boolean", value);
  return texts(list, ctx, 0).includes(scalarText(value));
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base32(data: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  return bits > 0 ? out + BASE32.charAt((value << (5 - bits)) & 31) : out;
}

/**
 * openMCP's stable name hash (controller-utils' NameHashSHAKE128Base32): the values as text
 * joined by "/", SHAKE128, 5 bytes, RFC 4648 base32 in lower case: 8 characters of a-z and
 * 2-7, valid inside any DNS label. hash("default", "example") is "fphxsdub".
 */
export function nameHash(parts: readonly string[]): string {
  return base32(createHash("shake128", { outputLength: 5 }).update(parts.join("/"), "utf8").digest());
}

function hash(args: unknown[], ctx: CallContext): string {
  return nameHash(
    args.map((a, i) => {
      if (!isScalar(a)) typeError(ctx, i, "strings, numbers or booleans", a);
      return scalarText(a);
    }),
  );
}

function booleans(args: unknown[], ctx: CallContext): boolean[] {
  return args.map((a, i) => (typeof a === "boolean" ? a : typeError(ctx, i, "true or false", a)));
}

function eq(args: unknown[]): boolean {
  const [a, b] = args;
  if (isScalar(a) && isScalar(b)) return scalarText(a) === scalarText(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Lists joined without repeats (compared as JSON), so two config fields naming the same pull
 * Secret give one copy; a single value (an object such as a secretRef) is a list of itself.
 */
function union(args: unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const item of args.flatMap((a) => (Array.isArray(a) ? (a as unknown[]) : [a]))) {
    const key = JSON.stringify(item);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

interface ImageRef {
  repository: string;
  tag: string;
  digest: string;
}

/**
 * An image reference split as openMCP's controller-utils ParseImage splits it: the digest
 * after "@", the tag after the last ":" that follows the last "/" (a registry's port is no
 * tag). Charts take `repository` and `tag` apart, as Crossplane's `image.repository`/`tag`.
 */
function imageRef(args: unknown[], ctx: CallContext): ImageRef {
  const [ref] = args;
  if (typeof ref !== "string" || ref === "")
    typeError(ctx, 0, "an image reference (a non-empty string)", ref);
  const text = ref;
  const at = text.indexOf("@");
  const name = at < 0 ? text : text.slice(0, at);
  const digest = at < 0 ? "" : text.slice(at + 1);
  const colon = name.lastIndexOf(":");
  const hasTag = colon > name.lastIndexOf("/");
  const out = {
    repository: hasTag ? name.slice(0, colon) : name,
    tag: hasTag ? name.slice(colon + 1) : "",
    digest,
  };
  if (out.repository === "" || (hasTag && out.tag === "") || (at >= 0 && digest === ""))
    throw new RenderError(blame(ctx.call.args[0]), [
      issue("argument-type", ctx.at, `${ctx.call.source}: "${text}" is not an image reference`),
    ]);
  return out;
}

/** `{repository, tag}`, the shape of most charts' `image` values; `tag` is "" when the reference has none. */
function splitImage(args: unknown[], ctx: CallContext): { repository: string; tag: string } {
  const { repository, tag, digest } = imageRef(args, ctx);
  if (digest === "") return { repository, tag };
  // A chart writes "<repository>:<tag>"; a digest can only ride along behind a tag.
  if (tag !== "") return { repository, tag: `${tag}@${digest}` };
  throw new RenderError(blame(ctx.call.args[0]), [
    issue(
      "argument-type",
      ctx.at,
      `${ctx.call.source}: "${String(args[0])}" has a digest but no tag; give <repository>:<tag>@<digest>`,
    ),
  ]);
}

const IMPLEMENTATIONS: Record<
  Exclude<FunctionName, "has">,
  (args: unknown[], ctx: CallContext) => unknown
> = {
  merge,
  oneOf,
  contains,
  hash,
  not: (args, ctx) => !booleans(args, ctx)[0],
  and: (args, ctx) => booleans(args, ctx).every(Boolean),
  or: (args, ctx) => booleans(args, ctx).some(Boolean),
  eq,
  union,
  concat: (args, ctx) =>
    args
      .map((a, i) => (isScalar(a) ? scalarText(a) : typeError(ctx, i, "strings, numbers or booleans", a)))
      .join(""),
  splitImage,
};

/** Applies a function (other than has, which the evaluator answers) to evaluated arguments. */
export function applyFunction(args: unknown[], ctx: CallContext): unknown {
  if (ctx.call.fn === "has") throw new RangeError("has() is answered by the evaluator");
  return IMPLEMENTATIONS[ctx.call.fn](args, ctx);
}
