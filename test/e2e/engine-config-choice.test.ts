/**
 * Choosing the config by label selector with a default and by a reference field (landscaper's
 * rule): no default is a ConfigNotFound condition and event naming the selector; labelling a
 * config wakes the waiting object (the watch on configs sees labels, the poll is 10 minutes);
 * a config once chosen is kept while it exists although another one is the default now; two
 * defaults are ConfigAmbiguous; the reference field picks any config.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-choice-${id}`;
const GROUP = "choice.tests.spe.dev";
const LABEL = `${GROUP}/providertype`;
const SELECTOR = `${LABEL}=default`;

const api = (name: string, ref?: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Chooser",
  metadata: { name, namespace: NS },
  spec: ref ? { providerConfigRef: { name: ref } } : {},
});
const config = (name: string, isDefault: boolean) => {
  const labels: Record<string, string> = isDefault ? { [LABEL]: "default" } : {};
  return {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name, labels },
    spec: { team: name },
  };
};

type Condition = { type: string; status: string; reason: string; message: string };
type Status = { phase?: string; conditions?: Condition[]; providerConfigRef?: { name: string } };

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function status(name: string): Promise<Status | undefined> {
  return ((await read(onboarding, api(name))) as { status?: Status } | undefined)?.status;
}

function configResolved(s: Status | undefined): Condition | undefined {
  return s?.conditions?.find((c) => c.type === "ConfigResolved");
}

/** The status once its ConfigResolved condition has this reason and a message containing `text`. */
async function resolvedAs(name: string, reason: string, text: string): Promise<Status> {
  return eventually(
    `${name}: ConfigResolved ${reason} "${text}"`,
    async () => {
      const s = await status(name);
      const c = configResolved(s);
      return c?.reason === reason && c.message.includes(text) ? s : undefined;
    },
    60_000,
  );
}

/** The config name the object's ConfigMap on the mcp was rendered with. */
async function deployedWith(name: string): Promise<string | undefined> {
  const cm = (await read(mcp, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${name}-chosen`, namespace: NS },
  })) as { data?: { config?: string } } | undefined;
  return cm?.data?.config;
}

async function readyWith(name: string, configName: string): Promise<void> {
  await eventually(
    `${name} Ready with ${configName}`,
    async () => {
      const s = await status(name);
      if (s?.phase !== "Ready" || s.providerConfigRef?.name !== configName) return undefined;
      return (await deployedWith(name)) === configName ? true : undefined;
    },
    60_000,
  );
}

async function warnings(name: string, reason: string): Promise<string[]> {
  const events = await KubeClient.for(onboarding).list("v1", "Event", { namespace: NS });
  return events
    .map(
      (e) =>
        e as unknown as { involvedObject: { name?: string }; type: string; reason: string; message: string },
    )
    .filter((e) => e.involvedObject.name === name && e.type === "Warning" && e.reason === reason)
    .map((e) => e.message);
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/config-choice.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const name of ["first", "second", "third"]) await grantTarget(NS, `${name}-kubeconfig`, "mcp");
  await apply(platform, config("alpha", false));
  await apply(platform, config("beta", false));
});

afterAll(async () => {
  const client = KubeClient.for(onboarding);
  for (const name of ["first", "second", "third"])
    await client.delete({ apiVersion: `${GROUP}/v1alpha1`, kind: "Chooser", name, namespace: NS });
  await eventually(
    "objects gone",
    async () =>
      (await client.list(`${GROUP}/v1alpha1`, "Chooser", { namespace: NS })).length === 0 ? true : undefined,
    60_000,
  );
  await engine.stop();
  await KubeClient.for(platform).delete({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    name: "alpha",
  });
  await removeProvider({ group: GROUP, apiPlural: "choosers", configName: "beta", namespace: NS });
});

describe("choosing the config", () => {
  it("by the default label, kept once chosen, or by the object's reference", async () => {
    // No config carries the default label: a condition and a Warning event name the selector.
    await apply(onboarding, api("first"));
    const none = await resolvedAs("first", "ConfigNotFound", SELECTOR);
    expect(configResolved(none)?.status).toBe("False");
    expect(configResolved(none)?.message).toBe(`No ProviderConfig matches selector ${SELECTOR}`);
    await eventually("ConfigNotFound event", async () => {
      const found = await warnings("first", "ConfigNotFound");
      return found.some((m) => m.includes(SELECTOR)) ? found : undefined;
    });

    // The operator labels alpha as the default: the watch on configs wakes the object.
    await apply(platform, config("alpha", true));
    await readyWith("first", "alpha");
    expect(configResolved(await status("first"))?.message).toBe(
      'ProviderConfig "alpha" resolved (matches the selector)',
    );

    // beta becomes the default instead: first keeps alpha (it exists), a new object gets beta.
    await apply(platform, config("beta", true));
    await apply(platform, config("alpha", false));
    await resolvedAs("first", "ConfigResolved", 'ProviderConfig "alpha" resolved (chosen before; kept');
    await apply(onboarding, api("second"));
    await readyWith("second", "beta");
    expect(await deployedWith("first")).toBe("alpha");

    // Two defaults: ambiguous for an object choosing now, and the event names both.
    await apply(platform, config("alpha", true));
    await apply(onboarding, api("third"));
    const two = await resolvedAs("third", "ConfigAmbiguous", SELECTOR);
    expect(configResolved(two)?.message).toContain("(alpha, beta)");
    await eventually("ConfigAmbiguous event", async () => {
      const found = await warnings("third", "ConfigAmbiguous");
      return found.some((m) => m.includes(SELECTOR)) ? found : undefined;
    });

    // The reference field picks one, whatever the labels say.
    await apply(onboarding, api("third", "alpha"));
    await readyWith("third", "alpha");
    expect(configResolved(await status("third"))?.message).toBe(
      'ProviderConfig "alpha" resolved (named by the object)',
    );
  });
});
