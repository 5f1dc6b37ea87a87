/**
 * An origin is one place descriptors come from and the unit the descriptor
 * source reports on: one file, or one ConfigMap. Loading and compiling an
 * origin never throws; everything wrong with it becomes an Issue.
 */
import { readFile } from "node:fs/promises";
import {
  hasErrors,
  loadFromConfigMap,
  safeCompileDescriptor,
  safeParseDescriptors,
  type Issue,
  type LoadResult,
} from "../../descriptor/index.js";
import type { Provider } from "./provider.js";

/** Just what the source needs of a ConfigMap (a V1ConfigMap fits). */
export interface DescriptorConfigMap {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: Date | string;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
}

export interface Origin {
  /** `file:<path>` or `configmap:<namespace>/<name>`. */
  readonly id: string;
  /** Sort key: files (in flag order) before ConfigMaps (oldest first), so "the later one" is stable. */
  readonly order: string;
  readonly configMap?: DescriptorConfigMap;
  /** metadata.name of every descriptor that parsed, valid or not. */
  readonly names: readonly string[];
  /** The compiled providers; empty when the origin has errors. */
  readonly providers: readonly Provider[];
  readonly issues: readonly Issue[];
}

/** Descriptors of a directory scan are recognised by this; other YAML there is not ours. */
const DESCRIPTOR_TEXT = /^\s*(apiVersion:\s*spe\.dev\/|kind:\s*ProviderDescriptor)/m;

function compileAll(loaded: LoadResult): { providers: Provider[]; issues: Issue[] } {
  const issues = [...loaded.issues];
  const providers: Provider[] = [];
  for (const descriptor of loaded.descriptors) {
    const compiled = safeCompileDescriptor(descriptor);
    if (!compiled.ok) {
      issues.push(...compiled.issues);
      continue;
    }
    const baseDir = descriptor.source.dir ?? process.cwd();
    providers.push({ compiled: compiled.value, baseDir, source: descriptor.source.file });
  }
  // An origin is all or nothing: half a file served would be surprising.
  return hasErrors(issues) ? { providers: [], issues } : { providers, issues };
}

function namesOf(loaded: LoadResult): string[] {
  return loaded.descriptors.map((d) => d.metadata.name);
}

export interface FileEntry {
  path: string;
  /** Named on the command line (not found by a directory scan): "not a descriptor" is an error. */
  explicit: boolean;
  /** Position of its --descriptors argument. */
  rank: number;
}

/** Loads one file; undefined for scanned YAML that is not a descriptor. */
export async function fileOrigin(entry: FileEntry): Promise<Origin | undefined> {
  const id = `file:${entry.path}`;
  const order = `0:${String(entry.rank).padStart(4, "0")}:${entry.path}`;
  let text: string;
  try {
    text = await readFile(entry.path, "utf8");
  } catch (err) {
    const issue: Issue = {
      code: "io",
      path: [],
      message: (err as Error).message,
      severity: "error",
      file: entry.path,
      line: 1,
      col: 1,
    };
    return { id, order, names: [], providers: [], issues: [issue] };
  }
  if (!entry.explicit && !DESCRIPTOR_TEXT.test(text)) return undefined;
  const loaded = safeParseDescriptors(text, entry.path);
  return { id, order, names: namesOf(loaded), ...compileAll(loaded) };
}

export function configMapId(cm: DescriptorConfigMap): string {
  return `configmap:${cm.metadata?.namespace ?? ""}/${cm.metadata?.name ?? ""}`;
}

function created(cm: DescriptorConfigMap): string {
  const at = cm.metadata?.creationTimestamp;
  return at instanceof Date ? at.toISOString() : (at ?? "");
}

export function configMapOrigin(cm: DescriptorConfigMap): Origin {
  const metadata: { name?: string; namespace?: string } = {};
  if (cm.metadata?.name !== undefined) metadata.name = cm.metadata.name;
  if (cm.metadata?.namespace !== undefined) metadata.namespace = cm.metadata.namespace;
  const loaded = loadFromConfigMap({ metadata, data: cm.data ?? {} });
  const id = configMapId(cm);
  return {
    id,
    order: `1:${created(cm)}:${id}`,
    configMap: cm,
    names: namesOf(loaded),
    ...compileAll(loaded),
  };
}
