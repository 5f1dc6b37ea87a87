/**
 * Every field of a kubeconfig's cluster, user and context has a fate: used (and then handed
 * to the helm worker unchanged, which is what exportConfig is for), ignored as client-go
 * ignores it, or refused with an error naming the field. Nothing is dropped silently.
 */
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { CLUSTER_FIELDS, CONTEXT_FIELDS, type FieldFate, USER_FIELDS } from "./kubeconfig-fields.js";
import { KubeConfig } from "./kubeconfig.js";

const CLUSTER_SAMPLES: Record<string, unknown> = {
  server: "https://127.0.0.1:6443",
  "certificate-authority": "/etc/ca.pem",
  "certificate-authority-data": "Y2E=",
  "insecure-skip-tls-verify": true,
  "tls-server-name": "api.internal",
  "proxy-url": "http://proxy.internal:3128",
  "disable-compression": true,
  extensions: [{ name: "client.authentication.k8s.io/exec", extension: { audience: "x" } }],
};

const USER_SAMPLES: Record<string, unknown> = {
  "client-certificate": "/etc/cert.pem",
  "client-certificate-data": "Y2VydA==",
  "client-key": "/etc/key.pem",
  "client-key-data": "a2V5",
  token: "t0k3n",
  tokenFile: "/etc/token",
  "token-file": "/etc/token",
  username: "me",
  password: "pw",
  exec: { apiVersion: "client.authentication.k8s.io/v1", command: "plugin" },
  as: "alice",
  "as-uid": "1234",
  "as-groups": ["team-a", "team-b"],
  "as-user-extra": { "scopes.example.com/x": ["read", "write"] },
  "auth-provider": { name: "oidc", config: { "id-token": "s3cret" } },
  extensions: [{ name: "x", extension: {} }],
};

const CONTEXT_SAMPLES: Record<string, unknown> = {
  cluster: "c",
  user: "u",
  namespace: "team",
  extensions: [{ name: "x", extension: {} }],
};

function doc(
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  context: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443", ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u", ...context } }],
    "current-context": "ctx",
  };
}

function load(text: Record<string, unknown>): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(stringify(text));
  return kc;
}

/** What the helm worker gets for the field: the exported document's entry. */
function exported(kc: KubeConfig): { cluster: Record<string, unknown>; user: Record<string, unknown> } {
  const out = parse(kc.exportConfig()) as {
    clusters: { cluster: Record<string, unknown> }[];
    users: { user: Record<string, unknown> }[];
  };
  return { cluster: out.clusters[0]?.cluster ?? {}, user: out.users[0]?.user ?? {} };
}

const fates = (table: Readonly<Record<string, FieldFate>>, fate: string): string[] =>
  Object.entries(table)
    .filter(([, f]) => f.fate === fate)
    .map(([key]) => key);

describe("kubeconfig fields", () => {
  it("lists a fate for every field of client-go's Cluster, AuthInfo and Context", () => {
    expect(Object.keys(CLUSTER_FIELDS).sort()).toEqual(Object.keys(CLUSTER_SAMPLES).sort());
    expect(Object.keys(USER_FIELDS).sort()).toEqual(Object.keys(USER_SAMPLES).sort());
    expect(Object.keys(CONTEXT_FIELDS).sort()).toEqual(Object.keys(CONTEXT_SAMPLES).sort());
    expect(fates(USER_FIELDS, "refused")).toEqual(["auth-provider"]);
    expect(fates(USER_FIELDS, "ignored")).toEqual(["extensions"]);
    expect(fates(CONTEXT_FIELDS, "ignored")).toEqual(["extensions"]);
    expect(fates(CLUSTER_FIELDS, "used")).toEqual(Object.keys(CLUSTER_FIELDS));
  });

  it.each(fates(CLUSTER_FIELDS, "used").filter((f) => f !== "server" && f !== "insecure-skip-tls-verify"))(
    "cluster field %s is used and reaches the helm worker unchanged",
    (field) => {
      const kc = load(doc({ [field]: CLUSTER_SAMPLES[field] }, { token: "t" }));
      expect(exported(kc).cluster[field]).toEqual(CLUSTER_SAMPLES[field]);
    },
  );

  it("cluster field insecure-skip-tls-verify is used and reaches the helm worker; with a CA it is refused", () => {
    const kc = load(doc({ "insecure-skip-tls-verify": true }, { token: "t" }));
    expect(exported(kc).cluster["insecure-skip-tls-verify"]).toBe(true);
    expect(() =>
      load(doc({ "insecure-skip-tls-verify": true, "certificate-authority-data": "Y2E=" }, {})),
    ).toThrow(
      'kubeconfig cluster "c": clusters[0].cluster.insecure-skip-tls-verify cannot be combined with a certificate authority',
    );
  });

  it.each(fates(USER_FIELDS, "used").filter((f) => f !== "token-file"))(
    "user field %s is used and reaches the helm worker unchanged",
    (field) => {
      // The other impersonation fields need a user to impersonate (see below).
      const as = field.startsWith("as-") ? { as: "alice" } : {};
      const kc = load(doc({}, { ...as, [field]: USER_SAMPLES[field] }));
      expect(exported(kc).user[field]).toEqual(USER_SAMPLES[field]);
    },
  );

  it("user field token-file reaches the helm worker as client-go's tokenFile", () => {
    expect(exported(load(doc({}, { "token-file": "/etc/token" }))).user.tokenFile).toBe("/etc/token");
  });

  it("user field auth-provider is refused, its config never quoted", () => {
    const text = doc({}, { "auth-provider": USER_SAMPLES["auth-provider"] });
    expect(() => load(text)).toThrow('user "u" uses the auth-provider "oidc", which spe does not support');
    expect(() => load(text)).not.toThrow(/s3cret/);
  });

  it("ignored fields (extensions of users and contexts) load", () => {
    const kc = load(doc({}, { token: "t", extensions: USER_SAMPLES.extensions }, { extensions: [] }));
    expect(kc.getCurrentUser()?.token).toBe("t");
  });

  it.each([
    ["cluster", doc({ "proxy-uri": "http://p" }, {}), "clusters[0].cluster.proxy-uri"],
    ["user", doc({}, { token: "t", "as-group": ["admins"] }), "users[0].user.as-group"],
    ["context", doc({}, {}, { namespaces: "x" }), "contexts[0].context.namespaces"],
  ])("an unknown %s field is refused, naming it", (entry, text, field) => {
    expect(() => load(text)).toThrow(
      `kubeconfig ${entry} "${entry === "context" ? "ctx" : entry[0]}": ${field} is not a kubeconfig field`,
    );
  });

  it("an unknown field of an entry no context uses is left alone", () => {
    const text = doc({}, { token: "t" });
    (text.users as unknown[]).push({ name: "old", user: { "as-group": ["x"] } });
    expect(load(text).getCurrentUser()?.token).toBe("t");
  });

  it.each([
    ["socks5://proxy:1080", "must be an http:// or https:// proxy; spe's client cannot use a socks5 proxy"],
    ["http://", "must be a URL such as http://proxy.example:3128"],
  ])("proxy-url %s is refused, naming the field", (url, why) => {
    expect(() => load(doc({ "proxy-url": url }, {}))).toThrow(`clusters[0].cluster.proxy-url ${why}`);
  });

  it("impersonating groups, uid or extra without a user is refused, as client-go refuses it", () => {
    expect(() => load(doc({}, { token: "t", "as-groups": ["g"] }))).toThrow(
      'kubeconfig user "u": users[0].user.as is missing: as-uid, as-groups and as-user-extra impersonate only together with a user',
    );
  });

  it("reads impersonation into the model", () => {
    const user = load(
      doc({}, { token: "t", as: "alice", "as-uid": "1", "as-groups": ["g"], "as-user-extra": { k: ["v"] } }),
    ).getCurrentUser();
    expect(user).toMatchObject({
      impersonate: "alice",
      impersonateUid: "1",
      impersonateGroups: ["g"],
      impersonateExtra: { k: ["v"] },
    });
    expect(() => load(doc({}, { "as-user-extra": { k: "v" } }))).toThrow(
      "users[0].user.as-user-extra.k must be a list of strings",
    );
  });
});
