/**
 * Live values (unit.live), the argocd shape: the server unit deploys a LoadBalancer Service and
 * its TLS Secret; the settings unit (a ConfigMap) needs the Service's load-balancer address,
 * and status.endpoint shows it. Until the address exists the API object is Progressing and
 * names what waits for what; once it appears the ConfigMap and the status follow within
 * seconds (a watch, not the poll), and so does a changed address.
 *
 * There is no cloud load balancer on the test clusters: the test writes the Service's
 * status.loadBalancer.ingress itself, through the status subresource, as a cloud controller
 * manager would.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-live-${id}`;
const NAME = "mcp-l";
const GROUP = "live.tests.spe.dev";
const UNIT_NS = "live-system";
const api = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "LiveDemo",
  metadata: { name: NAME, namespace: NS },
  spec: { port: 8443 },
};
const config = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "live-demo" },
  spec: {},
};
const settings = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "server-settings", namespace: UNIT_NS },
};

type Condition = { type: string; status: string; reason: string; message: string };
type Status = {
  phase?: string;
  endpoint?: string;
  tlsReady?: boolean;
  ingressAddress?: string;
  conditions?: Condition[];
};

let engine: Engine;
let onboarding: KubeConfig;
let mcp: KubeConfig;

async function status(): Promise<Status> {
  const obj = (await read(onboarding, api)) as { status?: Status } | undefined;
  return obj?.status ?? {};
}

async function settingsUrl(): Promise<string | undefined> {
  const cm = (await read(mcp, settings)) as { data?: { url?: string } } | undefined;
  return cm?.data?.url;
}

/** What a cloud controller manager (or an ingress controller) does once it has a load balancer. */
async function assignAddress(
  ip: string,
  path = `/api/v1/namespaces/${UNIT_NS}/services/server/status`,
): Promise<void> {
  await KubeClient.for(mcp).send({
    method: "PATCH",
    path,
    body: { status: { loadBalancer: { ingress: [{ ip }] } } },
    contentType: "application/merge-patch+json",
  });
}

/** The endpoint in the status and the URL in the ConfigMap both name `ip`. */
async function following(ip: string): Promise<number> {
  const start = Date.now();
  const url = `https://${ip}:8443`;
  await eventually(
    `status.endpoint and the settings ConfigMap name ${ip}`,
    async () => {
      const s = await status();
      return s.phase === "Ready" && s.endpoint === url && (await settingsUrl()) === url ? true : undefined;
    },
    20_000,
  );
  return Date.now() - start;
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/live/descriptor.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await apply(kubeConfigFor("platform"), config);
});

afterAll(async () => {
  await KubeClient.for(onboarding).delete({ ...api, name: NAME, namespace: NS });
  await eventually("object gone", async () => ((await read(onboarding, api)) ? undefined : true), 30_000);
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "livedemos", configName: "live-demo", namespace: NS });
});

describe("live values", () => {
  it("wait for a load balancer's address, then reach a later unit and status.endpoint, and follow changes", async () => {
    await apply(onboarding, api);
    const waiting = await eventually(
      "Progressing, naming the unit, the live value and the Service field it waits for",
      async () => {
        const s = await status();
        const ready = s.conditions?.find((c) => c.type === "ResourcesReady");
        return s.phase === "Progressing" && ready?.reason === "LiveValuePending" ? { s, ready } : undefined;
      },
      30_000,
    );
    expect(waiting.ready.message).toBe(
      "unit settings: live.server.address is not available yet (waits for Service live-system/server status.loadBalancer.ingress[0].ip)",
    );
    // The Secret exists (the unit deployed it): its live value is there; the address is not.
    expect(waiting.s.tlsReady).toBe(true);
    expect(waiting.s.endpoint).toBeUndefined();
    expect(await settingsUrl()).toBeUndefined();

    await assignAddress("203.0.113.7");
    const first = await following("203.0.113.7");
    // The 5 s requeue of a waiting object would also get there; the watch is what makes it quick.
    expect(first).toBeLessThan(10_000);

    await assignAddress("203.0.113.8");
    await following("203.0.113.8");

    // An Ingress's status moving leaves its generation (what drift watches) as it is: only the
    // watch of what live values read brings it, well before the minute-long poll.
    await assignAddress(
      "203.0.113.9",
      `/apis/networking.k8s.io/v1/namespaces/${UNIT_NS}/ingresses/server/status`,
    );
    await eventually(
      "status.ingressAddress names the Ingress's address",
      async () => ((await status()).ingressAddress === "203.0.113.9" ? true : undefined),
      20_000,
    );
  });
});
