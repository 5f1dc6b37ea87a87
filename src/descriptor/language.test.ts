/**
 * Golden renders of the expression language (test/fixtures/language): ?? chains, oneOf,
 * $forEach maps, $merge and merge(), when and hash, as `spe render` would show them.
 * Each <case>.input.yaml replaces the spec of the example api and/or config.
 * UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compileDescriptor } from "./compile.js";
import { renderOffline } from "./harness.js";
import { validateApiObject, validateConfig } from "./inputs.js";
import { RenderError } from "./issues.js";
import { lintPaths } from "./lint.js";
import { loadDescriptors } from "./load.js";

const DIR = fileURLToPath(new URL("../../test/fixtures/language/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === "1";

type Obj = Record<string, unknown>;
const read = (file: string): Obj => parse(readFileSync(join(DIR, file), "utf8")) as Obj;

async function compiled(): Promise<ReturnType<typeof compileDescriptor>> {
  const loaded = await loadDescriptors([join(DIR, "descriptor.yaml")]);
  expect(loaded.issues).toEqual([]);
  return compileDescriptor(loaded.descriptors[0]!);
}

function outcome(c: ReturnType<typeof compileDescriptor>, api: Obj, config: Obj): Obj {
  const invalid = [...validateApiObject(c, api), ...validateConfig(c, config)];
  if (invalid.length > 0)
    return { invalid: invalid.map(({ code, path, message }) => ({ code, path, message })) };
  try {
    return { ...renderOffline(c, { api, config }) };
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

function cases(): [string, Obj, Obj][] {
  const api = read("api.yaml");
  const config = read("config.yaml");
  const out: [string, Obj, Obj][] = [["default", api, config]];
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith(".input.yaml"))
    .sort()) {
    const input = read(file) as { api?: Obj; config?: Obj };
    out.push([
      file.replace(/\.input\.yaml$/, ""),
      input.api ? { ...api, ...input.api } : api,
      input.config ? { ...config, ...input.config } : config,
    ]);
  }
  return out;
}

describe("the expression language, rendered", () => {
  it("lints clean", async () => {
    expect(await lintPaths([join(DIR, "descriptor.yaml")])).toEqual([]);
  });

  for (const [name, api, config] of cases()) {
    it(`renders ${name} as golden`, async () => {
      const actual = stringify(outcome(await compiled(), api, config), {
        lineWidth: 0,
        aliasDuplicateObjects: false,
      });
      const path = join(DIR, `${name}.golden.yaml`);
      if (UPDATE) writeFileSync(path, actual);
      expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
      expect(actual).toBe(readFileSync(path, "utf8"));
    });
  }
});
