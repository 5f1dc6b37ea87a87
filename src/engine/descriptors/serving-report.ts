/**
 * Reports the state of each descriptor origin where its author looks: a log
 * line with file:line:col messages, and for ConfigMaps two annotations
 * (written with a JSON merge patch, only when they differ) plus a Warning
 * Event `InvalidDescriptor`. Reports repeat only when something changed.
 */
import type { Logger } from "pino";
import { formatIssue, type Issue } from "../../descriptor/index.js";
import { KubeClient } from "../../kube/client.js";
import type { DescriptorConfigMap } from "./origin.js";
import type { EventRecorder } from "../status/events.js";

export const STATUS_ANNOTATION = "spe.dev/status";
export const STATUS_MESSAGE_ANNOTATION = "spe.dev/status-message";
export const INVALID_DESCRIPTOR_REASON = "InvalidDescriptor";
const MAX_MESSAGE = 1000;

export type OriginState = "Serving" | "Invalid";

export interface OriginReport {
  readonly id: string;
  readonly configMap?: DescriptorConfigMap;
  readonly state: OriginState;
  readonly issues: readonly Issue[];
  /** Providers still served from the last valid version although this one is invalid. */
  readonly keptLastGood?: readonly string[];
  /** Providers served from this origin. */
  readonly serving: readonly string[];
}

export interface StatusReporterOptions {
  logger: Logger;
  /** For ConfigMap origins: where their annotations are written and their Events recorded. */
  platform?: { client: KubeClient; recorder: EventRecorder };
}

export function statusMessage(report: OriginReport): string {
  const lines = report.issues.filter((i) => i.severity === "error").map(formatIssue);
  if (report.keptLastGood?.length) {
    lines.unshift(`still serving the last valid version of ${report.keptLastGood.join(", ")}`);
  }
  const text = lines.join("\n");
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text;
}

/** The annotations a ConfigMap should carry; null removes a message that no longer applies. */
export function statusAnnotations(report: OriginReport): Record<string, string | null> {
  return report.state === "Serving"
    ? { [STATUS_ANNOTATION]: "Serving", [STATUS_MESSAGE_ANNOTATION]: null }
    : { [STATUS_ANNOTATION]: "Invalid", [STATUS_MESSAGE_ANNOTATION]: statusMessage(report) };
}

function differs(
  current: Record<string, string> | undefined,
  wanted: Record<string, string | null>,
): boolean {
  return Object.entries(wanted).some(([k, v]) => (current?.[k] ?? null) !== v);
}

export class StatusReporter {
  /** Origin id → the last report made, so unchanged states are not logged or evented again. */
  private readonly last = new Map<string, string>();

  constructor(private readonly options: StatusReporterOptions) {}

  async report(report: OriginReport): Promise<void> {
    const fingerprint = `${report.state}\n${statusMessage(report)}\n${report.serving.join(",")}`;
    const changed = this.last.get(report.id) !== fingerprint;
    this.last.set(report.id, fingerprint);
    if (changed) this.log(report);
    if (!report.configMap || !this.options.platform) return;
    if (changed && report.state === "Invalid") await this.event(report.configMap, statusMessage(report));
    await this.annotate(report.configMap, statusAnnotations(report));
  }

  /** The origin is gone; a later origin with the same id is reported afresh. */
  forget(id: string): void {
    this.last.delete(id);
  }

  private log(report: OriginReport): void {
    const { logger } = this.options;
    const warnings = report.issues.filter((i) => i.severity === "warning").map(formatIssue);
    if (report.state === "Serving") {
      logger.info({ origin: report.id, providers: report.serving }, "descriptor loaded");
      if (warnings.length > 0)
        logger.warn({ origin: report.id }, `descriptor warnings:\n${warnings.join("\n")}`);
      return;
    }
    logger.error(
      { origin: report.id, keptLastGood: report.keptLastGood ?? [] },
      `invalid descriptor ${report.id}:\n${statusMessage(report)}`,
    );
  }

  private async event(cm: DescriptorConfigMap, message: string): Promise<void> {
    const meta = cm.metadata ?? {};
    const involved = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        ...(meta.name === undefined ? {} : { name: meta.name }),
        ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }),
        ...(meta.uid === undefined ? {} : { uid: meta.uid }),
      },
    };
    await this.options.platform?.recorder.event(involved, "Warning", INVALID_DESCRIPTOR_REASON, message);
  }

  private async annotate(cm: DescriptorConfigMap, annotations: Record<string, string | null>): Promise<void> {
    const { name, namespace } = cm.metadata ?? {};
    const client = this.options.platform?.client;
    if (!client || !name || !namespace || !differs(cm.metadata?.annotations, annotations)) return;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`;
    try {
      await client.send({
        method: "PATCH",
        path,
        body: { metadata: { annotations } },
        contentType: "application/merge-patch+json",
      });
    } catch (err) {
      // A ConfigMap deleted meanwhile or missing RBAC: the log line above still tells the story.
      this.options.logger.warn(
        { err, configMap: `${namespace}/${name}` },
        "could not write descriptor status",
      );
    }
  }
}
