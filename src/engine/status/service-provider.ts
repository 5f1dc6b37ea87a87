/**
 * The one status write spe makes to an object that is not its API object: openMCP's
 * ServiceProvider learns the kinds its provider serves (`status.resources`), which the
 * ControlPlane controller deletes, named like the ControlPlane, before it deletes an MCP.
 * A JSON merge patch of the status subresource, as openMCP's RegisterGVKsAtServiceProvider
 * sends it: it replaces the list and leaves the operator's own status fields alone.
 */
import type { KubeClient } from "../../kube/client.js";

export const SERVICE_PROVIDER = { apiVersion: "openmcp.cloud/v1alpha1", kind: "ServiceProvider" } as const;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export async function registerServedKinds(
  platform: KubeClient,
  providerName: string,
  resources: readonly GroupVersionKind[],
): Promise<void> {
  const path = await platform.path({ ...SERVICE_PROVIDER, name: providerName });
  await platform.send({
    method: "PATCH",
    path: `${path}/status`,
    body: { status: { resources } },
    contentType: "application/merge-patch+json",
  });
}
