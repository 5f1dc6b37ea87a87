/**
 * The kubeconfig model: clusters, users and contexts as client-go reads them
 * (k8s.io/client-go/tools/clientcmd/api/v1), parsed from a YAML/JSON document and
 * written back. Parsing never reads a file: file references stay references until
 * the transport needs their content.
 */
import {
  CLUSTER_FIELDS,
  CONTEXT_FIELDS,
  type FieldFate,
  type Refusal,
  UNKNOWN_FIELD,
  USER_FIELDS,
  unknownFields,
} from "./kubeconfig-fields.js";
import { proxyProblem } from "./proxy.js";

export type { Refusal } from "./kubeconfig-fields.js";

export interface Cluster {
  readonly name: string;
  /** Without a trailing slash. */
  readonly server: string;
  /** Base64 of PEM, as in the file. */
  readonly caData?: string;
  readonly caFile?: string;
  readonly skipTLSVerify: boolean;
  readonly tlsServerName?: string;
  /** An http(s) forward proxy (client-go's proxy-url); without it, HTTPS_PROXY/NO_PROXY decide (proxy.ts). */
  readonly proxyUrl?: string;
  readonly disableCompression?: boolean;
  /** client-go's NamedExtension list, as in the file. */
  readonly extensions?: readonly unknown[];
}

export interface ExecEnvVar {
  readonly name: string;
  readonly value: string;
}

/** A client.authentication.k8s.io exec credential plugin. */
export interface ExecConfig {
  readonly apiVersion: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: readonly ExecEnvVar[];
  readonly interactiveMode?: string;
  readonly provideClusterInfo?: boolean;
  readonly installHint?: string;
}

export interface AuthProviderConfig {
  readonly name: string;
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface User {
  readonly name: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  /** Base64 of PEM, as in the file. */
  readonly certData?: string;
  readonly certFile?: string;
  readonly keyData?: string;
  readonly keyFile?: string;
  readonly exec?: ExecConfig;
  /** Kept so exportConfig round-trips and the error can name it; spe cannot use it (see credentials.ts). */
  readonly authProvider?: AuthProviderConfig;
  /** Impersonation (`as`, `as-uid`, `as-groups`, `as-user-extra`): sent as Impersonate-* headers. */
  readonly impersonate?: string;
  readonly impersonateUid?: string;
  readonly impersonateGroups?: readonly string[];
  readonly impersonateExtra?: Readonly<Record<string, readonly string[]>>;
}

export interface Context {
  readonly name: string;
  readonly cluster: string;
  readonly user?: string;
  readonly namespace?: string;
}

export interface KubeConfigData {
  readonly clusters: readonly Cluster[];
  readonly users: readonly User[];
  readonly contexts: readonly Context[];
  readonly currentContext: string;
  /** Fields spe cannot honour; refused when their entry is the current one (kubeconfig.ts). */
  readonly refused?: readonly Refusal[];
}

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads typed fields of one entry; messages name the place (`users[0].user.token`), never a value. */
class Reader {
  constructor(
    private readonly fields: Fields,
    private readonly where: string,
  ) {}

  string(key: string): string | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw new Error(`${this.where}.${key} must be a string`);
    return value;
  }

  required(key: string): string {
    const value = this.string(key);
    if (!value) throw new Error(`${this.where}.${key} is missing`);
    return value;
  }

  boolean(key: string): boolean {
    const value = this.fields[key];
    if (value === undefined || value === null) return false;
    if (typeof value !== "boolean") throw new Error(`${this.where}.${key} must be true or false`);
    return value;
  }

  strings(key: string): string[] | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
      throw new Error(`${this.where}.${key} must be a list of strings`);
    return value;
  }

  object(key: string): Reader | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (!isFields(value)) throw new Error(`${this.where}.${key} must be a mapping`);
    return new Reader(value, `${this.where}.${key}`);
  }

  /** A mapping of string lists (`as-user-extra`). */
  stringLists(key: string): Record<string, string[]> | undefined {
    const value = this.object(key);
    if (!value) return undefined;
    return Object.fromEntries(value.keys().map((k) => [k, value.strings(k) ?? []]));
  }

  /** A list as it is (`extensions`). */
  list(key: string): unknown[] | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw new Error(`${this.where}.${key} must be a list`);
    return value as unknown[];
  }

  raw(key: string): unknown {
    return this.fields[key];
  }

  keys(): string[] {
    return Object.keys(this.fields);
  }

  /** The keys `known` does not list, as refusals of this entry. */
  unknown(known: Readonly<Record<string, FieldFate>>, entry: Refusal["entry"], name: string): Refusal[] {
    return unknownFields(this.fields, known).map((key) => ({
      entry,
      name,
      field: `${this.where}.${key}`,
      why: UNKNOWN_FIELD,
    }));
  }
}

/** Drops undefined fields, so models and exported documents hold only what was set. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function entries(doc: Fields, list: string, inner: string): { name: string; body: Reader; where: string }[] {
  const items = doc[list];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw new Error(`${list} must be a list`);
  return items.map((item: unknown, i) => {
    const where = `${list}[${i}]`;
    if (!isFields(item)) throw new Error(`${where} must be a mapping`);
    const entry = new Reader(item, where);
    const body = entry.object(inner);
    if (!body) throw new Error(`${where}.${inner} is missing`);
    return { name: entry.required("name"), body, where: `${where}.${inner}` };
  });
}

function cluster(name: string, c: Reader): Cluster {
  return defined({
    name,
    server: c.required("server").replace(/\/$/, ""),
    caData: c.string("certificate-authority-data"),
    caFile: c.string("certificate-authority"),
    skipTLSVerify: c.boolean("insecure-skip-tls-verify"),
    tlsServerName: c.string("tls-server-name"),
    proxyUrl: c.string("proxy-url"),
    disableCompression: c.boolean("disable-compression") || undefined,
    extensions: c.list("extensions"),
  });
}

/** What client-go would refuse, or spe's client cannot do, in one cluster entry. */
function clusterRefusals(model: Cluster, c: Reader, where: string): Refusal[] {
  const refusals = c.unknown(CLUSTER_FIELDS, "cluster", model.name);
  const refuse = (field: string, why: string): void => {
    refusals.push({ entry: "cluster", name: model.name, field: `${where}.${field}`, why });
  };
  if (model.skipTLSVerify && (model.caData || model.caFile))
    refuse(
      "insecure-skip-tls-verify",
      "cannot be combined with a certificate authority (client-go refuses it as well)",
    );
  const proxy = model.proxyUrl === undefined ? undefined : proxyProblem(model.proxyUrl);
  if (proxy) refuse("proxy-url", proxy);
  return refusals;
}

function envVars(exec: Reader, where: string): ExecEnvVar[] | undefined {
  const list = exec.raw("env");
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw new Error(`${where}.env must be a list`);
  return list.map((item: unknown, i) => {
    if (!isFields(item)) throw new Error(`${where}.env[${i}] must be a mapping`);
    const env = new Reader(item, `${where}.env[${i}]`);
    return { name: env.required("name"), value: env.string("value") ?? "" };
  });
}

function execConfig(exec: Reader | undefined, where: string): ExecConfig | undefined {
  if (!exec) return undefined;
  return defined({
    apiVersion: exec.required("apiVersion"),
    command: exec.required("command"),
    args: exec.strings("args"),
    env: envVars(exec, where),
    interactiveMode: exec.string("interactiveMode"),
    provideClusterInfo: exec.boolean("provideClusterInfo") || undefined,
    installHint: exec.string("installHint"),
  });
}

function authProvider(provider: Reader | undefined): AuthProviderConfig | undefined {
  if (!provider) return undefined;
  const config = provider.raw("config");
  return defined({ name: provider.required("name"), config: isFields(config) ? config : undefined });
}

function user(name: string, u: Reader, where: string): User {
  return defined({
    name,
    token: u.string("token"),
    // client-go's key is tokenFile; token-file is what client-node read, accepted as well.
    tokenFile: u.string("tokenFile") ?? u.string("token-file"),
    username: u.string("username"),
    password: u.string("password"),
    certData: u.string("client-certificate-data"),
    certFile: u.string("client-certificate"),
    keyData: u.string("client-key-data"),
    keyFile: u.string("client-key"),
    exec: execConfig(u.object("exec"), `${where}.exec`),
    authProvider: authProvider(u.object("auth-provider")),
    impersonate: u.string("as") || undefined,
    impersonateUid: u.string("as-uid") || undefined,
    impersonateGroups: u.strings("as-groups"),
    impersonateExtra: u.stringLists("as-user-extra"),
  });
}

/** client-go refuses impersonating a uid, groups or extra without a user; so does spe. */
function userRefusals(model: User, u: Reader, where: string): Refusal[] {
  const refusals = u.unknown(USER_FIELDS, "user", model.name);
  const partial = model.impersonateUid ?? model.impersonateGroups ?? model.impersonateExtra;
  if (partial !== undefined && !model.impersonate)
    refusals.push({
      entry: "user",
      name: model.name,
      field: `${where}.as`,
      why: "is missing: as-uid, as-groups and as-user-extra impersonate only together with a user (client-go refuses it as well)",
    });
  return refusals;
}

function context(name: string, c: Reader): Context {
  return defined({
    name,
    cluster: c.required("cluster"),
    user: c.string("user") || undefined,
    namespace: c.string("namespace") || undefined,
  });
}

/** The model of a parsed kubeconfig document; throws on a malformed one. */
export function parseKubeconfigDocument(parsed: unknown): KubeConfigData {
  const doc = parsed ?? {};
  if (!isFields(doc)) throw new Error("a kubeconfig must be a mapping");
  const current = new Reader(doc, "kubeconfig").string("current-context") ?? "";
  const clusterEntries = entries(doc, "clusters", "cluster");
  const userEntries = entries(doc, "users", "user");
  const contextEntries = entries(doc, "contexts", "context");
  const clusters = clusterEntries.map((e) => cluster(e.name, e.body));
  const users = userEntries.map((e) => user(e.name, e.body, e.where));
  const refused = [
    ...clusterEntries.flatMap((e, i) => clusterRefusals(clusters[i] as Cluster, e.body, e.where)),
    ...userEntries.flatMap((e, i) => userRefusals(users[i] as User, e.body, e.where)),
    ...contextEntries.flatMap((e) => e.body.unknown(CONTEXT_FIELDS, "context", e.name)),
  ];
  return {
    clusters,
    users,
    contexts: contextEntries.map((e) => context(e.name, e.body)),
    currentContext: current,
    ...(refused.length ? { refused } : {}),
  };
}

function exportExec(exec: ExecConfig): Record<string, unknown> {
  return defined({
    apiVersion: exec.apiVersion,
    command: exec.command,
    args: exec.args,
    env: exec.env,
    interactiveMode: exec.interactiveMode,
    provideClusterInfo: exec.provideClusterInfo,
    installHint: exec.installHint,
  });
}

function exportUser(u: User): Record<string, unknown> {
  return defined({
    token: u.token,
    tokenFile: u.tokenFile,
    username: u.username,
    password: u.password,
    "client-certificate-data": u.certData,
    "client-certificate": u.certFile,
    "client-key-data": u.keyData,
    "client-key": u.keyFile,
    exec: u.exec && exportExec(u.exec),
    "auth-provider": u.authProvider,
    as: u.impersonate,
    "as-uid": u.impersonateUid,
    "as-groups": u.impersonateGroups,
    "as-user-extra": u.impersonateExtra,
  });
}

/** A kubeconfig document client-go reads back to the same model. */
export function kubeconfigDocument(data: KubeConfigData): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: data.clusters.map((c) => ({
      name: c.name,
      cluster: defined({
        server: c.server,
        "certificate-authority-data": c.caData,
        "certificate-authority": c.caFile,
        "insecure-skip-tls-verify": c.skipTLSVerify || undefined,
        "tls-server-name": c.tlsServerName,
        "proxy-url": c.proxyUrl,
        "disable-compression": c.disableCompression,
        extensions: c.extensions,
      }),
    })),
    users: data.users.map((u) => ({ name: u.name, user: exportUser(u) })),
    contexts: data.contexts.map((c) => ({
      name: c.name,
      context: defined({ cluster: c.cluster, user: c.user, namespace: c.namespace }),
    })),
    "current-context": data.currentContext,
  };
}
