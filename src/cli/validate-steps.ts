/**
 * The seed's validation flow against a live installation (`spe validate`): each step reads
 * or changes the clusters once and waits, bounded, for what a healthy ServiceProvider does;
 * a failing step says why in one line. What validate created is removed in TEARDOWN.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  describeIssues,
  resolveConfigRef,
  validateApiObject,
  type CompiledDescriptor,
  type KubeObject,
} from "../descriptor/index.js";
import { verifyAccess } from "../engine/access/verify.js";
import { KubeClient } from "../kube/client.js";
import type { KubeConfig } from "../kube/kubeconfig.js";
import type { ObjectRef } from "../kube/object.js";

export const MANAGER = "spe-validate";

export interface ValidationInput {
  compiled: CompiledDescriptor;
  sample: KubeObject;
  platform: KubeConfig;
  onboarding: KubeConfig;
  /** The cluster the DomainService lands on (mcp or workload); checks on it are skipped without it. */
  target?: KubeConfig;
  /** A ProviderConfig to apply first. */
  config?: KubeObject;
  /** A DomainServiceAPI object to create on the target. */
  domainSample?: KubeObject;
  timeoutMs: number;
  pollMs?: number;
}

export interface Step {
  phase: "SETUP" | "ASSESS" | "TEARDOWN";
  name: string;
  /** Resolves with a note ("skipped: …" marks a skipped step); throws with the reason it failed. */
  run(): Promise<string | undefined>;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

function conditionOf(obj: KubeObject | undefined, type: string): Condition | undefined {
  return (obj?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === type);
}

const CRD = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
/** Deployed reasons spe does not retry (the API object, its config or the descriptor must change). */
const TERMINAL = new Set(["InvalidSpec", "InvalidInput", "DescriptorError"]);

/**
 * The object once Ready for its current generation; throws when spe reported a failure it does
 * not retry (waiting longer cannot help).
 */
function readyAt(live: KubeObject | undefined, generation: number | undefined): KubeObject | undefined {
  if (!live) return undefined;
  const observed = (live.status as { observedGeneration?: number } | undefined)?.observedGeneration;
  if (observed !== generation) return undefined;
  const deployed = conditionOf(live, "Deployed");
  if (deployed?.status === "False" && TERMINAL.has(deployed.reason ?? ""))
    throw new Error(
      `${describe(refOf(live))} is not Ready: ${deployed.reason ?? ""}: ${deployed.message ?? ""}`,
    );
  return conditionOf(live, "Ready")?.status === "True" ? live : undefined;
}

export class Validation {
  private readonly onboarding: KubeClient;
  private readonly platform: KubeClient;
  private readonly target: KubeClient | undefined;
  /** What the API object deployed, read while it was Ready: checked to be gone after deletion. */
  private deployed: ObjectRef[] = [];
  private appliedConfig = false;
  private appliedDomain = false;

  constructor(private readonly input: ValidationInput) {
    this.onboarding = KubeClient.for(input.onboarding);
    this.platform = KubeClient.for(input.platform);
    this.target = input.target ? KubeClient.for(input.target) : undefined;
  }

  /** Polls until `check` returns a value; on timeout, fails with `why()` of the last look. */
  private async until<T>(check: () => Promise<T | undefined>, why: () => Promise<string>): Promise<T> {
    const deadline = Date.now() + this.input.timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`${await why()} (after ${Math.round(this.input.timeoutMs / 1000)} s)`);
      await sleep(this.input.pollMs ?? 1_000);
    }
  }

  steps(): Step[] {
    const { compiled } = this.input;
    const api = `${compiled.api.plural}.${compiled.api.group}`;
    return [
      {
        phase: "SETUP",
        name: "sample object is a valid " + compiled.api.kind,
        run: () => this.checkSample(),
      },
      { phase: "SETUP", name: "clusters reachable", run: () => this.reach() },
      {
        phase: "SETUP",
        name: `${compiled.config.kind} present on the platform cluster`,
        run: () => this.config(),
      },
      {
        phase: "ASSESS",
        name: `ServiceProviderAPI ${api} served on the onboarding cluster`,
        run: () => this.apiServed(),
      },
      {
        phase: "ASSESS",
        name: `${describe(refOf(this.input.sample))} Ready`,
        run: () => this.objectReady(),
      },
      {
        phase: "ASSESS",
        name: "DomainService and DomainServiceAPI available",
        run: () => this.domainAvailable(),
      },
      { phase: "ASSESS", name: "DomainServiceAPI object works", run: () => this.domainWorks() },
      {
        phase: "ASSESS",
        name: `${compiled.api.kind} deleted, DomainService removed`,
        run: () => this.removed(),
      },
      { phase: "TEARDOWN", name: "objects validate created removed", run: () => this.cleanUp() },
    ];
  }

  private checkSample(): Promise<undefined> {
    const issues = validateApiObject(this.input.compiled, this.input.sample);
    if (issues.length > 0) throw new Error(describeIssues(issues));
    return Promise.resolve(undefined);
  }

  private async reach(): Promise<string> {
    const clusters = {
      platform: this.input.platform,
      onboarding: this.input.onboarding,
      ...(this.input.target ? { target: this.input.target } : {}),
    };
    const versions = await Promise.all(
      Object.entries(clusters).map(async ([name, kc]) => `${name} ${(await verifyAccess(kc)).gitVersion}`),
    );
    return versions.join(", ");
  }

  private async config(): Promise<string | undefined> {
    const { compiled } = this.input;
    if (this.input.config) {
      await this.platform.apply(this.input.config, { manager: MANAGER, force: true });
      this.appliedConfig = true;
    }
    const ref = resolveConfigRef(compiled, this.input.sample);
    const apiVersion = `${compiled.config.group}/${compiled.config.version}`;
    const found = await this.platform
      .get({ apiVersion, kind: compiled.config.kind, ...ref })
      .catch(() => undefined);
    if (!found)
      throw new Error(
        `no ${compiled.config.kind} "${ref.name}" on the platform cluster (pass --config <file>)`,
      );
    return this.appliedConfig ? "applied from --config" : undefined;
  }

  private async apiServed(): Promise<string | undefined> {
    const { compiled } = this.input;
    const name = `${compiled.api.plural}.${compiled.api.group}`;
    await this.until(
      async () =>
        conditionOf(await this.onboarding.get({ ...CRD, name }), "Established")?.status === "True"
          ? true
          : undefined,
      () => Promise.resolve(`CRD ${name} is not established on the onboarding cluster`),
    );
    // In an openMCP installation, the ServiceProvider of the same name says whether it runs.
    const sp = await this.platform
      .get({ apiVersion: "openmcp.cloud/v1alpha1", kind: "ServiceProvider", name: compiled.name })
      .catch(() => undefined);
    if (!sp) return undefined;
    const ready = conditionOf(sp, "Ready");
    if (ready?.status !== "True")
      throw new Error(
        `ServiceProvider ${compiled.name} is not Ready: ${ready?.reason ?? "no Ready condition"} ${ready?.message ?? ""}`.trim(),
      );
    return `ServiceProvider ${compiled.name} Ready`;
  }

  private async objectReady(): Promise<undefined> {
    const { sample } = this.input;
    if (sample.metadata.namespace) {
      const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: sample.metadata.namespace } };
      if (!(await this.onboarding.get(refOf(ns)))) await this.onboarding.apply(ns, { manager: MANAGER });
    }
    const applied = await this.onboarding.apply(sample, { manager: MANAGER, force: true });
    const ref = refOf(sample);
    const ready = await this.until(
      async () => readyAt(await this.onboarding.get(ref), applied.metadata.generation as number | undefined),
      async () => {
        const ready = conditionOf(await this.onboarding.get(ref), "Ready");
        return `${describe(ref)} is not Ready: ${ready ? `${ready.reason ?? ""}: ${ready.message ?? ""}` : "no Ready condition yet"}`;
      },
    );
    this.deployed = await this.deployedRefs(ready);
    return undefined;
  }

  /** The objects the API object's status lists, as references on the target cluster. */
  private async deployedRefs(obj: KubeObject): Promise<ObjectRef[]> {
    const entries =
      (
        obj.status as
          { resources?: { apiGroup?: string; kind: string; name: string; namespace?: string }[] } | undefined
      )?.resources ?? [];
    const refs: ObjectRef[] = [];
    for (const e of entries) {
      const apiVersion = await this.preferredVersion(e.apiGroup);
      refs.push({
        apiVersion,
        kind: e.kind,
        name: e.name,
        ...(e.namespace ? { namespace: e.namespace } : {}),
      });
    }
    return refs;
  }

  private async preferredVersion(group: string | undefined): Promise<string> {
    if (!group || !this.target) return "v1";
    const body = (await this.target.send({ method: "GET", path: `/apis/${group}` })) as {
      preferredVersion?: { groupVersion?: string };
    };
    return body.preferredVersion?.groupVersion ?? `${group}/v1`;
  }

  private async domainAvailable(): Promise<string> {
    const target = this.target;
    if (!target) return "skipped: no --target-kubeconfig";
    const missing = [];
    for (const ref of this.deployed)
      if (!(await target.get(ref).catch(() => undefined))) missing.push(describe(ref));
    if (missing.length > 0) throw new Error(`not on the target cluster: ${missing.join(", ")}`);
    const crds = this.input.compiled.deletion.crds;
    for (const name of crds) {
      const crd = await target.get({ ...CRD, name });
      if (conditionOf(crd, "Established")?.status !== "True")
        throw new Error(`DomainServiceAPI CRD ${name} is not established on the target cluster`);
    }
    return `${this.deployed.length} object(s), ${crds.length} CRD(s)`;
  }

  private async domainWorks(): Promise<string | undefined> {
    const { domainSample } = this.input;
    const target = this.target;
    if (!target || !domainSample) return "skipped: no --domain-sample (or no --target-kubeconfig)";
    if (domainSample.metadata.namespace) {
      const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: domainSample.metadata.namespace } };
      if (!(await target.get(refOf(ns)))) await target.apply(ns, { manager: MANAGER });
    }
    await target.apply(domainSample, { manager: MANAGER, force: true });
    this.appliedDomain = true;
    if (!(await target.get(refOf(domainSample))))
      throw new Error(`${describe(refOf(domainSample))} was not stored`);
    return undefined;
  }

  private async gone(client: KubeClient, ref: ObjectRef): Promise<boolean> {
    try {
      return (await client.get(ref)) === undefined;
    } catch {
      return true; // its kind is gone with its CRD
    }
  }

  private async removed(): Promise<string> {
    const target = this.target;
    const { domainSample, sample } = this.input;
    if (target && domainSample && this.appliedDomain) {
      await target.delete(refOf(domainSample));
      await this.until(
        async () => ((await this.gone(target, refOf(domainSample))) ? true : undefined),
        () => Promise.resolve(`${describe(refOf(domainSample))} is not deleted`),
      );
    }
    await this.onboarding.delete(refOf(sample));
    await this.until(
      async () => ((await this.gone(this.onboarding, refOf(sample))) ? true : undefined),
      async () => {
        const blocked = conditionOf(await this.onboarding.get(refOf(sample)), "DeletionBlocked");
        return `${describe(refOf(sample))} is still there${blocked?.status === "True" ? `: ${blocked.message ?? ""}` : ""}`;
      },
    );
    if (!target) return "skipped the target checks: no --target-kubeconfig";
    const left = [];
    for (const ref of this.deployed) if (!(await this.gone(target, ref))) left.push(describe(ref));
    for (const name of this.input.compiled.deletion.crds)
      if (!(await this.gone(target, { ...CRD, name }))) left.push(`CRD ${name}`);
    if (left.length > 0) throw new Error(`still on the target cluster: ${left.join(", ")}`);
    return `${this.deployed.length} object(s) and ${this.input.compiled.deletion.crds.length} CRD(s) removed`;
  }

  /** Removes what is left of what validate created (after a failure too). */
  private async cleanUp(): Promise<undefined> {
    const { domainSample, sample, config } = this.input;
    if (this.target && domainSample && this.appliedDomain)
      await this.target.delete(refOf(domainSample)).catch(() => false);
    await this.onboarding.delete(refOf(sample)).catch(() => false);
    if (config && this.appliedConfig) {
      await this.until(
        async () => ((await this.gone(this.onboarding, refOf(sample))) ? true : undefined),
        () => Promise.resolve(`${describe(refOf(sample))} is not deleted, so the config stays`),
      );
      await this.platform.delete(refOf(config));
    }
    return undefined;
  }
}
