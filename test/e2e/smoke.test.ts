/**
 * Smoke tests of the test environment itself: every cluster serves CRDs and
 * custom resources, and mcp runs real workloads installed by a real helm.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { CLUSTER_ROLES } from "../env/types.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { KubeClient } from "../../src/kube/client.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";

const gadgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.smoke.spe.dev" },
  spec: {
    group: "smoke.spe.dev",
    scope: "Namespaced",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: { spec: { type: "object", properties: { colour: { type: "string" } } } },
          },
        },
      },
    ],
  },
};

describe.each(CLUSTER_ROLES)("cluster %s", (role) => {
  it("establishes a CRD and stores a custom resource", async () => {
    const kc = kubeConfigFor(role);
    await apply(kc, gadgetCrd);
    await eventually("CRD Established", async () => {
      const crd = await read(kc, gadgetCrd);
      return hasCondition(crd, "Established") ? crd : undefined;
    });
    const gadget = {
      apiVersion: "smoke.spe.dev/v1",
      kind: "Gadget",
      metadata: { name: `g-${role}`, namespace: "default" },
      spec: { colour: role },
    };
    await eventually("custom resource created", () => apply(kc, gadget));
    const stored = await read(kc, gadget);
    expect(stored).toMatchObject({ spec: { colour: role } });
  });
});

describe("mcp runs workloads", () => {
  const chart = join(import.meta.dirname, "../fixtures/charts/demo-service");
  const helm = (...args: string[]): Promise<unknown> =>
    execa(testEnv().binaries.helm, [...args, "--kubeconfig", testEnv().clusters.mcp.kubeconfigPath]);

  it("installs a chart whose Deployment becomes Available and whose CRD is Established, then uninstalls it", async () => {
    const kc = kubeConfigFor("mcp");
    await helm("install", "smoke", chart, "--namespace", "smoke", "--create-namespace");
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "smoke", namespace: "smoke" },
    };
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.demo.spe.dev" },
    };
    await eventually("Deployment Available", async () => {
      const d = await read(kc, deployment);
      return hasCondition(d, "Available") ? d : undefined;
    });
    expect(hasCondition(await read(kc, crd), "Established")).toBe(true);

    await helm("uninstall", "smoke", "--namespace", "smoke");
    await eventually("Deployment removed", async () => ((await read(kc, deployment)) ? undefined : true));
    const service = { apiVersion: "v1", kind: "Service", metadata: { name: "smoke", namespace: "smoke" } };
    expect(await read(kc, service)).toBeUndefined();
  });

  it("finalizes a deleted namespace", async () => {
    const kc = kubeConfigFor("mcp");
    const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "smoke-finalize" } };
    await apply(kc, ns);
    await apply(kc, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x", namespace: "smoke-finalize" },
      data: { a: "b" },
    });
    await execa(testEnv().binaries.kubectl, [
      "--kubeconfig",
      testEnv().clusters.mcp.kubeconfigPath,
      "delete",
      "namespace",
      "smoke-finalize",
      "--wait=false",
    ]);
    await eventually("namespace gone", async () => ((await read(kc, ns)) ? undefined : true), 90_000);
  });
});

describe("spe's Kubernetes client", () => {
  it("lists a namespaced kind across all namespaces when no namespace is given", async () => {
    const kc = kubeConfigFor("platform");
    const client = KubeClient.for(kc);
    const label = { "smoke.spe.dev/list": "all-namespaces" };
    await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name: "smoke-list" } });
    for (const namespace of ["default", "smoke-list"]) {
      await apply(kc, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "listed", namespace, labels: label },
      });
    }
    const all = await client.list("v1", "ConfigMap", { labelSelector: "smoke.spe.dev/list=all-namespaces" });
    expect(all.map((cm) => cm.metadata.namespace).sort()).toEqual(["default", "smoke-list"]);
    const one = await client.list("v1", "ConfigMap", {
      namespace: "smoke-list",
      labelSelector: "smoke.spe.dev/list=all-namespaces",
    });
    expect(one).toHaveLength(1);
  });
});
