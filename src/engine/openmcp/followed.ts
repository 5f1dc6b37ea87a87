/**
 * KubeConfigs made from granted AccessRequest Secrets that survive token renewal: the token is
 * kept in a file (0600, in a private temporary folder) that the KubeConfig names as its
 * `tokenFile`, and a renewed Secret rewrites the file. The instance stays the same, so every
 * client, watch and plugin process connection made with it goes on working: spe's client
 * re-reads a token file each minute and at once on a 401, client-go (in a plugin's Go
 * process) likewise.
 * Credentials other than a bearer token (client certificates) cannot be swapped in place: a
 * changed Secret then gives a new instance, as a changed kubeconfig Secret always does.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeConfig, type User } from "../../kube/kubeconfig.js";
import { AccessError } from "../access/errors.js";
import { parseKubeconfig } from "../access/kubeconfig.js";

interface Entry {
  version: string;
  identity: string;
  kc: KubeConfig;
  tokenFile?: string;
}

function versionOf(secret: KubeObject): string {
  return `${String(secret.metadata.uid)}/${String(secret.metadata.resourceVersion)}`;
}

function parseSecret(secret: KubeObject): KubeConfig {
  const where = `Secret ${secret.metadata.namespace ?? ""}/${secret.metadata.name}`;
  const encoded = (secret.data as Record<string, string> | undefined)?.kubeconfig;
  if (encoded === undefined) throw new AccessError("KeyMissing", `${where} has no key "kubeconfig"`);
  return parseKubeconfig(Buffer.from(encoded, "base64").toString("utf8"), `${where} key "kubeconfig"`);
}

function impersonates(user: User): boolean {
  return [user.impersonate, user.impersonateUid, user.impersonateGroups, user.impersonateExtra].some(
    (field) => field !== undefined,
  );
}

/**
 * The user's bearer token, when that is all there is to the user: the followed KubeConfig
 * keeps only the token (as a file), so a user that also impersonates is used as it is.
 */
function bearerToken(kc: KubeConfig): string | undefined {
  const user = kc.getCurrentUser();
  if (!user || user.certData !== undefined || user.username !== undefined || impersonates(user))
    return undefined;
  return user.token;
}

/** Server and CA: a renewal that changes them is not a renewal. */
function identityOf(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  return `${cluster?.server ?? ""}|${cluster?.caData ?? ""}|${cluster?.tlsServerName ?? ""}`;
}

function withTokenFile(parsed: KubeConfig, tokenFile: string): KubeConfig {
  const cluster = parsed.getCurrentCluster();
  const kc = new KubeConfig();
  if (!cluster) return parsed;
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "granted", tokenFile }],
    contexts: [{ name: "granted", cluster: cluster.name, user: "granted" }],
    currentContext: "granted",
  });
  return kc;
}

export class FollowedKubeconfigs {
  private readonly entries = new Map<string, Entry>();
  private readonly dir: string;

  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), "spe-access-"));
  }

  /**
   * The KubeConfig in the Secret's `kubeconfig` key, for the request `id`: the same instance
   * as before when only the token changed. Throws AccessError (KeyMissing, InvalidKubeconfig).
   */
  fromSecret(id: string, secret: KubeObject): KubeConfig {
    const known = this.entries.get(id);
    const version = versionOf(secret);
    if (known?.version === version) return known.kc;
    const parsed = parseSecret(secret);
    const token = bearerToken(parsed);
    const identity = identityOf(parsed);
    if (token === undefined) {
      this.entries.set(id, { version, identity, kc: parsed });
      return parsed;
    }
    const tokenFile =
      known?.tokenFile ??
      join(this.dir, `${createHash("sha256").update(id).digest("hex").slice(0, 16)}.token`);
    // Written whole, then renamed: a reader never sees half a token.
    writeFileSync(`${tokenFile}.tmp`, token, { mode: 0o600 });
    renameSync(`${tokenFile}.tmp`, tokenFile);
    if (known?.tokenFile !== undefined && known.identity === identity) {
      this.entries.set(id, { ...known, version });
      return known.kc;
    }
    const kc = withTokenFile(parsed, tokenFile);
    this.entries.set(id, { version, identity, kc, tokenFile });
    return kc;
  }

  forget(id: string): void {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    if (entry?.tokenFile !== undefined) rmSync(entry.tokenFile, { force: true });
  }

  /** Removes every token file. */
  close(): void {
    this.entries.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
