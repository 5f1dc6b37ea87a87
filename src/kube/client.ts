/**
 * Typed-enough access to any kind on one cluster: discovery (kind → resource path),
 * get, list, server-side apply (optionally dry-run), create, merge patch, delete. Raw JSON in and out.
 */
import type { ManifestObject as KubeObject, ObjectRef } from "./object.js";
import { KubeApiError, isNotFound, request, type HttpRequest } from "./http.js";
import { listPaged } from "./pages.js";
import { KubeConfig } from "./kubeconfig.js";

export { KubeApiError, isNotFound, type StatusCause } from "./http.js";

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface ApplyOptions {
  manager: string;
  force?: boolean;
  dryRun?: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
}

function basePath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : "";
}

/** A kubeconfig from elsewhere, e.g. @kubernetes/client-node's KubeConfig, which the benchmarks still use. */
export interface ExportsKubeconfig {
  exportConfig(): string;
}

const imported = new WeakMap<ExportsKubeconfig, KubeConfig>();

/**
 * @kubernetes/client-node's export repeats each context's name inside the context, a field
 * kubeconfig does not have (the strict loader refuses unknown fields). That echo, and only
 * when it equals the entry's own name, is removed; anything else still reaches the loader.
 */
function withoutEchoedContextNames(exported: string): string {
  const doc = JSON.parse(exported) as { contexts?: { name?: unknown; context?: Record<string, unknown> }[] };
  for (const entry of doc.contexts ?? []) {
    if (entry.context && entry.context.name === entry.name) delete entry.context.name;
  }
  return JSON.stringify(doc);
}

/** Ours as it is; any other is read once from its export, so it keeps one client (and one agent). */
function ours(kc: KubeConfig | ExportsKubeconfig): KubeConfig {
  if (kc instanceof KubeConfig) return kc;
  let config = imported.get(kc);
  if (!config) {
    config = new KubeConfig();
    config.loadFromString(withoutEchoedContextNames(kc.exportConfig()));
    imported.set(kc, config);
  }
  return config;
}

export class KubeClient {
  private static readonly clients = new WeakMap<KubeConfig, KubeClient>();
  private readonly discovery = new Map<string, Promise<ApiResource[]>>();

  private constructor(private readonly kc: KubeConfig) {}

  /** One client per KubeConfig instance, so discovery is cached as long as the config lives. */
  static for(source: KubeConfig | ExportsKubeconfig): KubeClient {
    const kc = ours(source);
    let client = KubeClient.clients.get(kc);
    if (!client) {
      client = new KubeClient(kc);
      KubeClient.clients.set(kc, client);
    }
    return client;
  }

  send(req: HttpRequest): Promise<unknown> {
    return request(this.kc, req);
  }

  private async resources(apiVersion: string, refresh: boolean): Promise<ApiResource[]> {
    let cached = this.discovery.get(apiVersion);
    if (!cached || refresh) {
      cached = this.send({ method: "GET", path: basePath(apiVersion) }).then(
        (body) =>
          ((body as { resources?: ApiResource[] }).resources ?? []).filter((r) => !r.name.includes("/")),
        (err: unknown) => {
          // An unknown group/version is an answer (no such kinds); anything else is not, and is not cached.
          this.discovery.delete(apiVersion);
          if (isNotFound(err)) return [];
          throw err;
        },
      );
      this.discovery.set(apiVersion, cached);
    }
    return cached;
  }

  /** The resource for a kind; discovery is re-read once on a miss (a CRD may just have been established). */
  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    const find = (list: ApiResource[]): ApiResource | undefined => list.find((r) => r.kind === kind);
    const found =
      find(await this.resources(apiVersion, false)) ?? find(await this.resources(apiVersion, true));
    if (!found)
      throw new KubeApiError(404, "NoKindMatch", `no matches for kind "${kind}" in version "${apiVersion}"`);
    return found;
  }

  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)).namespaced;
  }

  /**
   * The collection of a kind: in `namespace`, or of every namespace when it is `null` (a
   * cluster-wide list). An object's own path takes kubectl's `default` for a missing namespace.
   */
  private async collectionPath(apiVersion: string, kind: string, namespace?: string | null): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const ns =
      r.namespaced && namespace !== null ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
    return `${basePath(apiVersion)}${ns}/${r.name}`;
  }

  async path(ref: ObjectRef): Promise<string> {
    return `${await this.collectionPath(ref.apiVersion, ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;
  }

  /** The live object, or undefined when it does not exist. */
  async get(ref: ObjectRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
    try {
      const req: HttpRequest = { method: "GET", path: await this.path(ref) };
      if (signal) req.signal = signal;
      return (await this.send(req)) as KubeObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(apiVersion: string, kind: string, opts: ListOptions = {}): Promise<KubeObject[]> {
    // A list without a namespace is the kind's list across all namespaces, not `default`'s.
    const path = await this.collectionPath(apiVersion, kind, opts.namespace ?? null);
    const fetch = (page: string): Promise<unknown> => this.send({ method: "GET", path: page });
    const items = (await listPaged(fetch, path, { labelSelector: opts.labelSelector })).items as KubeObject[];
    // List items carry no apiVersion/kind; put them back so callers can treat them as objects.
    return items.map((i) => ({ ...i, apiVersion, kind }));
  }

  /** Server-side apply; with dryRun the result shows the object as it would be, defaults included. */
  async apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
    const params = {
      fieldManager: opts.manager,
      force: opts.force ? "true" : undefined,
      dryRun: opts.dryRun ? "All" : undefined,
    };
    const path = (await this.path(refOf(obj))) + query(params);
    const body = await this.send({
      method: "PATCH",
      path,
      body: obj,
      contentType: "application/apply-patch+yaml",
    });
    return body as KubeObject;
  }

  /** Creates the object; with dryRun only asks whether the server would (validation and admission run). */
  async create(obj: KubeObject, opts: { manager: string; dryRun?: boolean }): Promise<KubeObject> {
    const ref = refOf(obj);
    const params = { fieldManager: opts.manager, dryRun: opts.dryRun ? "All" : undefined };
    const body = await this.send({
      method: "POST",
      path: (await this.collectionPath(ref.apiVersion, ref.kind, ref.namespace)) + query(params),
      body: obj,
    });
    return body as KubeObject;
  }

  /**
   * A JSON merge patch (RFC 7386) as `manager`: maps merge, lists are replaced whole. What
   * server-side apply cannot do when a list's keys changed (see plugins/objects/apply-object.ts).
   */
  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>, manager: string): Promise<KubeObject> {
    const body = await this.send({
      method: "PATCH",
      path: (await this.path(ref)) + query({ fieldManager: manager }),
      body: patch,
      contentType: "application/merge-patch+json",
    });
    return body as KubeObject;
  }

  /**
   * Deletes the object; false when it was already gone. Does not wait for finalizers.
   * With `uid`, only that very object (a conflict if the name now holds another).
   */
  async delete(ref: ObjectRef, propagationPolicy = "Background", uid?: string): Promise<boolean> {
    try {
      const body = {
        kind: "DeleteOptions",
        apiVersion: "v1",
        propagationPolicy,
        ...(uid ? { preconditions: { uid } } : {}),
      };
      await this.send({ method: "DELETE", path: await this.path(ref), body });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}
