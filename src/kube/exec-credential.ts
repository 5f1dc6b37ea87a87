/**
 * client-go's exec credential plugins (client.authentication.k8s.io/v1 and v1beta1):
 * run the command, read an ExecCredential from its stdout, and reuse it until its
 * expirationTimestamp (or, without one, until the apiserver rejects it).
 * The plugin's stdout holds the secret: it is parsed, never quoted in a message.
 */
import { type ExecFileException, execFile } from "node:child_process";
import type { Cluster, ExecConfig } from "./kubeconfig-model.js";

/** The apiVersions client-go still speaks (v1alpha1 went in Kubernetes 1.24). */
export const EXEC_API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

/** A plugin that hangs must not hang every request for ever. */
const EXEC_TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 1024 * 1024;
const STDERR_TAIL = 300;

export interface ExecResult {
  readonly authorization?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Epoch ms; undefined: valid until rejected. */
  readonly expiresAt?: number;
}

function fail(exec: ExecConfig, problem: string): Error {
  return new Error(`exec credential plugin "${exec.command}" ${problem}`);
}

function stringField(status: Record<string, unknown>, key: string): string | undefined {
  const value = status[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function expiry(exec: ExecConfig, status: Record<string, unknown>): number | undefined {
  const stamp = status.expirationTimestamp;
  if (stamp === undefined || stamp === null) return undefined;
  const at = typeof stamp === "string" ? Date.parse(stamp) : NaN;
  if (Number.isNaN(at)) throw fail(exec, "returned an invalid status.expirationTimestamp");
  return at;
}

function record(value: unknown): Record<string, unknown> {
  return (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
}

/** The ExecCredential's status, once kind and apiVersion are what the kubeconfig asked for. */
function statusOf(exec: ExecConfig, stdout: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw fail(exec, "did not print an ExecCredential (its output is no JSON)");
  }
  const cred = record(doc);
  if (cred.kind !== "ExecCredential") throw fail(exec, "did not print an ExecCredential");
  if (cred.apiVersion !== exec.apiVersion)
    throw fail(
      exec,
      `returned apiVersion ${String(cred.apiVersion)}, but is configured for ${exec.apiVersion}`,
    );
  return record(cred.status);
}

/** The credential in a plugin's stdout; throws with a message that never contains the output. */
export function parseExecCredential(exec: ExecConfig, stdout: string): ExecResult {
  const status = statusOf(exec, stdout);
  const token = stringField(status, "token");
  const cert = stringField(status, "clientCertificateData");
  const key = stringField(status, "clientKeyData");
  if (Boolean(cert) !== Boolean(key))
    throw fail(exec, "returned only one of status.clientCertificateData and status.clientKeyData");
  if (!token && !cert) throw fail(exec, "returned neither status.token nor a client certificate");
  const expiresAt = expiry(exec, status);
  return {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/** client-go hands the cluster's extension of this name to the plugin as spec.cluster.config. */
const EXEC_EXTENSION = "client.authentication.k8s.io/exec";

function execExtension(cluster: Cluster): { config?: unknown } {
  const named = cluster.extensions?.find(
    (e): e is { name: string; extension: unknown } =>
      typeof e === "object" && e !== null && (e as { name?: unknown }).name === EXEC_EXTENSION,
  );
  return named === undefined ? {} : { config: named.extension };
}

/** KUBERNETES_EXEC_INFO, as client-go sets it; spe never has a terminal for the plugin. */
function execInfo(exec: ExecConfig, cluster: Cluster): string {
  const info = {
    ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
    server: cluster.server,
    ...(cluster.caData ? { "certificate-authority-data": cluster.caData } : {}),
    ...(cluster.skipTLSVerify ? { "insecure-skip-tls-verify": true } : {}),
    ...(cluster.proxyUrl ? { "proxy-url": cluster.proxyUrl } : {}),
    ...(cluster.disableCompression ? { "disable-compression": true } : {}),
    ...execExtension(cluster),
  };
  return JSON.stringify({
    apiVersion: exec.apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: info } : {}) },
  });
}

function failure(exec: ExecConfig, err: ExecFileException, stderr: string): Error {
  if (err.code === "ENOENT")
    return fail(exec, `was not found${exec.installHint ? `: ${exec.installHint.trim()}` : ""}`);
  if (err.killed) return fail(exec, `did not finish within ${EXEC_TIMEOUT_MS / 1000} s`);
  const text = stderr.trim();
  const tail = text.length > STDERR_TAIL ? `...${text.slice(-STDERR_TAIL)}` : text;
  const how = typeof err.code === "number" ? `exited with code ${err.code}` : `failed (${err.message})`;
  return fail(exec, `${how}${tail ? `: ${tail}` : ""}`);
}

/** Runs the plugin once, without a shell, and returns its credential. */
export async function runExecPlugin(exec: ExecConfig, cluster: Cluster): Promise<ExecResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: execInfo(exec, cluster) };
  for (const { name, value } of exec.env ?? []) env[name] = value;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      exec.command,
      [...(exec.args ?? [])],
      { env, timeout: EXEC_TIMEOUT_MS, maxBuffer: MAX_OUTPUT, encoding: "utf8" },
      (err, out, stderr) => {
        if (err) reject(failure(exec, err, stderr));
        else resolve(out);
      },
    );
  });
  return parseExecCredential(exec, stdout);
}

export interface ExecSourceOptions {
  now?: () => number;
  run?: (exec: ExecConfig, cluster: Cluster) => Promise<ExecResult>;
}

/** One plugin's credential, cached until it expires; concurrent requests share one run. */
export class ExecCredentialSource {
  private cached: ExecResult | undefined;
  private running: Promise<ExecResult> | undefined;
  private readonly now: () => number;
  private readonly run: (exec: ExecConfig, cluster: Cluster) => Promise<ExecResult>;

  constructor(
    private readonly exec: ExecConfig,
    private readonly cluster: Cluster,
    options: ExecSourceOptions = {},
  ) {
    if (!EXEC_API_VERSIONS.includes(exec.apiVersion))
      throw fail(exec, `has apiVersion ${exec.apiVersion}; supported are ${EXEC_API_VERSIONS.join(", ")}`);
    if (exec.interactiveMode === "Always")
      throw fail(exec, "needs a terminal (interactiveMode: Always), which spe never has");
    this.now = options.now ?? Date.now;
    this.run = options.run ?? runExecPlugin;
  }

  async get(): Promise<ExecResult> {
    const cached = this.cached;
    // client-go uses a credential up to its expiry, not before.
    if (cached && (cached.expiresAt === undefined || this.now() < cached.expiresAt)) return cached;
    this.running ??= this.run(this.exec, this.cluster).finally(() => {
      this.running = undefined;
    });
    const result = await this.running;
    this.cached = result;
    return result;
  }

  rejected(): void {
    this.cached = undefined;
  }
}
