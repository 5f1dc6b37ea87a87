/**
 * openMCP routes a provider's CRDs by their `openmcp.cloud/cluster` label (controller-utils'
 * crds package): `onboarding` for the API end users create, `platform` for the
 * ProviderConfig. spe's generated CRDs carry the label in openMCP mode (pure).
 */
import type { CompiledDescriptor, KubeObject } from "../../descriptor/index.js";
import { apiCrd, configCrd } from "../../descriptor/index.js";

export const CLUSTER_LABEL = "openmcp.cloud/cluster";

export type CrdCluster = "onboarding" | "platform";

function labelled(crd: KubeObject, cluster: CrdCluster): KubeObject {
  return {
    ...crd,
    metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, [CLUSTER_LABEL]: cluster } },
  };
}

/** The API CRD labelled for the onboarding cluster, the config CRD for the platform cluster. */
export function openmcpCrds(compiled: CompiledDescriptor): KubeObject[] {
  return [labelled(apiCrd(compiled), "onboarding"), labelled(configCrd(compiled), "platform")];
}

/** Where a CRD goes, by its label; a CRD without a known one is an error, as in openMCP. */
export function crdCluster(crd: KubeObject): CrdCluster {
  const value = crd.metadata.labels?.[CLUSTER_LABEL];
  if (value === "onboarding" || value === "platform") return value;
  throw new Error(
    `CRD ${crd.metadata.name}: label ${CLUSTER_LABEL} is ${value === undefined ? "missing" : `"${value}"`}; expected onboarding or platform`,
  );
}
