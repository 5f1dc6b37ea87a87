/**
 * Rendering a token unit: which ServiceAccount (on which target) the token is for, how long it
 * lives, and which Secret on the unit's target receives it. The token itself is minted by the
 * plugin; nothing secret is in the plan.
 */
import type { CompiledUnit } from "./compiled.js";
import type { Scope } from "./evaluate.js";
import { RenderError, issue, type IssuePath } from "./issues.js";
import type { NamespacedName, TokenPlan, TokenUnitPlan } from "./plan.js";
import { bad, objectName, record, text } from "./render-copy.js";
import { checkNamespace } from "./render-manifests.js";
import { planBase, unitNamespaces } from "./render-parts.js";
import { renderNode } from "./template.js";

type CompiledToken = NonNullable<CompiledUnit["token"]>;

function serviceAccount(token: CompiledToken, scope: Scope, path: IssuePath): NamespacedName {
  const sa = record(renderNode(token.serviceAccount.node, scope));
  const at = [...path, "serviceAccount"];
  return {
    namespace: checkNamespace(sa.namespace, [...at, "namespace"]),
    name: objectName(sa.name, [...at, "name"], "ServiceAccount name"),
  };
}

function secret(
  token: CompiledToken,
  scope: Scope,
  path: IssuePath,
  ns: { own?: string; allowed: Set<string> },
): NamespacedName {
  const s = record(renderNode(token.secret.node, scope));
  const name = objectName(s.name, [...path, "secret", "name"], "Secret name");
  const at = [...path, "secret", "namespace"];
  const namespace = s.namespace === undefined ? (ns.own ?? "") : checkNamespace(s.namespace, at);
  if (!ns.allowed.has(namespace))
    bad(
      "namespace-not-allowed",
      at,
      `Secret ${name}: namespace ${JSON.stringify(namespace)} is not allowed by the descriptor (allowed: ${[...ns.allowed].join(", ") || "none"})`,
    );
  return { namespace, name };
}

function audiences(token: CompiledToken, scope: Scope, path: IssuePath): string[] {
  const list = renderNode(token.audiences.node, scope);
  const at = [...path, "audiences"];
  if (!Array.isArray(list)) return bad("not-a-list", at, `audiences must be a list, got ${typeof list}`);
  return list.map((a, i) => {
    const audience = text(a, [...at, i], "an audience");
    if (audience === "") bad("invalid-audience", [...at, i], "an audience must not be empty");
    return audience;
  });
}

function serverUrl(value: unknown, path: IssuePath): string {
  const server = text(value, path, "kubeconfig.server");
  let url: URL | undefined;
  try {
    url = new URL(server);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:"))
    bad("invalid-server", path, `kubeconfig.server ${JSON.stringify(server)} is not an http(s) URL`);
  return server.replace(/\/+$/, "");
}

function kubeconfig(token: CompiledToken, scope: Scope, path: IssuePath): TokenPlan["kubeconfig"] {
  if (token.kubeconfig === undefined) return undefined;
  const k = record(renderNode(token.kubeconfig.node, scope));
  // null: the config gives none (`${config.spec.server ?? null}`), the server spe uses.
  return k.server === undefined || k.server === null
    ? {}
    : { server: serverUrl(k.server, [...path, "kubeconfig", "server"]) };
}

export function renderToken(unit: CompiledUnit, token: CompiledToken, scope: Scope): TokenUnitPlan {
  const path = ["spec", "deploy", unit.index, "token"];
  const ns = unitNamespaces(unit, scope);
  if (ns.own === undefined)
    throw new RenderError("expression", [issue("missing-namespace", path, "token unit has no namespace")]);
  const plan: TokenPlan = {
    from: token.from,
    serviceAccount: serviceAccount(token, scope, path),
    expirationSeconds: token.expirationSeconds,
    audiences: audiences(token, scope, path),
    secret: secret(token, scope, path, ns),
  };
  const kc = kubeconfig(token, scope, path);
  if (kc !== undefined) plan.kubeconfig = kc;
  return { ...planBase(unit), type: "token", token: plan };
}
