/** Dependency order of deploy units (Kahn's algorithm, stable by declaration order). */

export interface DagNode {
  name: string;
  dependsOn: readonly string[];
}

export type DagResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

function findCycle(nodes: readonly DagNode[], remaining: Set<string>): string[] {
  const deps = new Map(nodes.map((n) => [n.name, n.dependsOn.filter((d) => remaining.has(d))]));
  const [start] = remaining;
  const path: string[] = [];
  let cur = start;
  while (cur !== undefined && !path.includes(cur)) {
    path.push(cur);
    cur = deps.get(cur)?.[0];
  }
  return cur === undefined ? path : [...path.slice(path.indexOf(cur)), cur];
}

function release(nodes: readonly DagNode[], done: string, indegree: Map<string, number>): void {
  for (const m of nodes)
    if (m.dependsOn.includes(done)) indegree.set(m.name, (indegree.get(m.name) ?? 1) - 1);
}

/** Topological order; unknown dependencies are ignored here (a separate check reports them). */
export function topoSort(nodes: readonly DagNode[]): DagResult {
  const names = new Set(nodes.map((n) => n.name));
  const indegree = new Map<string, number>();
  for (const n of nodes) indegree.set(n.name, new Set(n.dependsOn.filter((d) => names.has(d))).size);
  const order: string[] = [];
  const done = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const n of nodes) {
      if (done.has(n.name) || (indegree.get(n.name) ?? 0) > 0) continue;
      done.add(n.name);
      order.push(n.name);
      progress = true;
      release(nodes, n.name, indegree);
    }
  }
  if (order.length === names.size) return { ok: true, order };
  return { ok: false, cycle: findCycle(nodes, new Set([...names].filter((n) => !done.has(n)))) };
}

/** All transitive dependencies of `name`. */
export function ancestors(nodes: readonly DagNode[], name: string): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const out = new Set<string>();
  const stack = [...(byName.get(name)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop();
    if (next === undefined || out.has(next)) continue;
    out.add(next);
    stack.push(...(byName.get(next)?.dependsOn ?? []));
  }
  return out;
}
