/** Loading one descriptor and YAML inputs for render/crds, with CLI-friendly errors. */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import {
  formatIssue,
  loadDescriptors,
  safeCompileDescriptor,
  type CompiledDescriptor,
  type ResourceNames,
} from "../descriptor/index.js";
import { UsageError } from "./io.js";

/** Thrown when the descriptor has errors; carries printable lines. */
export class FindingsError extends Error {
  override readonly name = "FindingsError";
}

export async function compileOne(path: string): Promise<CompiledDescriptor> {
  const loaded = await loadDescriptors([path]);
  if (loaded.issues.some((i) => i.code === "io"))
    throw new UsageError(loaded.issues.map(formatIssue).join("\n"));
  const errors = loaded.issues.filter((i) => i.severity === "error");
  const [only] = loaded.descriptors;
  if (errors.length > 0 || only === undefined)
    throw new FindingsError(errors.map(formatIssue).join("\n") || `${path}: no descriptor`);
  if (loaded.descriptors.length > 1)
    throw new UsageError(`${path} holds ${loaded.descriptors.length} descriptors; name one file`);
  const compiled = safeCompileDescriptor(only);
  if (!compiled.ok) throw new FindingsError(compiled.issues.map(formatIssue).join("\n"));
  return compiled.value;
}

export async function readYamlObject(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`${path}: ${(err as Error).message}`);
  }
  const value: unknown = parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new UsageError(`${path}: expected one YAML object`);
  return value as Record<string, unknown>;
}

/**
 * The object as `kubectl apply` creates it: a namespaced kind given without a namespace lands
 * in "default". openMCP's own samples are written that way, and render must see what the
 * engine would see on the cluster.
 */
export function asApplied(names: ResourceNames, obj: Record<string, unknown>): Record<string, unknown> {
  const metadata = obj.metadata;
  if (names.scope !== "Namespaced" || typeof metadata !== "object" || metadata === null) return obj;
  if ((metadata as { namespace?: unknown }).namespace !== undefined) return obj;
  return { ...obj, metadata: { ...metadata, namespace: "default" } };
}
