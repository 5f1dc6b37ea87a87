/**
 * Checks of token units: a lifetime the apiserver takes and that stays bounded, a ServiceAccount
 * on a target the descriptor configures, a namespace for the Secret; and a warning where the
 * API object picks the ServiceAccount (an end user could then ask for any account's token).
 */
import type { CompiledDescriptor } from "./compiled.js";
import { nestedExpressions } from "./expr.js";
import { issue, type Issue } from "./issues.js";
import type { ProviderDescriptor } from "./load.js";
import { parseDuration } from "./names.js";
import { configuredTargets } from "./targets.js";
import type { DeployUnit } from "./types.gen.js";

/** The apiserver refuses a TokenRequest for less (ValidateTokenRequest). */
export const MIN_TOKEN_LIFETIME_MS = 10 * 60_000;
/** A leaked token stays valid for its lifetime: spe asks for no more than a day. */
export const MAX_TOKEN_LIFETIME_MS = 24 * 3_600_000;
export const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;

function lifetimeIssues(token: NonNullable<DeployUnit["token"]>, index: number): Issue[] {
  const ms = parseDuration(token.lifetime);
  if (ms !== undefined && ms >= MIN_TOKEN_LIFETIME_MS && ms <= MAX_TOKEN_LIFETIME_MS) return [];
  return [
    issue(
      "token-lifetime",
      ["spec", "deploy", index, "token", "lifetime"],
      `lifetime ${JSON.stringify(token.lifetime)} must be a duration from 10m (the apiserver's minimum) to 24h`,
    ),
  ];
}

/** Structural checks of a token unit (compile refuses a descriptor with any of them). */
export function checkTokenUnit(d: ProviderDescriptor, u: DeployUnit, index: number): Issue[] {
  const token = u.token;
  if (token === undefined) return [];
  const path = ["spec", "deploy", index];
  const out = lifetimeIssues(token, index);
  const configured = configuredTargets(d);
  if (token.from !== undefined && !configured.includes(token.from))
    out.push(
      issue(
        "unknown-target",
        [...path, "token", "from"],
        `unit ${u.name}: the ServiceAccount's target ${token.from} is not configured (configured: ${configured.join(", ")})`,
      ),
    );
  if (u.namespace === undefined)
    out.push(issue("missing-namespace", path, `token unit "${u.name}" needs a namespace`));
  return out;
}

/** Lint: a ServiceAccount the end user names may be any account on that cluster. */
export function checkTokenSources(compiled: CompiledDescriptor): Issue[] {
  return compiled.expressions
    .filter((s) => s.path[0] === "spec" && s.path[1] === "deploy" && s.path[3] === "token")
    .filter((s) => s.path[4] === "serviceAccount")
    .filter((s) => nestedExpressions(s.expr).some((e) => e.root === "api"))
    .map((s) =>
      issue(
        "token-from-api",
        s.path,
        "the ServiceAccount is chosen by the API object: any end user can get a token for any account spe may mint for; name it literally or from the config",
        "warning",
      ),
    );
}
