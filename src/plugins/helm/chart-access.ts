/**
 * What a request needs to fetch a private chart: the credentials from the unit's
 * `chart.secretRef` Secret and the CA bundle from its `chart.caBundleRef`, both read on the
 * platform cluster when the request is made (so a rotated Secret counts at once) and handed
 * to the worker with that request only. A failure names the object and the field, never a
 * value of it.
 */
import type { ChartCABundle, ChartCredentialsRef, ChartRef, KubeObject } from "../../descriptor/plan.js";
import type { PlatformRef, UnitScope } from "../types.js";
import { HelmError } from "./errors.js";
import type { WorkerChart } from "./worker-client.js";

type Reader = NonNullable<UnitScope["platform"]>;
export type ChartAccess = Pick<WorkerChart, "auth" | "caBundle">;

const DOCKER_CONFIG_KEY = ".dockerconfigjson";

function decoded(obj: KubeObject, key: string): string | undefined {
  const data = obj.data as Record<string, string> | undefined;
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}

/** host[:port] of the chart's registry or repository. */
export function chartHost(chart: ChartRef): string | undefined {
  const url = chart.oci ?? chart.repo;
  if (url === undefined) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** A docker config `auths` key (`host`, `https://host`, `https://host/v1/`) reduced to host[:port]. */
function authsHost(key: string): string {
  const bare = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  return bare.split("/")[0] ?? bare;
}

interface DockerAuth {
  username?: unknown;
  password?: unknown;
  auth?: unknown;
}

function fromDockerAuth(entry: DockerAuth): ChartAccess["auth"] {
  if (typeof entry.username === "string" && typeof entry.password === "string")
    return { username: entry.username, password: entry.password };
  if (typeof entry.auth !== "string") return undefined;
  const pair = Buffer.from(entry.auth, "base64").toString("utf8");
  const colon = pair.indexOf(":");
  return colon < 0 ? undefined : { username: pair.slice(0, colon), password: pair.slice(colon + 1) };
}

/** The credentials a kubernetes.io/dockerconfigjson Secret holds for `host`. */
function dockerCredentials(text: string, host: string | undefined, where: string): ChartAccess["auth"] {
  let auths: Record<string, DockerAuth> | undefined;
  try {
    auths = (JSON.parse(text) as { auths?: Record<string, DockerAuth> }).auths;
  } catch {
    throw new HelmError("ChartAuthFailed", `${where}: ${DOCKER_CONFIG_KEY} is not JSON`);
  }
  const entry = Object.entries(auths ?? {}).find(([key]) => authsHost(key) === host)?.[1];
  const auth = entry && fromDockerAuth(entry);
  if (!auth)
    throw new HelmError(
      "ChartAuthFailed",
      `${where}: ${DOCKER_CONFIG_KEY} has no credentials for ${host ?? "the chart's host"}`,
    );
  return auth;
}

async function credentials(
  read: Reader,
  ref: ChartCredentialsRef,
  chart: ChartRef,
): Promise<ChartAccess["auth"]> {
  const where = `chart credentials Secret ${ref.namespace}/${ref.name}`;
  const secret = await read({ apiVersion: "v1", kind: "Secret", namespace: ref.namespace, name: ref.name });
  if (!secret) throw new HelmError("ChartAuthFailed", `${where} not found`);
  const docker = decoded(secret, DOCKER_CONFIG_KEY);
  if (docker !== undefined) return dockerCredentials(docker, chartHost(chart), where);
  const username = decoded(secret, "username");
  const password = decoded(secret, "password");
  if (username === undefined || password === undefined)
    throw new HelmError(
      "ChartAuthFailed",
      `${where} has neither a ${DOCKER_CONFIG_KEY} key nor username and password keys`,
    );
  return { username, password };
}

async function caBundle(read: Reader, ref: ChartCABundle): Promise<string> {
  const where = `CA bundle ${ref.kind} ${ref.namespace}/${ref.name}`;
  const platformRef: PlatformRef = {
    apiVersion: "v1",
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
  };
  const holder = await read(platformRef);
  if (!holder) throw new HelmError("ChartTLSFailed", `${where} not found`);
  const pem =
    ref.kind === "Secret"
      ? decoded(holder, ref.key)
      : (holder.data as Record<string, string> | undefined)?.[ref.key];
  if (pem === undefined) throw new HelmError("ChartTLSFailed", `${where} has no key "${ref.key}"`);
  return pem;
}

/**
 * The credentials and CA bundle of the chart's references, read through `read`; nothing
 * without references, or without a reader (the CLI, which has no platform cluster).
 */
export async function chartAccess(chart: ChartRef, read: Reader | undefined): Promise<ChartAccess> {
  if (!read) return {};
  const [auth, ca] = await Promise.all([
    chart.secretRef && credentials(read, chart.secretRef, chart),
    chart.caBundleRef && caBundle(read, chart.caBundleRef),
  ]);
  return { ...(auth ? { auth } : {}), ...(ca === undefined ? {} : { caBundle: ca }) };
}
