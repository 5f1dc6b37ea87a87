/**
 * Golden renders for tests: a folder holding descriptor.yaml, api.yaml, config.yaml and
 * <case>.input.yaml files (each replacing the spec of the example api and/or config, and
 * giving live values as `spe render --live` does), each
 * case rendered as `spe render` would show it (or its error) and compared with
 * <case>.golden.yaml. UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compileDescriptor } from "./compile.js";
import { renderOffline } from "./harness.js";
import { validateApiObject, validateConfig } from "./inputs.js";
import { RenderError } from "./issues.js";
import { lintPaths } from "./lint.js";
import { loadDescriptors } from "./load.js";

type Obj = Record<string, unknown>;
type Compiled = ReturnType<typeof compileDescriptor>;

const UPDATE = process.env.UPDATE_GOLDEN === "1";

type Live = Record<string, Record<string, unknown>>;

function outcome(c: Compiled, api: Obj, config: Obj, live?: Live): Obj {
  const invalid = [...validateApiObject(c, api), ...validateConfig(c, config)];
  if (invalid.length > 0)
    return { invalid: invalid.map(({ code, path, message }) => ({ code, path, message })) };
  try {
    return { ...renderOffline(c, { api, config, ...(live ? { live } : {}) }) };
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

function cases(dir: string): [string, Obj, Obj, Live?][] {
  const read = (file: string): Obj => parse(readFileSync(join(dir, file), "utf8")) as Obj;
  const api = read("api.yaml");
  const config = read("config.yaml");
  const out: [string, Obj, Obj, Live?][] = [["default", api, config]];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".input.yaml"))
    .sort()) {
    const input = read(file) as { api?: Obj; config?: Obj; live?: Live };
    out.push([
      file.replace(/\.input\.yaml$/, ""),
      input.api ? { ...api, ...input.api } : api,
      input.config ? { ...config, ...input.config } : config,
      input.live,
    ]);
  }
  return out;
}

/** A describe block: the folder's descriptor lints clean, and every case renders as its golden file. */
export function goldenRenders(title: string, dir: string): void {
  const compiled = async (): Promise<Compiled> => {
    const loaded = await loadDescriptors([join(dir, "descriptor.yaml")]);
    expect(loaded.issues).toEqual([]);
    const [descriptor] = loaded.descriptors;
    if (!descriptor) throw new Error(`${dir}descriptor.yaml holds no descriptor`);
    return compileDescriptor(descriptor);
  };
  describe(title, () => {
    it("lints clean", async () => {
      expect(await lintPaths([join(dir, "descriptor.yaml")])).toEqual([]);
    });

    for (const [name, api, config, live] of cases(dir)) {
      it(`renders ${name} as golden`, async () => {
        const actual = stringify(outcome(await compiled(), api, config, live), {
          lineWidth: 0,
          aliasDuplicateObjects: false,
        });
        const path = join(dir, `${name}.golden.yaml`);
        if (UPDATE) writeFileSync(path, actual);
        expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
        expect(actual).toBe(readFileSync(path, "utf8"));
      });
    }
  });
}
