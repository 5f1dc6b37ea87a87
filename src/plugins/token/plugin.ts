/**
 * The token plugin: a ServiceAccount's token, minted on one target (TokenRequest, bounded
 * lifetime) and written as a Secret on the unit's target, renewed once a share of its lifetime
 * has passed (two thirds by default). The Secret is an object like a manifests unit's (owner
 * labels, server-side apply, an inventory that prunes it, drift corrected), so the work is
 * the manifests plugin's; this plugin decides when a new token is needed and builds the Secret.
 * The token is kept in memory (and taken back from the Secret after a restart), so a reconcile
 * in which nothing is due asks no apiserver for one; it never leaves the Secret's data.
 */
import type { KubeObject, ManifestsUnitPlan, TokenUnitPlan } from "../../descriptor/plan.js";
import { KubeClient } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { asManifestsUnit, ManifestsPlugin, type ManifestsPluginOptions } from "../manifests/index.js";
import { OWNER_LABEL, ownerHash } from "../objects/owner.js";
import type {
  DeployPlugin,
  Observation,
  OwnerRef,
  UnitPlanBase,
  UnitRecordFields,
  UnitScope,
  WatchSpec,
  Waiting,
} from "../types.js";
import { mintToken } from "./mint.js";
import { heldIn, requestId, secretData, sourceCluster, tokenSecret, type Held } from "./secret.js";

/** When a token is renewed: after this share of its lifetime. */
export const DEFAULT_RENEW_FRACTION = 2 / 3;

export interface TokenPluginOptions extends ManifestsPluginOptions {
  /** Renew after this share of a token's lifetime (0 < f < 1; default 2/3). */
  renewFraction?: number;
  now?: () => number;
}

/** The Secret by name only: enough to see whether it is there and to delete it. */
function secretRefs(unit: TokenUnitPlan): KubeObject[] {
  const { name, namespace } = unit.token.secret;
  return name === "" ? [] : [{ apiVersion: "v1", kind: "Secret", metadata: { name, namespace } }];
}

function keyOf(owner: OwnerRef, unit: string): string {
  return `${owner.provider}/${owner.namespace}/${owner.name}/${unit}`;
}

/** The `from` target's access, or why the unit waits for it. */
function sourceOf(unit: TokenUnitPlan, scope: UnitScope): KubeConfig | Waiting {
  const from = unit.token.from;
  const own = unit.target === undefined || unit.target === from;
  const cluster = own ? scope.kubeconfig : scope.cluster?.(from);
  return (
    cluster ?? {
      reason: "TargetUnreachable",
      message: `target ${from} (where ServiceAccount ${unit.token.serviceAccount.namespace}/${unit.token.serviceAccount.name} is) is not reached`,
    }
  );
}

function isWaiting(v: KubeConfig | Waiting): v is Waiting {
  return "reason" in v;
}

export class TokenPlugin implements DeployPlugin<TokenUnitPlan> {
  readonly type = "token" as const;
  private readonly objects: ManifestsPlugin;
  private readonly fraction: number;
  private readonly now: () => number;
  /** The token each unit holds, by owner and unit. */
  private readonly held = new Map<string, Held & { uid: string }>();

  constructor(options: TokenPluginOptions = {}) {
    this.objects = new ManifestsPlugin(options);
    const f = options.renewFraction ?? DEFAULT_RENEW_FRACTION;
    this.fraction = f > 0 && f < 1 ? f : DEFAULT_RENEW_FRACTION;
    this.now = options.now ?? Date.now;
  }

  /** The token the unit holds for this request and need not renew yet: from memory, else from its Secret. */
  private async current(unit: TokenUnitPlan, scope: UnitScope, request: string): Promise<Held | undefined> {
    const key = keyOf(scope.owner, unit.name);
    const kept = this.held.get(key);
    let held: Held | undefined = kept?.uid === scope.owner.uid ? kept : undefined;
    if (held === undefined || held.request !== request) {
      held = await this.fromSecret(unit, scope, request);
      if (held) this.held.set(key, { ...held, uid: scope.owner.uid });
    }
    const now = this.now();
    return held && now < held.renewAt && now < held.expiresAt ? held : undefined;
  }

  /** After a restart: the token in the Secret spe wrote for this owner and request. */
  private async fromSecret(
    unit: TokenUnitPlan,
    scope: UnitScope,
    request: string,
  ): Promise<Held | undefined> {
    const [ref] = secretRefs(unit);
    if (ref === undefined) return undefined;
    const live = await KubeClient.for(scope.kubeconfig).get({
      apiVersion: "v1",
      kind: "Secret",
      name: ref.metadata.name,
      namespace: ref.metadata.namespace ?? "",
    });
    if (live?.metadata.labels?.[OWNER_LABEL] !== ownerHash(scope.owner)) return undefined;
    return heldIn(live, request);
  }

  /** A token to write: the one held, or a new one. */
  private async token(unit: TokenUnitPlan, scope: UnitScope): Promise<Held> {
    const source = sourceOf(unit, scope);
    if (isWaiting(source)) throw new Error(source.message);
    const cluster = sourceCluster(source, unit.token);
    const request = requestId(unit.token, cluster);
    const held = await this.current(unit, scope, request);
    if (held) return held;
    const minted = await mintToken(source, unit.token, scope.signal);
    const now = this.now();
    const fresh: Held = {
      request,
      data: secretData(unit.token, cluster, minted.token),
      expiresAt: minted.expiresAt,
      renewAt: Math.min(now + this.fraction * minted.lifetimeMs, minted.expiresAt),
    };
    this.held.set(keyOf(scope.owner, unit.name), { ...fresh, uid: scope.owner.uid });
    return fresh;
  }

  private async desired(unit: TokenUnitPlan, scope: UnitScope): Promise<ManifestsUnitPlan> {
    return asManifestsUnit(unit, [tokenSecret(unit.token, await this.token(unit, scope))]);
  }

  async observe(unit: TokenUnitPlan, scope: UnitScope): Promise<Observation> {
    const source = sourceOf(unit, scope);
    const held = isWaiting(source)
      ? undefined
      : await this.current(unit, scope, requestId(unit.token, sourceCluster(source, unit.token)));
    if (held === undefined) {
      // No token yet, or one due for renewal: what is there is only looked at, not compared.
      const seen = await this.objects.observe(asManifestsUnit(unit, secretRefs(unit)), scope);
      const base = { exists: seen.exists, drift: [], ready: false, objects: [], outputs: seen.outputs };
      if (isWaiting(source)) return { ...base, upToDate: true, waiting: source };
      return { ...base, upToDate: false };
    }
    const seen = await this.objects.observe(asManifestsUnit(unit, [tokenSecret(unit.token, held)]), scope);
    return { ...seen, dueAt: held.renewAt };
  }

  async create(unit: TokenUnitPlan, scope: UnitScope): Promise<void> {
    await this.objects.create(await this.desired(unit, scope), scope);
  }

  async update(unit: TokenUnitPlan, scope: UnitScope): Promise<void> {
    await this.objects.update(await this.desired(unit, scope), scope);
  }

  /** The inventory on the target names the Secret; the token is dropped from memory. */
  async delete(unit: TokenUnitPlan, scope: UnitScope): Promise<void> {
    await this.objects.delete(asManifestsUnit(unit, secretRefs(unit)), scope);
    this.held.delete(keyOf(scope.owner, unit.name));
  }

  async deployedObjects(unit: TokenUnitPlan, scope: UnitScope): Promise<KubeObject[]> {
    return this.objects.deployedObjects(asManifestsUnit(unit, secretRefs(unit)), scope);
  }

  watches(): WatchSpec[] {
    return [];
  }

  forget(owner: OwnerRef): void {
    const prefix = keyOf(owner, "");
    for (const key of this.held.keys()) if (key.startsWith(prefix)) this.held.delete(key);
  }

  record(unit: TokenUnitPlan): UnitRecordFields {
    return { namespaces: this.namespaces(unit) };
  }

  /** The inventory on the target names what to delete: the plan needs no Secret. */
  recordedPlan(base: UnitPlanBase): TokenUnitPlan {
    const none = { namespace: "", name: "" };
    return {
      ...base,
      type: "token",
      token: { from: "mcp", serviceAccount: none, expirationSeconds: 0, audiences: [], secret: none },
    };
  }

  namespaces(unit: TokenUnitPlan): string[] {
    return unit.token.secret.namespace === "" ? [] : [unit.token.secret.namespace];
  }

  /** spe's owner label marks the Secret. */
  owns(): boolean {
    return false;
  }
}
