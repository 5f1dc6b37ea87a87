/** The contract between the benchmark driver and the systems it measures. */
import type { KubeConfig } from "@kubernetes/client-node";
import type { RunningEnvironment } from "../../test/env/environment.js";
import type { SystemName } from "./config.js";

export type Role = "platform" | "onboarding" | "mcp";

/** Namespace on mcp (and on onboarding for spe's API objects) that every scenario uses. */
export const NS = "bench";
export const IMAGE = "registry.invalid/bench-app:1.0.0";

export interface BenchContext {
  env: RunningEnvironment;
  kc: Record<Role, KubeConfig>;
  /** The API object names of this scenario. */
  names: string[];
  /** Folder for logs and generated files of this scenario. */
  dir: string;
  /** Compiled spe (dist/cli/main.js) and the node binary that runs it. */
  spe: { node: string; main: string };
  progress: (line: string) => void;
}

export interface System {
  readonly name: SystemName;
  /** What this system is, for the report. */
  readonly description: string;
  /** Starts the controller (if any) and what it needs; resolves once it serves. */
  start(): Promise<void>;
  /** Creates the N requests: API objects, custom resources, or the applied objects themselves. */
  create(): Promise<void>;
  /** How many of the N the system itself reports done (Ready, Deployed, applied). */
  reportedReady(): Promise<number>;
  /** The controller process, if there is one. */
  pid(): number | undefined;
  /** Helm processes started so far, if the system starts any (spe: its helm worker). */
  helmProcesses(): Promise<number | undefined>;
  /** Helm operations (install, upgrade, uninstall…) run so far, if the system reports them. */
  helmOperations(): Promise<number | undefined>;
  /** The controller's Prometheus /metrics text, if it serves one. */
  metrics?(): Promise<string | undefined>;
  /** Whether the system corrects out-of-band changes (drift is measured only then). */
  readonly correctsDrift: boolean;
  stop(): Promise<void>;
}
