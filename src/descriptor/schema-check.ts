/** Validates a descriptor document against schemas/descriptor.schema.json and applies its defaults. */
import { readFileSync } from "node:fs";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { ajvIssues, newAjv } from "./ajv.js";
import type { Issue } from "./issues.js";
import { closest, didYouMean } from "./suggest.js";

export const DESCRIPTOR_SCHEMA_URL = new URL("../../schemas/descriptor.schema.json", import.meta.url);

/** Deploy unit kinds the engine has plugins for. */
export const UNIT_KINDS = ["helm", "manifests", "copy", "token"] as const;

let validator: ValidateFunction | undefined;

function descriptorValidator(): ValidateFunction {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(DESCRIPTOR_SCHEMA_URL, "utf8")) as object;
    validator = newAjv({ useDefaults: true }).compile(schema);
  }
  return validator;
}

/** An unknown key on a deploy unit is most likely a deploy kind spe has no plugin for. */
function pluginKindIssue(i: Issue): Issue {
  const [spec, deploy, index, key] = i.path;
  const isUnitKey =
    i.path.length === 4 &&
    spec === "spec" &&
    deploy === "deploy" &&
    typeof index === "number" &&
    i.code === "schema";
  if (!isUnitKey || typeof key !== "string") return i;
  // A near-miss of another unit field (dependOn) is a typo, not a deploy kind.
  if (closest(key, UNIT_KINDS) === undefined && i.message.includes("did you mean")) return i;
  return {
    ...i,
    code: "unknown-plugin-kind",
    message: `unknown deploy unit kind "${key}"; known kinds: ${UNIT_KINDS.join(", ")}${didYouMean(key, UNIT_KINDS)}`,
  };
}

/** Validates `doc` in place (defaults are filled in); returns the schema issues (no positions yet). */
export function checkDescriptorSchema(doc: unknown): Issue[] {
  const validate = descriptorValidator();
  if (validate(doc)) return [];
  return ajvIssues(validate.errors, "schema").map(pluginKindIssue);
}
