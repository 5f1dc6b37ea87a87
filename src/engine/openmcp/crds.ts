/**
 * openMCP routes a provider's CRDs by their `openmcp.cloud/cluster` label (controller-utils'
 * crds package): `onboarding` for the API end users create, `platform` for the
 * ProviderConfig. spe's generated CRDs carry it (the descriptor's crdLabels; by default the
 * API CRD onboarding, the config CRD platform), and `spe init` routes by it (pure).
 */
import type { KubeObject } from "../../descriptor/index.js";

export const CLUSTER_LABEL = "openmcp.cloud/cluster";

export type CrdCluster = "onboarding" | "platform";

/** Where a CRD goes, by its label; a CRD without a known one is an error, as in openMCP. */
export function crdCluster(crd: KubeObject): CrdCluster {
  const value = crd.metadata.labels?.[CLUSTER_LABEL];
  if (value === "onboarding" || value === "platform") return value;
  throw new Error(
    `CRD ${crd.metadata.name}: label ${CLUSTER_LABEL} is ${value === undefined ? "missing" : `"${value}"`}; expected onboarding or platform`,
  );
}
