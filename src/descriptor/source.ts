/**
 * YAML parsing that keeps source positions, so every issue can say file:line:col.
 * Positions are recorded per document path: the key for collections, the value
 * for scalars (where `${…}` lives).
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";
import { issue, type Issue, type IssuePath } from "./issues.js";

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

const SEP = "\u0000";

/** Source positions by document path; lookups fall back to the nearest ancestor. */
export class PositionMap {
  private readonly map = new Map<string, SourcePos>();

  set(path: IssuePath, pos: SourcePos): void {
    this.map.set(path.join(SEP), pos);
  }

  get(path: IssuePath): SourcePos | undefined {
    for (let n = path.length; n >= 0; n--) {
      const pos = this.map.get(path.slice(0, n).join(SEP));
      if (pos !== undefined) return pos;
    }
    return undefined;
  }

  /** Copies `other`'s positions under `prefix` (for resolved $refs). */
  graft(prefix: IssuePath, other: PositionMap): void {
    const head = prefix.join(SEP);
    for (const [key, pos] of other.map) this.map.set(key === "" ? head : `${head}${SEP}${key}`, pos);
  }

  /** The positions below `prefix`, re-rooted at it. */
  subtree(prefix: IssuePath): PositionMap {
    const head = prefix.join(SEP);
    const out = new PositionMap();
    for (const [key, pos] of this.map) {
      if (key === head) out.map.set("", pos);
      else if (key.startsWith(`${head}${SEP}`)) out.map.set(key.slice(head.length + 1), pos);
    }
    return out;
  }

  /** Fills file/line/col of issues that have none. */
  locate(issues: Issue[]): Issue[] {
    return issues.map((i) => (i.line !== undefined ? i : { ...i, ...this.get(i.path) }));
  }
}

export interface YamlDocument {
  value: unknown;
  positions: PositionMap;
  /** Position of the document's first node. */
  start: SourcePos;
}

function record(
  node: Node | null,
  path: IssuePath,
  ctx: { file: string; lc: LineCounter; map: PositionMap },
): void {
  if (node === null) return;
  const at = (offset: number): SourcePos => ({ file: ctx.file, ...ctx.lc.linePos(offset) });
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = [...path, key];
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      const useValue = valueNode !== null && isScalar(valueNode);
      const offset = (useValue ? valueNode.range : keyNode?.range)?.[0];
      if (offset !== undefined) ctx.map.set(child, at(offset));
      record(valueNode, child, ctx);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const n = item as Node | null;
      if (n?.range) ctx.map.set([...path, i], at(n.range[0]));
      record(n, [...path, i], ctx);
    });
  }
}

/** Parses multi-document YAML (or JSON); syntax errors become `yaml` issues with positions. */
export function parseYaml(text: string, file: string): { docs: YamlDocument[]; issues: Issue[] } {
  const lc = new LineCounter();
  const docs: YamlDocument[] = [];
  const issues: Issue[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lc, prettyErrors: false })) {
    for (const err of doc.errors) {
      const pos = lc.linePos(err.pos[0]);
      issues.push({ ...issue("yaml", [], err.message.split("\n")[0] ?? err.message), file, ...pos });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const map = new PositionMap();
    const offset = doc.contents.range[0];
    const start = { file, ...lc.linePos(offset) };
    map.set([], start);
    record(doc.contents, [], { file, lc, map });
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // The parser accepts an alias to an anchor defined nowhere (or after it), and too many
      // aliases; building the value is where yaml refuses them.
      const message = err instanceof Error ? err.message : String(err);
      issues.push({ ...issue("yaml", [], message), ...start });
      continue;
    }
    docs.push({ value, positions: map, start });
  }
  return { docs, issues };
}
