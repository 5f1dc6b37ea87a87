/**
 * A plan's helm units rendered through the helm worker (`helm template`, no cluster), for
 * `spe lint --render` and `spe render --template`: what an install would fail on because of
 * the mapped values shows before the engine tries it, at the descriptor line that mapped the
 * value helm names (src/plugins/helm/template-errors.ts).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { CompiledDescriptor, HelmUnitPlan, Issue, UnitPlan } from "../descriptor/index.js";
import { type HelmError, HelmWorker, isHelmError, template, templateFailure } from "../plugins/helm/index.js";

export interface Templated {
  /** The objects each helm unit renders, by unit name. */
  objects: Record<string, unknown[]>;
  /** Units helm could not render, located in the descriptor. */
  issues: Issue[];
}

/** The name of the unit's chart, as helm names it in its messages, when it can be known. */
function chartName(plan: HelmUnitPlan, baseDir: string): string | undefined {
  const { path, name, oci } = plan.helm.chart;
  if (name) return name;
  if (oci) return oci.split("/").pop()?.split(":")[0];
  if (!path) return undefined;
  try {
    const chart = parse(readFileSync(join(resolve(baseDir, path), "Chart.yaml"), "utf8")) as {
      name?: unknown;
    };
    return typeof chart.name === "string" ? chart.name : undefined;
  } catch {
    return undefined;
  }
}

/** Failures of fetching the chart, blamed on the unit's chart rather than its values. */
const CHART_REASONS: readonly HelmError["reason"][] = [
  "ChartNotFound",
  "ChartVersionNotFound",
  "ChartAuthFailed",
  "ChartTLSFailed",
];

function failureIssue(
  compiled: CompiledDescriptor,
  plan: HelmUnitPlan,
  err: HelmError,
  baseDir: string,
): Issue {
  const unit = compiled.units.find((u) => u.name === plan.name);
  const failure = templateFailure(err.detail || err.message, chartName(plan, baseDir));
  const helm = ["spec", "deploy", unit?.index ?? 0, "helm"];
  const issue: Issue = {
    code: "chart-render",
    path: CHART_REASONS.includes(err.reason)
      ? [...helm, "chart"]
      : [...helm, "values", ...(failure.valuesPath ?? [])],
    severity: "error",
    message: `unit ${plan.name}: helm template fails: ${failure.message}`,
  };
  return compiled.descriptor.source.positions.locate([issue])[0] ?? issue;
}

/**
 * `helm template` of each helm unit of `units`. A unit helm refuses becomes an issue; a worker
 * that cannot run throws (HelmError BinaryNotFound).
 */
export async function templateUnits(
  compiled: CompiledDescriptor,
  units: readonly UnitPlan[],
  worker: HelmWorker,
): Promise<Templated> {
  const baseDir = compiled.descriptor.source.dir ?? ".";
  const out: Templated = { objects: {}, issues: [] };
  for (const plan of units) {
    if (plan.type !== "helm") continue;
    try {
      out.objects[plan.name] = await template({ helm: worker, baseDir }, plan);
    } catch (err) {
      if (!isHelmError(err) || err.reason === "BinaryNotFound" || err.reason === "VersionUnsupported")
        throw err;
      out.issues.push(failureIssue(compiled, plan, err, baseDir));
    }
  }
  return out;
}

/** A helm worker for the CLI: `path` (--helm-worker), else $SPE_HELM_WORKER, else spe-helm-worker on PATH. */
export function cliHelmWorker(path: string | undefined): HelmWorker {
  return new HelmWorker(path === undefined ? {} : { path });
}
