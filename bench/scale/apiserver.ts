/** Requests each apiserver has served, from its own apiserver_request_total counter. */
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../src/kube/client.js";

export type RequestCounts = Record<string, number>;

/** The keys one series of apiserver_request_total counts towards. */
function keysOf(line: string): string[] {
  const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? "OTHER";
  const resource = /[{,]resource="([^"]*)"/.exec(line)?.[1];
  if (!resource) return ["total", verb];
  const sub = /subresource="([^"]*)"/.exec(line)?.[1];
  return ["total", verb, `${verb} ${resource}${sub ? `/${sub}` : ""}`];
}

/** Sum of apiserver_request_total, in total, by verb, and by "VERB resource[/subresource]". */
export async function requestCounts(kc: KubeConfig): Promise<RequestCounts> {
  const text = await KubeClient.for(kc).send({ method: "GET", path: "/metrics" });
  if (typeof text !== "string") throw new Error("apiserver /metrics did not answer text");
  const counts: RequestCounts = { total: 0 };
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    for (const key of keysOf(line)) counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}

/** Requests per second between two readings, in total and by verb. */
export function rate(before: RequestCounts, after: RequestCounts, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const perSecond = Math.round(((value - (before[key] ?? 0)) / seconds) * 100) / 100;
    // By-resource rows only where there was traffic; totals and verbs always.
    if (perSecond > 0 || !key.includes(" ")) out[key] = perSecond;
  }
  return out;
}

/** Requests per API object between two readings, by "VERB resource", the largest first. */
export function perObject(
  before: RequestCounts,
  after: RequestCounts,
  objects: number,
  top = 12,
): Record<string, number> {
  const rows = Object.entries(after)
    .map(([key, value]): [string, number] => [key, (value - (before[key] ?? 0)) / objects])
    .filter(([key, value]) => key.includes(" ") && value >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  const total = ((after.total ?? 0) - (before.total ?? 0)) / objects;
  const round = (x: number): number => Math.round(x * 100) / 100;
  const out: Record<string, number> = { total: round(total) };
  for (const [key, value] of rows) out[key] = round(value);
  return out;
}
