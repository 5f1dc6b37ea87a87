/** Ajv set-up and the translation of Ajv errors into Issues with document paths. */
import { Ajv2020, type ErrorObject, type Options } from "ajv/dist/2020.js";
import formatsPlugin from "ajv-formats";
import { issue, type Issue, type IssuePath } from "./issues.js";
import { didYouMean } from "./suggest.js";
import { GO_DURATION } from "./names.js";

type FormatsFn = (ajv: Ajv2020) => Ajv2020;

// ajv-formats is CommonJS; depending on the loader its default export is the function or a namespace.
const formatsModule: unknown = formatsPlugin;
const addFormats = (
  typeof formatsModule === "function" ? formatsModule : (formatsModule as { default: unknown }).default
) as FormatsFn;

/**
 * A JSON Schema 2020-12 validator; `strict: false` lets x-kubernetes-* keywords through.
 * `format: duration` means what it means in a CRD and to openMCP's Go providers (a
 * metav1.Duration: Go's `1m30s`), not ajv-formats' ISO 8601 (`PT1M30S`), which would refuse
 * every openMCP pollInterval.
 */
export function newAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true, ...options });
  addFormats(ajv);
  ajv.addFormat("duration", GO_DURATION);
  return ajv;
}

export function pointerToPath(pointer: string): IssuePath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function allowedKeys(err: ErrorObject): string[] {
  const parent = err.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(parent?.properties ?? {});
}

function describe(err: ErrorObject): { path: IssuePath; message: string } {
  const path = pointerToPath(err.instancePath);
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      return { path: [...path, key], message: `unknown field "${key}"${didYouMean(key, allowedKeys(err))}` };
    }
    case "required":
      return { path, message: `missing required field "${String(params.missingProperty)}"` };
    case "enum":
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "const":
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path, message: err.message ?? `fails ${err.keyword}` };
  }
}

/** Converts Ajv errors into issues, dropping the noise of failed oneOf/anyOf branches' parents. */
export function ajvIssues(
  errors: ErrorObject[] | null | undefined,
  code: string,
  base: IssuePath = [],
): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const err of errors ?? []) {
    if ((err.keyword === "oneOf" || err.keyword === "anyOf") && (errors?.length ?? 0) > 1) continue;
    if (err.keyword === "if") continue;
    const { path, message } = describe(err);
    const key = `${path.join("/")}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue(code, [...base, ...path], message));
  }
  return out;
}
