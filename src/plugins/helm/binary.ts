/**
 * The helm v4 binary: every helm process spe starts goes through `HelmBinary.run`, which
 * counts it (`helmProcessCount`), so tests and metrics can assert that steady state starts none.
 */
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, ExecaError } from "execa";
import { classify as classifyStderr, HelmError, tail, type HelmErrorReason } from "./errors.js";

let started = 0;

/** Operations that fetch a chart, so whose failure may be a missing chart. */
const CLASSIFIED: HelmErrorReason[] = ["InstallFailed", "UpgradeFailed", "RenderFailed"];

/** How many helm processes this process has started so far. */
export function helmProcessCount(): number {
  return started;
}

export interface HelmBinaryOptions {
  /** Path of the helm binary; default `$SPE_HELM`, else `helm` from PATH. Read once, here, at the edge. */
  path?: string;
  /** Private HELM_CACHE_HOME/CONFIG_HOME/DATA_HOME root, so spe never shares repository state with users. */
  home?: string;
  /** Upper bound for one helm process (default 10 minutes). */
  timeoutMs?: number;
  /** Told of every helm process: its subcommand, duration and outcome (metrics). */
  onOperation?: (operation: string, seconds: number, succeeded: boolean) => void;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** The reason a failure is reported with (unless it is a missing chart). */
  failure: HelmErrorReason;
  what: string;
}

export class HelmBinary {
  readonly path: string;
  private readonly home: string;
  private readonly timeoutMs: number;
  private readonly onOperation: HelmBinaryOptions["onOperation"];

  constructor(options: HelmBinaryOptions = {}) {
    this.onOperation = options.onOperation;
    this.path = options.path ?? process.env.SPE_HELM ?? "helm";
    this.home = options.home ?? join(tmpdir(), "spe-helm");
    this.timeoutMs = options.timeoutMs ?? 600_000;
  }

  private env(): Record<string, string> {
    return {
      HELM_CACHE_HOME: join(this.home, "cache"),
      HELM_CONFIG_HOME: join(this.home, "config"),
      HELM_DATA_HOME: join(this.home, "data"),
      HELM_DRIVER: "secret",
      // Never fall back to a kubeconfig of the environment: each call names its own.
      KUBECONFIG: "",
    };
  }

  /** Runs helm; resolves with stdout, or throws HelmError with the tail of stderr. */
  async run(args: string[], opts: RunOptions): Promise<string> {
    await mkdir(this.home, { recursive: true, mode: 0o700 });
    started++;
    const begin = performance.now();
    const operation = args[0] ?? "unknown";
    try {
      const result = await execa(this.path, args, {
        env: this.env(),
        timeout: this.timeoutMs,
        forceKillAfterDelay: 5_000,
        stdin: "ignore",
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      });
      this.onOperation?.(operation, (performance.now() - begin) / 1000, true);
      return result.stdout;
    } catch (err) {
      this.onOperation?.(operation, (performance.now() - begin) / 1000, false);
      throw this.failure(err, opts);
    }
  }

  private failure(err: unknown, opts: RunOptions): HelmError {
    if (!(err instanceof ExecaError))
      return new HelmError(opts.failure, `${opts.what} failed`, "", { cause: err });
    if (err.code === "ENOENT" || err.code === "EACCES") {
      return new HelmError("BinaryNotFound", `helm binary ${this.path} cannot be run (${err.code})`);
    }
    const stderr = typeof err.stderr === "string" ? err.stderr : "";
    if (err.isCanceled || err.timedOut) {
      return new HelmError(
        "Cancelled",
        `${opts.what} was ${err.timedOut ? "timed out" : "cancelled"}`,
        tail(stderr),
      );
    }
    const reason = CLASSIFIED.includes(opts.failure) ? classifyStderr(stderr, opts.failure) : opts.failure;
    return new HelmError(reason, `${opts.what} failed`, tail(stderr), { cause: err });
  }

  /** Checks that the binary is helm v4; call once at start. */
  async checkVersion(): Promise<string> {
    const version = (
      await this.run(["version", "--template", "{{.Version}}"], {
        failure: "VersionUnsupported",
        what: "helm version",
      })
    ).trim();
    if (!/^v4\./.test(version)) {
      throw new HelmError(
        "VersionUnsupported",
        `helm ${this.path} is ${version || "of unknown version"}, spe needs v4.x`,
      );
    }
    return version;
  }
}
