/**
 * Golden tests for the bundled providers: each renders its examples (and every
 * testdata/<case>.input.yaml) offline and compares with testdata/*.golden.yaml.
 * UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { localChartVersion, runRender } from "../src/cli/render.js";
import { toYaml, toYamlStream } from "../src/cli/io.js";
import {
  generateCrds,
  lintPaths,
  loadDescriptors,
  RenderError,
  renderOffline,
  chooseConfig,
  resolveTargetAccess,
  safeCompileDescriptor,
  validateApiObject,
  validateConfig,
  type CompiledDescriptor,
  type KubeObject,
} from "../src/descriptor/index.js";

const ROOT = fileURLToPath(new URL(".", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const PROVIDERS = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(ROOT, e.name, "descriptor.yaml")))
  .map((e) => e.name);

type Obj = Record<string, unknown>;

function readYaml(path: string): Obj {
  return parse(readFileSync(path, "utf8")) as Obj;
}

async function compiled(provider: string): Promise<CompiledDescriptor> {
  const loaded = await loadDescriptors([join(ROOT, provider, "descriptor.yaml")]);
  expect(loaded.issues).toEqual([]);
  const result = safeCompileDescriptor(loaded.descriptors[0]!);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

/** Everything the engine would compute offline for one API object and config. */
function outcome(c: CompiledDescriptor, api: Obj, config: Obj): Obj {
  const invalid = [...validateApiObject(c, api), ...validateConfig(c, config)];
  if (invalid.length > 0)
    return { invalid: invalid.map(({ code, path, message }) => ({ code, path, message })) };
  try {
    const ctx = { api, config };
    // The example config is the only one on the platform: chosen by reference, label or name.
    const choice = chooseConfig(c, api, [config as KubeObject]);
    if (!choice.ok) return { config: { reason: choice.reason, message: choice.message } };
    return {
      configRef: { name: choice.config.metadata.name, by: choice.by },
      access: resolveTargetAccess(c, ctx),
      ...renderOffline(c, { api, config, chartVersion: localChartVersion(c) }),
    };
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    return {
      error: {
        failure: err.failure,
        issues: err.issues.map(({ code, path, message }) => ({ code, path, message })),
      },
    };
  }
}

function golden(path: string, actual: string): void {
  if (UPDATE) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

/** `spe render` of the examples with one of them swapped for `swap` (by its kind): exit code and output. */
async function cliRender(provider: string, swap?: string): Promise<string> {
  const examples = join(ROOT, provider, "examples");
  const isConfig = swap !== undefined && readYaml(swap).kind === "ProviderConfig";
  let output = "";
  const capture = (t: string): void => {
    output += t;
  };
  const code = await runRender(
    {
      descriptor: join(ROOT, provider, "descriptor.yaml"),
      api: swap !== undefined && !isConfig ? swap : join(examples, "api.yaml"),
      config: isConfig ? swap : join(examples, "config.yaml"),
    },
    { out: capture, err: capture },
  );
  return `exit ${code}\n${output.replaceAll(ROOT, "providers/")}`;
}

function invalidExamples(provider: string): string[] {
  const dir = join(ROOT, provider, "examples", "invalid");
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
    : [];
}

/** Cases: the examples, plus testdata/<case>.input.yaml holding {api?, config?} overrides. */
function cases(provider: string): [string, Obj, Obj][] {
  const dir = join(ROOT, provider);
  const api = readYaml(join(dir, "examples", "api.yaml"));
  const config = readYaml(join(dir, "examples", "config.yaml"));
  const out: [string, Obj, Obj][] = [["default", api, config]];
  const testdata = join(dir, "testdata");
  if (!existsSync(testdata)) return out;
  for (const file of readdirSync(testdata)
    .filter((f) => f.endsWith(".input.yaml"))
    .sort()) {
    const input = readYaml(join(testdata, file)) as { api?: Obj; config?: Obj };
    out.push([file.replace(/\.input\.yaml$/, ""), input.api ?? api, input.config ?? config]);
  }
  return out;
}

describe.each(PROVIDERS)("provider %s", (provider) => {
  it("lints clean", async () => {
    expect(await lintPaths([join(ROOT, provider)])).toEqual([]);
  });

  it("generates the golden CRDs", async () => {
    golden(
      join(ROOT, provider, "testdata", "crds.golden.yaml"),
      toYamlStream(generateCrds(await compiled(provider))),
    );
  });

  it("renders its examples with spe render", async () => {
    expect((await cliRender(provider)).split("\n")[0]).toBe("exit 0");
  });

  for (const file of invalidExamples(provider)) {
    it(`refuses examples/invalid/${file} with the golden error`, async () => {
      const path = join(ROOT, provider, "examples", "invalid", file);
      golden(path.replace(/\.yaml$/, ".golden.txt"), await cliRender(provider, path));
    });
  }

  for (const [name, api, config] of cases(provider)) {
    it(`renders ${name} as golden`, async () => {
      golden(
        join(ROOT, provider, "testdata", `${name}.golden.yaml`),
        toYaml(outcome(await compiled(provider), api, config)),
      );
    });
  }
});
