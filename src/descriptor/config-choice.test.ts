/**
 * Golden choices of the config (test/fixtures/config-choice): a reference field, a label
 * selector with a default, the recorded choice kept while it exists, and none or several
 * matching; plus the selector's semantics. UPDATE_GOLDEN=1 rewrites the golden file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compileDescriptor } from "./compile.js";
import { chooseConfig, selectorMatches, selectorText } from "./config-choice.js";
import { renderOffline } from "./harness.js";
import { loadDescriptors } from "./load.js";
import { lintPaths } from "./lint.js";
import type { KubeObject } from "./plan.js";

const DIR = fileURLToPath(new URL("../../test/fixtures/config-choice/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === "1";

interface Case {
  spec: Record<string, unknown>;
  configs: Record<string, Record<string, string>>;
  recorded?: string;
}

const GROUP = "landscaper.services.openmcp.cloud";

function configsOf(c: Case): KubeObject[] {
  return Object.entries(c.configs).map(([name, labels]) => ({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name, labels },
    spec: { availableVersions: ["v1"] },
  }));
}

/** What the deploy unit says it was rendered with: the chosen config reaches `${config…}`. */
function renderedConfig(
  compiled: ReturnType<typeof compileDescriptor>,
  api: Record<string, unknown>,
  config: KubeObject,
): unknown {
  const [unit] = renderOffline(compiled, { api, config }).units;
  return unit?.type === "manifests" ? unit.manifests[0]?.data : undefined;
}

describe("choosing the config, golden", () => {
  it("lints clean", async () => {
    expect(await lintPaths([join(DIR, "descriptor.yaml")])).toEqual([]);
  });

  it("chooses as the golden file says, and renders with the chosen config", async () => {
    const loaded = await loadDescriptors([join(DIR, "descriptor.yaml")]);
    const compiled = compileDescriptor(loaded.descriptors[0]!);
    const { cases } = parse(readFileSync(join(DIR, "cases.yaml"), "utf8")) as { cases: Record<string, Case> };
    const out: Record<string, unknown> = {};
    for (const [name, c] of Object.entries(cases)) {
      const api = {
        apiVersion: `${GROUP}/v1alpha2`,
        kind: "Landscaper",
        metadata: { name: "mcp-a", namespace: "tenant-a" },
        spec: c.spec,
      };
      const choice = chooseConfig(compiled, api, configsOf(c), c.recorded ? { name: c.recorded } : undefined);
      out[name] = choice.ok
        ? {
            config: choice.config.metadata.name,
            by: choice.by,
            renders: renderedConfig(compiled, api, choice.config),
          }
        : { reason: choice.reason, message: choice.message };
    }
    const actual = stringify(out, { lineWidth: 0, aliasDuplicateObjects: false });
    const path = join(DIR, "cases.golden.yaml");
    if (UPDATE) writeFileSync(path, actual);
    expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toBe(readFileSync(path, "utf8"));
  });
});

describe("label selectors", () => {
  const sel = {
    matchLabels: { tier: "gold" },
    matchExpressions: [
      { key: "zone", operator: "In" as const, values: ["a", "b"] },
      { key: "retired", operator: "DoesNotExist" as const },
      { key: "region", operator: "NotIn" as const, values: ["eu"] },
      { key: "team", operator: "Exists" as const },
    ],
  };

  it("holds only when every requirement does", () => {
    const labels = { tier: "gold", zone: "a", team: "x" };
    expect(selectorMatches(sel, labels)).toBe(true);
    expect(selectorMatches(sel, { ...labels, tier: "silver" })).toBe(false);
    expect(selectorMatches(sel, { ...labels, zone: "c" })).toBe(false);
    expect(selectorMatches(sel, { ...labels, retired: "" })).toBe(false);
    expect(selectorMatches(sel, { ...labels, region: "eu" })).toBe(false);
    expect(selectorMatches(sel, { tier: "gold", zone: "a" })).toBe(false);
    expect(selectorMatches({}, {})).toBe(true);
  });

  it("is spelled as kubectl's -l", () => {
    expect(selectorText(sel)).toBe("tier=gold,zone in (a,b),!retired,region notin (eu),team");
  });
});
