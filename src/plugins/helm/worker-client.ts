/**
 * spe-helm-worker (./worker, Go): the Helm v4 SDK in one long-lived child process, spoken
 * to with JSON lines over stdin/stdout. A release then costs a function call in a process
 * that already holds the target's clients, instead of a helm process that loads kubeconfig
 * and discovery again (docs/adr/0004). Every operation goes through `HelmWorker.call`,
 * which counts it (`helmOperationCount`), so tests and metrics can assert that steady state
 * runs none. Values and kubeconfigs travel over the pipe, never on a command line or disk.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pLimit, { type LimitFunction } from "p-limit";
import { HelmError, reasonOf, type HelmErrorReason, type WorkerErrorCode } from "./errors.js";
import { acceptWorker, WORKER_PROTOCOL } from "./handshake.js";
import { LineReader } from "./lines.js";
import { parseWorkerLog, type WorkerLogEntry } from "./worker-log.js";

/** Where `npm run build:worker` puts the worker: bin/ of this package (from src/ and dist/ alike). */
const BUILT_WORKER = fileURLToPath(new URL("../../../bin/spe-helm-worker", import.meta.url));

function builtWorker(): string | undefined {
  return existsSync(BUILT_WORKER) ? BUILT_WORKER : undefined;
}

/** Helm operations the worker runs at once unless told otherwise: each holds a chart's render in its memory. */
export const DEFAULT_HELM_CONCURRENCY = 4;

let operations = 0;
let starts = 0;

/** How many helm operations (install, upgrade, uninstall, rollback, template) this process ran. */
export function helmOperationCount(): number {
  return operations;
}

/** How many worker processes this process has started (1 while nothing crashed). */
export function helmWorkerStarts(): number {
  return starts;
}

export interface HelmWorkerOptions {
  /**
   * Path of spe-helm-worker; default `$SPE_HELM_WORKER`, else the one `npm run build:worker`
   * built into this package's bin/ (beside the spe command), else `spe-helm-worker` from PATH.
   * Read once, here, at the edge.
   */
  path?: string;
  /**
   * Private HELM_CACHE_HOME/CONFIG_HOME/DATA_HOME root, so spe never shares repository state
   * with users; without it, those of spe's environment that are set are kept (an operator's
   * registry login or repositories file), the others go below a private temp folder.
   */
  home?: string;
  /**
   * Upper bound for one operation (default 10 minutes); the operation is cancelled after it,
   * and a worker that has not answered the cancel within `cancelGraceMs` is killed.
   */
  timeoutMs?: number;
  /** How long a worker has to answer the cancel of an operation past its bound (default 10 s). */
  cancelGraceMs?: number;
  /** Told of every operation: its name, duration and outcome (metrics). */
  onOperation?: (operation: string, seconds: number, succeeded: boolean) => void;
  /** Told of every line the worker logs, parsed (Go's slog writes JSON). */
  onLog?: (entry: WorkerLogEntry) => void;
  /** Told of every worker process started (metrics). */
  onStart?: () => void;
  /**
   * How many operations the worker runs at once (default 4); more wait their turn. Each
   * holds a chart's render and its objects in the worker's memory, so this, not the number
   * of reconcile workers, bounds the worker's footprint.
   */
  concurrency?: number;
}

/** The chart of a request: an absolute local path, a repository entry or an OCI reference. */
export interface WorkerChart {
  path?: string;
  repo?: string;
  name?: string;
  oci?: string;
  version?: string;
  /** Basic-auth credentials for the chart's registry or repository, for this request only. */
  auth?: { username: string; password: string };
  /** PEM certificates trusted for the chart's server besides the system's. */
  caBundle?: string;
}

/** The fields of a request besides id and op (src/plugins/helm/worker/protocol.go). */
export interface WorkerRequest {
  /** The protocol spe speaks (op version, the start handshake). */
  protocol?: number;
  kubeconfig?: string;
  release?: string;
  namespace?: string;
  chart?: WorkerChart;
  /** JSON text, parsed by the worker as `helm --values` parses a file. */
  values?: string;
  labels?: Record<string, string>;
  createNamespace?: boolean;
  timeoutSeconds?: number;
  historyMax?: number;
  revision?: number;
  /** What spe just read of the release, so upgradeInstall need not read it again (none, uninstalled, live). */
  existing?: "none" | "uninstalled" | "live";
  /** upgradeInstall takes existing objects without any owner's metadata into the release (worker/adopt.go). */
  adopt?: "ifUnowned";
}

/** The apiserver's answer for one object helm applied: metadata enough for the watch fingerprint. */
export interface AppliedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  generation?: number;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface WorkerRelease {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chartName: string;
  chartVersion: string;
  /** The release's manifest as the worker parsed it: one JSON document per YAML document. */
  objects: unknown[];
}

interface WorkerResponse {
  id: number;
  ok: boolean;
  error?: string;
  /** Which step failed, with `error`. */
  code?: WorkerErrorCode;
  version?: string;
  /** Target clusters the worker keeps clients for (op version). */
  clusters?: number;
  /** The protocol the worker speaks (op version, the start handshake). */
  protocol?: number;
  release?: WorkerRelease;
  objects?: unknown[];
  applied?: AppliedObject[];
}

export type WorkerOp = "version" | "forget" | "upgradeInstall" | "uninstall" | "rollback" | "template";

/** Requests that are no helm operation: not counted, not limited. */
type Housekeeping = "version" | "forget";

/** The helm subcommand an operation stands for: the `operation` label of the helm metrics. */
const SUBCOMMAND: Record<Exclude<WorkerOp, Housekeeping>, string> = {
  upgradeInstall: "upgrade",
  uninstall: "uninstall",
  rollback: "rollback",
  template: "template",
};

export interface CallOptions {
  signal?: AbortSignal;
  /** The reason of a failure whose code names no step of helm's (worker/errors.go). */
  failure: HelmErrorReason;
  what: string;
}

interface Pending {
  resolve: (res: WorkerResponse) => void;
  reject: (err: Error) => void;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  pending: Map<number, Pending>;
  /** The Helm SDK version the process answered the handshake with. */
  version: string;
}

/** The homes helm keeps its configuration, cache and data in, when spe's environment sets them. */
const HELM_HOMES = ["HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"] as const;

function helmSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(HELM_HOMES.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

export class HelmWorker {
  readonly path: string;
  private readonly home: string;
  /** HELM_* settings of spe's environment that win over the private home (none with `options.home`). */
  private readonly helmEnv: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly cancelGraceMs: number;
  /** The worker process, or its start in flight (concurrent first calls share one process). */
  private running: Promise<Running> | undefined;
  private nextId = 0;
  private readonly limit: LimitFunction;

  constructor(private readonly options: HelmWorkerOptions = {}) {
    this.path = options.path ?? process.env.SPE_HELM_WORKER ?? builtWorker() ?? "spe-helm-worker";
    this.home = options.home ?? join(tmpdir(), "spe-helm");
    this.helmEnv = options.home === undefined ? helmSettings(process.env) : {};
    this.timeoutMs = options.timeoutMs ?? 600_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 10_000;
    this.limit = pLimit(options.concurrency ?? DEFAULT_HELM_CONCURRENCY);
  }

  /**
   * Starts the worker; call once at start. Every worker process is checked when it starts
   * (handshake.ts: its protocol, and a Helm v4 SDK). Resolves with the Helm version.
   */
  async start(): Promise<string> {
    return (await this.ensureRunning()).version;
  }

  /** Runs one operation; resolves with the worker's answer, or throws HelmError with its message. */
  call(op: Exclude<WorkerOp, Housekeeping>, req: WorkerRequest, opts: CallOptions): Promise<WorkerResponse> {
    return this.limit(async () => {
      operations++;
      const begin = performance.now();
      try {
        const res = await this.send(op, req, opts);
        this.options.onOperation?.(SUBCOMMAND[op], (performance.now() - begin) / 1000, true);
        return res;
      } catch (err) {
        this.options.onOperation?.(SUBCOMMAND[op], (performance.now() - begin) / 1000, false);
        throw err;
      }
    });
  }

  /**
   * Lets the worker drop the clients, connections and discovery it keeps for a kubeconfig's
   * cluster (a later operation sets them up again). Nothing to do when no worker runs; a
   * failure only leaves them where they were.
   */
  async forget(kubeconfig: string): Promise<void> {
    if (!this.running) return;
    await this.send("forget", { kubeconfig }, { failure: "Cancelled", what: "helm worker forget" }).catch(
      () => undefined,
    );
  }

  /** How many target clusters the worker keeps clients for (tests, diagnostics). */
  async clusters(): Promise<number> {
    const res = await this.send(
      "version",
      {},
      { failure: "VersionUnsupported", what: "helm worker version" },
    );
    return res.clusters ?? 0;
  }

  /** The running worker's process id, if one runs (tests, diagnostics). */
  async pid(): Promise<number | undefined> {
    const running = await this.running?.catch(() => undefined);
    return running?.child.pid;
  }

  /** Closes the worker's stdin; it cancels what still runs and exits. */
  async stop(): Promise<void> {
    const starting = this.running;
    this.running = undefined;
    const running = await starting?.catch(() => undefined);
    if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => {
      running.child.once("exit", () => {
        resolve();
      });
    });
    running.child.stdin.end();
    const timer = setTimeout(() => {
      running.child.kill("SIGKILL");
    }, 5_000);
    await exited;
    clearTimeout(timer);
  }

  private async send(op: WorkerOp, req: WorkerRequest, opts: CallOptions): Promise<WorkerResponse> {
    if (opts.signal?.aborted) throw new HelmError("Cancelled", `${opts.what} was cancelled`);
    return this.exchange(await this.ensureRunning(), op, req, opts);
  }

  /** The handshake: a process that speaks another protocol or runs no Helm v4 is stopped and refused. */
  private async handshake(running: Running): Promise<Running> {
    try {
      const res = await this.exchange(
        running,
        "version",
        { protocol: WORKER_PROTOCOL },
        { failure: "VersionUnsupported", what: `helm worker ${this.path} handshake` },
      );
      running.version = acceptWorker(this.path, res);
      return running;
    } catch (err) {
      running.child.stdin.end();
      running.child.kill();
      throw err;
    }
  }

  private async exchange(
    running: Running,
    op: WorkerOp,
    req: WorkerRequest,
    opts: CallOptions,
  ): Promise<WorkerResponse> {
    const id = ++this.nextId;
    const answer = new Promise<WorkerResponse>((resolve, reject) => {
      running.pending.set(id, { resolve, reject });
    });
    const cancel = (): void => {
      this.write(running, { id: ++this.nextId, op: "cancel", target: id });
    };
    const bound = { passed: false, grace: undefined as NodeJS.Timeout | undefined };
    const timer = setTimeout(() => {
      bound.passed = true;
      cancel();
      bound.grace = setTimeout(() => {
        void this.killFor(running, id, this.hung(opts.what));
      }, this.cancelGraceMs);
    }, this.timeoutMs);
    const onAbort = (): void => {
      const pending = running.pending.get(id);
      if (!pending) return;
      running.pending.delete(id);
      cancel();
      pending.reject(new HelmError("Cancelled", `${opts.what} was cancelled`));
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    this.write(running, { id, op, ...req });
    try {
      const res = await answer;
      if (bound.passed)
        throw new HelmError(
          "Timeout",
          `${opts.what} timed out after ${this.timeoutMs / 1000} s`,
          res.error ?? "",
        );
      if (!res.ok) {
        throw new HelmError(reasonOf(res.code, opts.failure), `${opts.what} failed`, res.error ?? "");
      }
      return res;
    } finally {
      clearTimeout(timer);
      clearTimeout(bound.grace);
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The error of an operation whose worker did not answer even its cancel. */
  private hung(what: string): HelmError {
    return new HelmError(
      "Timeout",
      `${what} timed out after ${this.timeoutMs / 1000} s; the helm worker did not answer its cancel ` +
        `within ${this.cancelGraceMs / 1000} s and was killed (the next operation starts a new one)`,
    );
  }

  /**
   * The worker hangs: it is killed, and the operation `id` fails with `error` only once the
   * process has exited, so its helm slot is not handed on while the worker may still act on
   * the release. Whatever else it was doing fails as the exit of a worker does.
   */
  private async killFor(running: Running, id: number, error: HelmError): Promise<void> {
    const pending = running.pending.get(id);
    if (!pending) return;
    running.pending.delete(id);
    const exited = new Promise<void>((resolve) => {
      if (running.child.exitCode !== null || running.child.signalCode !== null) resolve();
      else
        running.child.once("exit", () => {
          resolve();
        });
    });
    running.child.kill("SIGKILL");
    await exited;
    pending.reject(error);
  }

  private write(running: Running, message: Record<string, unknown>): void {
    running.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private ensureRunning(): Promise<Running> {
    if (this.running) return this.running;
    // A worker that could not start, or that exited, is not kept: the next call starts another.
    const drop = (): void => {
      if (this.running === starting) this.running = undefined;
    };
    const starting = mkdir(this.home, { recursive: true, mode: 0o700 })
      .then(() => this.spawnWorker(drop))
      .then((running) => this.handshake(running));
    starting.catch(drop);
    this.running = starting;
    return starting;
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HELM_CACHE_HOME: join(this.home, "cache"),
      HELM_CONFIG_HOME: join(this.home, "config"),
      HELM_DATA_HOME: join(this.home, "data"),
      ...this.helmEnv,
      HELM_DRIVER: "secret",
      // Never fall back to a kubeconfig of the environment: each request names its own.
      KUBECONFIG: "",
    };
  }

  private spawnWorker(onExit: () => void): Promise<Running> {
    const child = spawn(this.path, [], { stdio: ["pipe", "pipe", "pipe"], env: this.env() });
    const running: Running = { child, pending: new Map(), version: "" };
    const started = new Promise<Running>((resolve, reject) => {
      child.once("spawn", () => {
        starts++;
        this.options.onStart?.();
        resolve(running);
      });
      child.once("error", (err: NodeJS.ErrnoException) => {
        reject(
          err.code === "ENOENT" || err.code === "EACCES"
            ? new HelmError("BinaryNotFound", `helm worker ${this.path} cannot be run (${err.code})`)
            : err,
        );
      });
    });
    new LineReader(child.stdout, (line) => {
      this.answer(running, line);
    });
    new LineReader(child.stderr, (line) => {
      this.options.onLog?.(parseWorkerLog(line));
    });
    child.once("exit", (code, signal) => {
      // What a crashed worker was doing fails (and is remediated by the caller).
      onExit();
      const why = `helm worker exited (${signal ?? `code ${String(code)}`})`;
      for (const pending of running.pending.values()) pending.reject(new HelmError("Cancelled", why));
      running.pending.clear();
    });
    // A broken pipe is reported by the exit that follows; it must not crash the engine.
    child.stdin.on("error", () => undefined);
    return started;
  }

  private answer(running: Running, line: string): void {
    let res: WorkerResponse;
    try {
      res = JSON.parse(line) as WorkerResponse;
    } catch {
      this.options.onLog?.(parseWorkerLog(line));
      return;
    }
    const pending = running.pending.get(res.id);
    if (!pending) return; // cancelled or timed out before the answer came
    running.pending.delete(res.id);
    pending.resolve(res);
  }
}
