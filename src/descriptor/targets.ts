/**
 * The clusters a descriptor deploys to: the default target (`spec.target.cluster`, reached by
 * `spec.target.access`), the further ones `spec.target.clusters` configures, and each unit's.
 */
import { issue, type Issue } from "./issues.js";
import type { ProviderDescriptor } from "./load.js";
import type { DeployUnit } from "./types.gen.js";

export type TargetName = "mcp" | "workload" | "platform";

/** In this order in lists and messages. */
const ORDER: readonly TargetName[] = ["mcp", "workload", "platform"];

/** The targets units may name: the default first, then those of spec.target.clusters. */
export function configuredTargets(d: ProviderDescriptor): TargetName[] {
  const { cluster, clusters = {} } = d.spec.target;
  const more = ORDER.filter((n) => n !== cluster && clusters[n] !== undefined);
  return [cluster, ...more];
}

/** The cluster a unit deploys to. */
export function unitTarget(d: ProviderDescriptor, u: DeployUnit): TargetName {
  return u.target ?? d.spec.target.cluster;
}

function configureHint(name: TargetName): string {
  return name === "platform"
    ? "add spec.target.clusters.platform: {}"
    : `add spec.target.clusters.${name}.access (or make it spec.target.cluster)`;
}

/**
 * A unit may only name a configured target; the default target is not listed again under
 * spec.target.clusters, where its access would contradict spec.target.access.
 */
export function checkTargets(d: ProviderDescriptor): Issue[] {
  const out: Issue[] = [];
  const configured = configuredTargets(d);
  const { cluster, clusters = {} } = d.spec.target;
  if (clusters[cluster] !== undefined)
    out.push(
      issue(
        "target-clusters",
        ["spec", "target", "clusters", cluster],
        `${cluster} is the default target (spec.target.cluster); its access is spec.target.access, not listed here`,
      ),
    );
  d.spec.deploy.forEach((u, i) => {
    if (u.target === undefined || configured.includes(u.target)) return;
    out.push(
      issue(
        "unknown-target",
        ["spec", "deploy", i, "target"],
        `unit ${u.name}: target ${u.target} is not configured (configured: ${configured.join(", ")}); ${configureHint(u.target)}`,
      ),
    );
  });
  return out;
}
