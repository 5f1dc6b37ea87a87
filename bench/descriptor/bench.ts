/**
 * Descriptor benchmark (not a timed test): loading + linting 100 descriptors, and
 * rendering a descriptor with 50 units and 1,000 forEach items. Prints a table,
 * writes bench/results/descriptor.json, exits 1 if the render median exceeds 50 ms.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import {
  compileDescriptor,
  lintLoaded,
  loadDescriptors,
  parseDescriptor,
  renderPlan,
  type UnitOutputs,
} from "../../src/descriptor/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RENDER_BUDGET_MS = 50;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

/** 100 descriptors: copies of the bundled providers with their own names and groups. */
function writeDescriptors(dir: string): void {
  const sources = ["crossplane", "landscaper", "flux", "demo"];
  for (let i = 0; i < 100; i++) {
    const name = sources[i % sources.length] ?? "demo";
    const src = join(ROOT, "providers", name);
    const doc = parse(readFileSync(join(src, "descriptor.yaml"), "utf8")) as {
      metadata: { name: string };
      spec: { api: { group: string } };
    };
    doc.metadata.name = `${name}-${i}`;
    doc.spec.api.group = `p${i}.${doc.spec.api.group}`;
    const out = join(dir, `p${i}`);
    mkdirSync(out);
    writeFileSync(join(out, "descriptor.yaml"), stringify(doc));
    for (const ref of ["api.schema.yaml", "config.schema.yaml"]) {
      try {
        writeFileSync(join(out, ref), readFileSync(join(src, ref)));
      } catch {
        // only crossplane uses $ref files
      }
    }
  }
}

function unit(i: number, forEach: boolean): Record<string, unknown> {
  const base = { name: `u${i}`, dependsOn: i > 0 ? [`u${i - 1}`] : [], namespace: "bench-system" };
  if (forEach) {
    return {
      ...base,
      forEach: "${api.spec.items}",
      manifests: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "item-${each.name}", labels: { owner: "${api.metadata.name}" } },
          data: {
            value: "${each.value}",
            version: "${config.spec.versions[version=api.spec.version].chartVersion}",
            prev: `\${deploy.u${i - 1}.ready}`,
          },
        },
      ],
    };
  }
  return {
    ...base,
    helm: {
      chart: {
        repo: "https://charts.invalid",
        name: `c${i}`,
        version: "${config.spec.versions[version=api.spec.version].chartVersion}",
      },
      values: {
        replicas: "${api.spec.replicas}",
        image: `\${config.spec.registry}/c${i}:\${api.spec.version}`,
        nested: { a: { b: [1, 2, "${api.metadata.namespace}"] } },
      },
    },
  };
}

function renderDescriptor(units: number, forEachUnits: number): string {
  const deploy = Array.from({ length: units }, (_, i) => unit(i, i >= units - forEachUnits));
  return stringify({
    apiVersion: "spe.dev/v1alpha1",
    kind: "ProviderDescriptor",
    metadata: { name: "bench" },
    spec: {
      api: {
        group: "bench.spe.dev",
        kind: "Bench",
        versions: [{ name: "v1alpha1", schema: { type: "object", description: "d", properties: {} } }],
      },
      config: { schema: { type: "object", description: "d", properties: {} } },
      deploy,
    },
  });
}

function renderBench(
  label: string,
  units: number,
  forEachUnits: number,
  items: number,
): Record<string, unknown> {
  const [compiled, compileMs] = time(() =>
    compileDescriptor(
      parseDescriptor(renderDescriptor(units, forEachUnits), "bench.yaml", {
        reader: { read: () => ({ name: "", text: "" }) },
      }),
    ),
  );
  const api = {
    apiVersion: "bench.spe.dev/v1alpha1",
    kind: "Bench",
    metadata: { name: "mcp", namespace: "t" },
    spec: {
      version: "1.0",
      replicas: 2,
      items: Array.from({ length: items }, (_, i) => ({ name: `i${i}`, value: `v${i}` })),
    },
  };
  const config = {
    spec: {
      registry: "r.invalid",
      versions: [
        { version: "0.9", chartVersion: "0.9.0" },
        { version: "1.0", chartVersion: "1.0.0" },
      ],
    },
  };
  const outputs: UnitOutputs = {
    release: { name: "x", namespace: "x", chartName: "x", chartVersion: "1", revision: 1 },
    objects: [],
    ready: true,
  };
  const deploy = Object.fromEntries(compiled.units.map((u) => [u.name, outputs]));
  const runs: number[] = [];
  let objects = 0;
  for (let r = 0; r < 30; r++) {
    const [plan, ms] = time(() => renderPlan(compiled, { api, config, deploy }));
    runs.push(ms);
    objects = plan.reduce((n, p) => n + (p.type === "manifests" ? p.manifests.length : 1), 0);
  }
  return {
    label,
    units,
    forEachUnits,
    items,
    objects,
    compileMs: round(compileMs),
    renderMedianMs: round(median(runs.slice(5))),
    renderMaxMs: round(Math.max(...runs.slice(5))),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const dir = mkdtempSync(join(tmpdir(), "spe-bench-"));
writeDescriptors(dir);
const [loaded, loadMs] = await timeAsync(() => loadDescriptors([dir]));
const [issues, lintMs] = time(() => lintLoaded(loaded));
rmSync(dir, { recursive: true });
const load = {
  descriptors: loaded.descriptors.length,
  loadMs: round(loadMs),
  lintMs: round(lintMs),
  findings: issues.length,
};

const renders = [
  renderBench("50 units, one forEach over 1,000 items", 50, 1, 1000),
  renderBench("50 units, ten forEach units over 100 items each (1,000 objects)", 50, 10, 100),
];

const result = {
  node: process.version,
  date: new Date().toISOString(),
  load,
  renders,
  budgetMs: RENDER_BUDGET_MS,
};
mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
writeFileSync(join(ROOT, "bench", "results", "descriptor.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(`load 100 descriptors: ${load.loadMs} ms; lint: ${load.lintMs} ms (${load.findings} findings)`);
for (const r of renders)
  console.log(
    `${String(r.label)}: compile ${String(r.compileMs)} ms, render median ${String(r.renderMedianMs)} ms (max ${String(r.renderMaxMs)} ms), ${String(r.objects)} objects`,
  );
const slow = renders.filter((r) => (r.renderMedianMs as number) > RENDER_BUDGET_MS);
if (slow.length > 0) {
  console.error(`render exceeds the ${RENDER_BUDGET_MS} ms budget`);
  process.exitCode = 1;
}
