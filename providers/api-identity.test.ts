/**
 * API identity with openMCP's hand-written providers: for every provider folder with an
 * upstream-api.md (tables written from ../shared/openmcp-apis.md), `spe crds` is run on its
 * descriptor and the API and config CRDs are compared with the tables path by path. A
 * failure lists every path that differs. spe's own status fields (drift, units, …) are
 * allowed additions; anything else upstream lacks is a difference.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCrds } from "../src/cli/crds.js";
import { compareCrd, parseFactsFile, type Crd } from "../test/unit/support/crd-identity.js";

const ROOT = fileURLToPath(new URL(".", import.meta.url));
const PROVIDERS = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(ROOT, e.name, "upstream-api.md")))
  .map((e) => e.name);

async function speCrds(provider: string): Promise<Crd[]> {
  let stdout = "";
  let stderr = "";
  const code = await runCrds(
    join(ROOT, provider, "descriptor.yaml"),
    {},
    { out: (t) => (stdout += t), err: (t) => (stderr += t) },
  );
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return parseAllDocuments(stdout).map((d) => d.toJS() as Crd);
}

describe.each(PROVIDERS)("spe crds of providers/%s", (provider) => {
  const tables = parseFactsFile(readFileSync(join(ROOT, provider, "upstream-api.md"), "utf8"));

  it.each([
    ["API", 0],
    ["ProviderConfig", 1],
  ] as const)("the %s CRD equals upstream's path by path", async (_what, index) => {
    const crd = (await speCrds(provider))[index];
    const facts = tables[index];
    expect(crd).toBeDefined();
    expect(facts).toBeDefined();
    const result = compareCrd(facts!, crd!);
    expect(result.identity).toEqual([]);
    expect(result.mismatches).toEqual([]);
    expect(result.matched.length).toBe(facts!.paths.size);
  });
});
