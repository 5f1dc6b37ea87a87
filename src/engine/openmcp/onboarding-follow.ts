/**
 * `spe run`'s onboarding access after it was granted: the granted Secret is checked now and
 * then (and when its credentials reach 80 % of their lifetime, when spe asks for new ones);
 * a renewed token is swapped in place (followed.ts). A Secret that is gone is asked for again.
 * What cannot be swapped (another cluster, other kinds of credentials, the AccessRequest gone)
 * ends the process through `onRestart`: a fresh start requests access anew.
 */
import type { Logger } from "pino";
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeClient } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { FollowedKubeconfigs } from "./followed.js";
import { accessGrant, renewalTime } from "./grant.js";
import type { GrantedAccess } from "./onboarding.js";
import { PlatformRequests, refOf } from "./platform-requests.js";

export interface OnboardingFollowOptions {
  platform: KubeConfig;
  granted: GrantedAccess;
  kubeconfigs: FollowedKubeconfigs;
  logger: Logger;
  onRestart: (reason: string) => void;
  /** How often the Secret is looked at (default 30 s). */
  checkMs?: number;
  now?: () => number;
}

export class OnboardingFollower {
  readonly kubeconfig: KubeConfig;
  private readonly requests: PlatformRequests;
  private readonly id: string;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: OnboardingFollowOptions) {
    const request = options.granted.accessRequest;
    this.id = `${request.metadata.namespace ?? ""}/${request.metadata.name}`;
    this.kubeconfig = options.kubeconfigs.fromSecret(this.id, options.granted.secret);
    this.requests = new PlatformRequests(KubeClient.for(options.platform));
  }

  start(): void {
    this.schedule(renewalTime(this.options.granted.secret));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private schedule(renewAt: number | undefined): void {
    if (this.stopped) return;
    const check = this.options.checkMs ?? 30_000;
    const wait = renewAt === undefined ? check : Math.max(1_000, Math.min(check, renewAt - this.now()));
    this.timer = setTimeout(() => {
      this.check().then(
        (next) => {
          this.schedule(next);
        },
        (err: unknown) => {
          this.options.logger.warn(
            { err, request: this.id },
            "checking onboarding access failed; trying again",
          );
          this.schedule(undefined);
        },
      );
    }, wait);
    this.timer.unref();
  }

  /** One look at the AccessRequest and its Secret; returns when credentials are due next. */
  private async check(): Promise<number | undefined> {
    const request = await this.requests.read(refOf(this.options.granted.accessRequest));
    if (!request || request.metadata.deletionTimestamp !== undefined) {
      this.options.onRestart(
        `onboarding AccessRequest ${this.id} is gone; restarting to request access again`,
      );
      return undefined;
    }
    const grant = accessGrant(request);
    if (grant.state !== "granted") return undefined; // being granted again: look later
    const namespace = request.metadata.namespace ?? "";
    const secret = await this.requests.read({
      apiVersion: "v1",
      kind: "Secret",
      name: grant.secretName,
      namespace,
    });
    if (!secret) {
      if (await this.requests.askToReconcile(request))
        this.options.logger.warn(
          { request: this.id },
          "onboarding Secret is gone; asked for the access again",
        );
      return undefined;
    }
    if (this.options.kubeconfigs.fromSecret(this.id, secret) !== this.kubeconfig) {
      this.options.onRestart(`onboarding access ${this.id} now points elsewhere; restarting to use it`);
      return undefined;
    }
    return this.renewIfDue(request, secret);
  }

  private async renewIfDue(request: KubeObject, secret: KubeObject): Promise<number | undefined> {
    const renewAt = renewalTime(secret);
    if (renewAt === undefined) return undefined;
    if (renewAt > this.now()) return renewAt;
    if (await this.requests.askToReconcile(request))
      this.options.logger.info(
        { request: this.id },
        "onboarding credentials due for renewal; asked for new ones",
      );
    return undefined;
  }
}
