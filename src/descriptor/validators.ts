/**
 * Ajv validators for API object and config specs. Compiling a schema costs
 * milliseconds, so lint only checks schemas against the meta-schema; the engine
 * (compileDescriptor) compiles every validator once, up front.
 */
import type { Ajv2020, ValidateFunction } from "ajv/dist/2020.js";
import { newAjv } from "./ajv.js";
import type { ApiInfo, ConfigInfo } from "./compiled.js";
import { issue, type Issue, type IssuePath } from "./issues.js";

export interface Validators {
  /** The spec validator of an API version; undefined for unknown versions. */
  api(version: string): ValidateFunction | undefined;
  config(): ValidateFunction;
}

/** Strips keys Ajv 2020 must not see in a user schema ($schema of another draft, $id clashes). */
export function userSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

let meta: Ajv2020 | undefined;

function schemaSites(api: ApiInfo, config: ConfigInfo): [Record<string, unknown>, IssuePath][] {
  return [
    ...api.versions.map((v, i): [Record<string, unknown>, IssuePath] => [
      v.schema,
      ["spec", "api", "versions", i, "schema"],
    ]),
    [config.schema, ["spec", "config", "schema"]],
  ];
}

/** Meta-schema validation of the api and config schemas (cheap; no code generation). */
export function checkSchemas(api: ApiInfo, config: ConfigInfo): Issue[] {
  meta ??= newAjv();
  const out: Issue[] = [];
  for (const [schema, path] of schemaSites(api, config)) {
    if (meta.validateSchema(userSchema(schema)) !== true) {
      out.push(issue("invalid-schema", path, `invalid JSON Schema: ${meta.errorsText(meta.errors)}`));
    }
  }
  return out;
}

/** Validators compiled on first use, each at most once. */
export function lazyValidators(api: ApiInfo, config: ConfigInfo): Validators {
  const ajv = newAjv();
  const cache = new Map<string, ValidateFunction>();
  const get = (key: string, schema: Record<string, unknown>): ValidateFunction => {
    let fn = cache.get(key);
    if (fn === undefined) {
      fn = ajv.compile(userSchema(schema));
      cache.set(key, fn);
    }
    return fn;
  };
  return {
    api: (version) => {
      const v = api.versions.find((x) => x.name === version);
      return v === undefined ? undefined : get(`api/${version}`, v.schema);
    },
    config: () => get("config", config.schema),
  };
}

/** Compiles every validator now; compile failures (e.g. unresolvable $ref) become issues. */
export function compileAll(validators: Validators, api: ApiInfo, config: ConfigInfo): Issue[] {
  const out: Issue[] = [];
  const sites = schemaSites(api, config);
  const calls = [...api.versions.map((v) => () => validators.api(v.name)), () => validators.config()];
  calls.forEach((call, i) => {
    try {
      call();
    } catch (err) {
      out.push(
        issue("invalid-schema", sites[i]?.[1] ?? [], `invalid JSON Schema: ${(err as Error).message}`),
      );
    }
  });
  return out;
}
