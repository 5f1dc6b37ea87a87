/** Requests each apiserver has served, from its own apiserver_request_total counter. */
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../src/plugins/kube/client.js";

export type RequestCounts = Record<string, number>;

/** Sum of apiserver_request_total, in total and by verb. */
export async function requestCounts(kc: KubeConfig): Promise<RequestCounts> {
  const text = await KubeClient.for(kc).send({ method: "GET", path: "/metrics" });
  if (typeof text !== "string") throw new Error("apiserver /metrics did not answer text");
  const counts: RequestCounts = { total: 0 };
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? "OTHER";
    counts.total = (counts.total ?? 0) + value;
    counts[verb] = (counts[verb] ?? 0) + value;
  }
  return counts;
}

/** Requests per second between two readings, in total and by verb. */
export function rate(before: RequestCounts, after: RequestCounts, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    out[key] = Math.round(((value - (before[key] ?? 0)) / seconds) * 100) / 100;
  }
  return out;
}
