/**
 * A token minted on one target and handed to another (test/fixtures/token/descriptor.yaml, the
 * velero shape): a ServiceAccount with read access to one ConfigMap on the MCP, its token as a
 * Secret (with a kubeconfig for the MCP) on the workload cluster. The Secret appears there, its
 * token authenticates against the MCP as that ServiceAccount and is allowed exactly what its
 * Role allows, it is renewed before it expires (the engine renews after 1 % of the 10-minute
 * lifetime here, the apiserver's minimum), it appears in no status or Event, a deleted Secret is
 * put back, and deletion removes it (and the account, which invalidates the token).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeApiError, KubeClient } from "../../src/kube/client.js";
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-tok-${id}`;
const NAME = "mcp-a";
const GROUP = "tok.tests.spe.dev";
const LIFETIME_MS = 600_000;
const RENEW_FRACTION = 0.01;
const api = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "TokenDemo",
  metadata: { name: NAME, namespace: NS },
  spec: { message: "hi" },
};
const config = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "tok-demo" },
  spec: {},
};

interface Status {
  phase?: string;
  resources?: { kind: string; name: string; namespace?: string; location?: string }[];
}
interface TokenSecret {
  metadata: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  data?: Record<string, string>;
}

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;
let workload: KubeConfig;
/** Where the token Secret is on the workload cluster (a namespace named by a hash of the API object). */
let secretRef: { apiVersion: string; kind: string; name: string; namespace: string };

async function status(): Promise<Status | undefined> {
  return ((await read(onboarding, api)) as { status?: Status } | undefined)?.status;
}

async function tokenSecret(): Promise<TokenSecret | undefined> {
  return await KubeClient.for(workload).get(secretRef);
}

const decode = (b64: string | undefined): string => Buffer.from(b64 ?? "", "base64").toString("utf8");

/** A client for the MCP from the Secret's kubeconfig: server, CA and token as a workload there gets them. */
function clientFrom(secret: TokenSecret): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(decode(secret.data?.kubeconfig));
  return KubeClient.for(kc);
}

async function whoAmI(client: KubeClient): Promise<string | undefined> {
  const review = (await client.send({
    method: "POST",
    path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  })) as { status?: { userInfo?: { username?: string } } };
  return review.status?.userInfo?.username;
}

async function refusal(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof KubeApiError) return err.status;
    throw err;
  }
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  workload = kubeConfigFor("workload");
  engine = await startEngine([await loadProvider("test/fixtures/token/descriptor.yaml")], {
    token: { renewFraction: RENEW_FRACTION },
  });
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await grantTarget(NS, `${NAME}-workload`, "workload");
  await apply(platform, config);
});

afterAll(async () => {
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "tokendemos", configName: "tok-demo", namespace: NS });
});

describe("a ServiceAccount's token minted on the MCP and handed to the workload cluster", () => {
  it("writes the Secret on the workload cluster; its token acts on the MCP as that ServiceAccount", async () => {
    await apply(onboarding, api);
    const s = await eventually(
      "API object Ready",
      async () => {
        const st = await status();
        return st?.phase === "Ready" ? st : undefined;
      },
      60_000,
    );
    const listed = s.resources?.find((r) => r.kind === "Secret");
    expect(listed).toMatchObject({ name: "mcp-access", location: "workload" });
    secretRef = { apiVersion: "v1", kind: "Secret", name: "mcp-access", namespace: listed?.namespace ?? "" };
    expect(secretRef.namespace).toMatch(/^tok-[a-z0-9]+$/);
    const secret = await tokenSecret();
    expect(secret?.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("spe");
    expect(secret?.metadata.annotations?.["spe.dev/token-for"]).toBe("mcp: ServiceAccount tok-system/reader");
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual(["ca.crt", "kubeconfig", "namespace", "token"]);
    expect(await KubeClient.for(mcp).get(secretRef)).toBeUndefined();

    const asReader = clientFrom(secret!);
    expect(await whoAmI(asReader)).toBe("system:serviceaccount:tok-system:reader");
    const greeting = { apiVersion: "v1", kind: "ConfigMap", name: "greeting", namespace: "tok-system" };
    expect((await asReader.get(greeting))?.data).toEqual({ message: "hi" });
    // Only what its Role allows: not the other ConfigMaps, not the workload cluster's.
    expect(await refusal(asReader.list("v1", "ConfigMap", { namespace: "tok-system" }))).toBe(403);
    // The token key alone authenticates too (a workload may build its own client).
    const bare = new KubeConfig();
    const server = mcp.getCurrentCluster()!;
    bare.loadFromOptions({
      clusters: [{ name: "mcp", server: server.server, caData: secret!.data!["ca.crt"]! }],
      users: [{ name: "reader", token: decode(secret!.data!.token) }],
      contexts: [{ name: "mcp", cluster: "mcp", user: "reader" }],
      currentContext: "mcp",
    });
    expect(await whoAmI(KubeClient.for(bare))).toBe("system:serviceaccount:tok-system:reader");
  });

  it("puts the token in no status and no Event", async () => {
    const token = decode((await tokenSecret())?.data?.token);
    expect(token.length).toBeGreaterThan(20);
    const obj = JSON.stringify(await read(onboarding, api));
    const events = JSON.stringify(
      await KubeClient.for(onboarding).list("events.k8s.io/v1", "Event", { namespace: NS }),
    );
    expect(obj).not.toContain(token);
    expect(events).not.toContain(token);
  });

  it("renews the token before it expires, at the share of its lifetime the engine is set to", async () => {
    const before = await tokenSecret();
    const notes = before!.metadata.annotations!;
    const expires = Date.parse(notes["spe.dev/token-expires-at"]!);
    const renewAt = Date.parse(notes["spe.dev/token-renew-at"]!);
    // Issued about LIFETIME_MS before it expires; renewed RENEW_FRACTION of that later.
    const issued = expires - LIFETIME_MS;
    expect(renewAt - issued).toBeGreaterThan(RENEW_FRACTION * LIFETIME_MS - 3_000);
    expect(renewAt - issued).toBeLessThan(RENEW_FRACTION * LIFETIME_MS + 3_000);
    const renewed = await eventually(
      "a new token in the Secret",
      async () => {
        const now = await tokenSecret();
        return now?.data?.token !== before?.data?.token ? now : undefined;
      },
      30_000,
    );
    // Not before it was due, and with a later expiry.
    expect(Date.now()).toBeGreaterThanOrEqual(renewAt);
    expect(Date.parse(renewed.metadata.annotations!["spe.dev/token-expires-at"]!)).toBeGreaterThan(expires);
    expect(await whoAmI(clientFrom(renewed))).toBe("system:serviceaccount:tok-system:reader");
  });

  it("puts a deleted Secret back", async () => {
    await KubeClient.for(workload).delete(secretRef);
    const back = await eventually(
      "the token Secret re-created",
      async () => {
        const s = await tokenSecret();
        return s?.data?.token ? s : undefined;
      },
      30_000,
    );
    expect(await whoAmI(clientFrom(back))).toBe("system:serviceaccount:tok-system:reader");
  });

  it("removes the Secret (and the account, so the token no longer works) on deletion", async () => {
    const last = await tokenSecret();
    await KubeClient.for(onboarding).delete({
      apiVersion: api.apiVersion,
      kind: api.kind,
      name: NAME,
      namespace: NS,
    });
    await eventually(
      "API object gone",
      async () => ((await read(onboarding, api)) ? undefined : true),
      60_000,
    );
    expect(await tokenSecret()).toBeUndefined();
    expect(await refusal(whoAmI(clientFrom(last!)))).toBe(401);
  });
});
