/**
 * The generated CRDs against real apiservers: the API CRD on onboarding, the
 * config CRD on platform; Established, the examples are accepted, the openMCP
 * status is writable through the status subresource, printer columns show, and
 * `kubectl explain` carries the descriptions.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  apiCrd,
  compileDescriptor,
  configCrd,
  loadDescriptors,
  type CompiledDescriptor,
} from "../../src/descriptor/index.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/descriptor/index.js";
import { clientNode } from "./support/client-node.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { eventually, read } from "./support/kube.js";

/** Every bundled provider, so a new folder is covered without editing this list. */
const PROVIDERS = readdirSync("providers", { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join("providers", e.name, "descriptor.yaml")))
  .map((e) => e.name);

async function ssa<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> {
  const api = KubernetesObjectApi.makeApiClient(clientNode(kc));
  return api.patch(obj, undefined, undefined, "spe", true, PatchStrategy.ServerSideApply);
}

/** A CRD through spe's own client: client-node's CRD model drops x-kubernetes-preserve-unknown-fields. */
async function applyCrd(kc: KubeConfig, crd: KubeObject): Promise<void> {
  await KubeClient.for(kc).apply(crd, { manager: "spe", force: true });
}

async function compiled(provider: string): Promise<CompiledDescriptor> {
  const loaded = await loadDescriptors([join("providers", provider, "descriptor.yaml")]);
  expect(loaded.issues).toEqual([]);
  return compileDescriptor(loaded.descriptors[0]!);
}

function example(
  provider: string,
  file: string,
): KubernetesObject & { metadata: { name: string; namespace?: string } } {
  return parse(readFileSync(join("providers", provider, "examples", file), "utf8")) as KubernetesObject & {
    metadata: { name: string; namespace?: string };
  };
}

async function established(kc: KubeConfig, name: string): Promise<void> {
  await eventually(`CRD ${name} Established`, async () => {
    const crd = (await read(kc, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name },
    })) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
    return crd?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
      ? true
      : undefined;
  });
}

function kubectl(role: "onboarding" | "platform", args: string[]): Promise<{ stdout: string }> {
  const env = testEnv();
  return execa(env.binaries.kubectl, [...args, "--kubeconfig", env.clusters[role].kubeconfigPath]);
}

describe.each(PROVIDERS)("generated CRDs of %s", (provider) => {
  it("are accepted, serve the examples and explain their fields", async () => {
    const c = await compiled(provider);
    const onboarding = kubeConfigFor("onboarding");
    const platform = kubeConfigFor("platform");
    const api = apiCrd(c);
    const cfg = configCrd(c);
    await applyCrd(onboarding, api);
    await applyCrd(platform, cfg);
    await established(onboarding, api.metadata.name);
    await established(platform, cfg.metadata.name);

    const obj = example(provider, "api.yaml");
    const ns = obj.metadata.namespace ?? "default";
    await ssa(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    // Discovery may lag behind Established for a moment.
    await eventually("API object accepted", () => ssa(onboarding, obj));
    await eventually("config accepted", () => ssa(platform, example(provider, "config.yaml")));

    const status = {
      observedGeneration: 1,
      phase: "Ready",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ReconcileSuccess",
          message: "all units ready",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
      resources: [{ kind: "ConfigMap", name: "x", namespace: ns, phase: "Current" }],
    };
    await kubectl("onboarding", [
      "patch",
      c.api.plural,
      obj.metadata.name,
      "-n",
      ns,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status }),
    ]);
    const table = await kubectl("onboarding", ["get", c.api.plural, obj.metadata.name, "-n", ns]);
    const header = table.stdout.split("\n")[0] ?? "";
    expect(header.split(/\s+/).filter(Boolean)).toEqual([
      "NAME",
      ...c.api.columns.map((p) => p.name.toUpperCase()),
    ]);
    expect(table.stdout.split("\n")[1]).toMatch(/\sReady\s/);

    // Every provider has a ProviderConfig kind, so explain needs the group.
    // The OpenAPI document kubectl explain reads is published shortly after the CRD is Established.
    const explainApi = await eventually("explain spec", () =>
      kubectl("onboarding", [
        "explain",
        `${c.api.plural}.spec`,
        `--api-version=${c.api.group}/${c.api.storageVersion}`,
      ]),
    );
    const spec = c.api.versions[0]?.schema as { properties?: Record<string, { description?: string }> };
    const firstWords = (spec.properties?.version?.description ?? "").split(" ").slice(0, 4).join(" ");
    expect(explainApi.stdout).toContain("version");
    expect(explainApi.stdout.replace(/\s+/g, " ")).toContain(firstWords);
    const explainStatus = await eventually("explain status", () =>
      kubectl("onboarding", [
        "explain",
        `${c.api.plural}.status.conditions`,
        `--api-version=${c.api.group}/${c.api.storageVersion}`,
      ]),
    );
    expect(explainStatus.stdout).toContain("lastTransitionTime");
    const explainCfg = await eventually("explain config", () =>
      kubectl("platform", [
        "explain",
        `${c.config.plural}.spec`,
        `--api-version=${c.config.group}/${c.config.version}`,
      ]),
    );
    const cfgSchema = c.config.schema as { description?: string };
    expect(explainCfg.stdout.replace(/\s+/g, " ")).toContain(cfgSchema.description ?? "");
  });
});

describe("a config CRD whose descriptor's schema leaves out pollInterval", () => {
  it("keeps a config's spec.pollInterval (the engine's own field) and refuses a malformed one", async () => {
    const loaded = await loadDescriptors(["test/fixtures/descriptors/manifests-only.yaml"]);
    expect(loaded.issues).toEqual([]);
    const c = compileDescriptor(loaded.descriptors[0]!);
    const platform = kubeConfigFor("platform");
    const cfg = configCrd(c);
    await ssa(platform, cfg);
    await established(platform, cfg.metadata.name);
    const config = (pollInterval: string): KubernetesObject =>
      parse(
        JSON.stringify({
          apiVersion: `${c.config.group}/${c.config.version}`,
          kind: c.config.kind,
          metadata: { name: `poll-${pollInterval.replace(/\s/g, "")}` },
          spec: { image: "registry.invalid/app:1", pollInterval },
        }),
      ) as KubernetesObject;
    // Discovery may lag behind Established for a moment.
    const applied = await eventually("config accepted", () => ssa(platform, config("5s")));
    expect((applied as { spec?: { pollInterval?: string } }).spec?.pollInterval).toBe("5s");
    await expect(ssa(platform, config("5 minutes"))).rejects.toThrow(/pollInterval/);
  });
});
