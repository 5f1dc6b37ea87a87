/**
 * Loading descriptors from files, directories and ConfigMap data: YAML with
 * positions, `$ref` to sibling files, schema validation with defaults.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { DescriptorError, hasErrors, issue, type Issue } from "./issues.js";
import { configMapReader, fileReader, resolveRefs, type SourceReader } from "./refs.js";
import { checkDescriptorSchema } from "./schema-check.js";
import { parseYaml, type PositionMap, type YamlDocument } from "./source.js";
import type { ProviderDescriptorResource } from "./types.gen.js";
import { compareStrings } from "./compare.js";

export interface DescriptorSource {
  /** File name, or `configmap:<namespace>/<name>/<key>`. */
  file: string;
  /** Directory chart paths are relative to; absent for ConfigMaps. */
  dir?: string;
  positions: PositionMap;
}

/** A schema-valid descriptor (defaults applied) with where it came from. */
export type ProviderDescriptor = ProviderDescriptorResource & { readonly source: DescriptorSource };

export interface LoadResult {
  descriptors: ProviderDescriptor[];
  /** Every issue found, with file:line:col where known. */
  issues: Issue[];
}

export interface ParseOptions {
  /** Reads `$ref`ed sources; defaults to files below the descriptor's directory. */
  reader?: SourceReader;
  dir?: string;
}

/** A ConfigMap labelled spe.dev/descriptor=true, as the engine loads them. */
function isDescriptorConfigMap(value: unknown): boolean {
  const v = value as { kind?: unknown; metadata?: { labels?: Record<string, unknown> } } | null;
  return v?.kind === "ConfigMap" && v.metadata?.labels?.["spe.dev/descriptor"] === "true";
}

function isCandidate(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.kind === "ProviderDescriptor" ||
    (typeof v.apiVersion === "string" && v.apiVersion.startsWith("spe.dev/"))
  );
}

function fromDocument(doc: YamlDocument, source: string, reader: SourceReader, dir?: string): LoadResult {
  const refs = resolveRefs(doc.value, source, reader, doc.positions);
  const schemaIssues = doc.positions.locate(checkDescriptorSchema(refs.value));
  const issues = [...refs.issues, ...schemaIssues];
  if (hasErrors(issues)) return { descriptors: [], issues };
  const descriptor = refs.value as ProviderDescriptor;
  Object.defineProperty(descriptor, "source", {
    value: { file: source, dir, positions: doc.positions } satisfies DescriptorSource,
    enumerable: false,
  });
  return { descriptors: [descriptor], issues };
}

/** Parses every ProviderDescriptor document in `text`; never throws for bad input. */
export function safeParseDescriptors(
  text: string,
  sourceName: string,
  options: ParseOptions = {},
): LoadResult {
  const dir = options.dir ?? dirname(resolve(sourceName));
  const reader = options.reader ?? fileReader(dir);
  const parsed = parseYaml(text, sourceName);
  const result: LoadResult = { descriptors: [], issues: [...parsed.issues] };
  const candidates = parsed.docs.filter((d) => isCandidate(d.value));
  const configMaps = parsed.docs.filter((d) => isDescriptorConfigMap(d.value));
  for (const cm of configMaps) {
    const one = loadFromConfigMap(cm.value as ConfigMapLike, sourceName);
    result.descriptors.push(...one.descriptors);
    result.issues.push(...one.issues);
  }
  if (candidates.length === 0 && configMaps.length === 0 && parsed.issues.length === 0) {
    result.issues.push({
      ...issue("no-descriptor", [], "no ProviderDescriptor document found"),
      file: sourceName,
      line: 1,
      col: 1,
    });
  }
  for (const doc of candidates) {
    const one = fromDocument(doc, sourceName, reader, options.reader === undefined ? dir : options.dir);
    result.descriptors.push(...one.descriptors);
    result.issues.push(...one.issues);
  }
  return result;
}

/** Parses exactly one descriptor; throws DescriptorError with all issues otherwise. */
export function parseDescriptor(
  text: string,
  sourceName: string,
  options: ParseOptions = {},
): ProviderDescriptor {
  const result = safeParseDescriptors(text, sourceName, options);
  const [only] = result.descriptors;
  if (only === undefined || result.descriptors.length > 1 || hasErrors(result.issues)) {
    const extra =
      result.descriptors.length > 1
        ? [issue("multiple-descriptors", [], "expected exactly one descriptor")]
        : [];
    throw new DescriptorError([...result.issues, ...extra]);
  }
  return only;
}

async function yamlFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => compareStrings(a.name, b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory() && e.name !== "node_modules" && !e.name.startsWith("."))
      out.push(...(await yamlFilesIn(path)));
    else if (e.isFile() && [".yaml", ".yml"].includes(extname(e.name))) out.push(path);
  }
  return out;
}

async function loadFile(file: string, explicit: boolean): Promise<LoadResult> {
  const text = await readFile(file, "utf8");
  const result = safeParseDescriptors(text, file);
  // In directory scans, YAML that is not a descriptor (schemas, examples) is simply not ours.
  if (!explicit) result.issues = result.issues.filter((i) => i.code !== "no-descriptor");
  if (!explicit && !/^\s*(apiVersion:\s*spe\.dev\/|kind:\s*ProviderDescriptor)/m.test(text)) {
    return { descriptors: [], issues: [] };
  }
  return result;
}

/** Loads descriptors from files and directories (recursively, *.yaml/*.yml). I/O errors become `io` issues. */
export async function loadDescriptors(paths: readonly string[]): Promise<LoadResult> {
  const result: LoadResult = { descriptors: [], issues: [] };
  for (const path of paths) {
    try {
      const isDir = (await stat(path)).isDirectory();
      const files = isDir ? await yamlFilesIn(path) : [path];
      for (const file of files) {
        const one = await loadFile(file, !isDir);
        result.descriptors.push(...one.descriptors);
        result.issues.push(...one.issues);
      }
    } catch (err) {
      result.issues.push({ ...issue("io", [], (err as Error).message), file: path, line: 1, col: 1 });
    }
  }
  return result;
}

export interface ConfigMapLike {
  metadata: { name?: string; namespace?: string };
  data?: Record<string, string>;
}

/**
 * Loads descriptors from a ConfigMap; keys are files, `$ref: ./x.yaml` names another key.
 * Issues are located as `<file>#configmap/<ns>/<name>/<key>:line:col` (lines within the key).
 */
export function loadFromConfigMap(cm: ConfigMapLike, file?: string): LoadResult {
  const id = `${cm.metadata.namespace ?? ""}/${cm.metadata.name ?? ""}`;
  const prefix = file === undefined ? `configmap:${id}` : `${file}#configmap/${id}`;
  const data = cm.data ?? {};
  const reader = configMapReader(data, prefix);
  const result: LoadResult = { descriptors: [], issues: [] };
  for (const key of Object.keys(data).sort()) {
    const text = data[key] ?? "";
    if (!/^\s*(apiVersion:\s*spe\.dev\/|kind:\s*ProviderDescriptor)/m.test(text)) continue;
    const one = safeParseDescriptors(text, `${prefix}/${key}`, { reader });
    result.descriptors.push(...one.descriptors);
    result.issues.push(...one.issues);
  }
  if (result.descriptors.length === 0 && result.issues.length === 0) {
    result.issues.push({
      ...issue("no-descriptor", [], "the ConfigMap holds no ProviderDescriptor"),
      file: prefix,
      line: 1,
      col: 1,
    });
  }
  return result;
}
