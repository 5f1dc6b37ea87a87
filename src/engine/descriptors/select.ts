/**
 * Which providers may be served together (pure). Two descriptors must not
 * claim the same provider name, API kind or CRD: the one that came later is
 * rejected with an issue naming the one it clashes with. "Earlier" prefers
 * what is already being served, so adding a clashing descriptor never
 * displaces a working one, then the origins' order.
 */
import type { Issue, IssuePath } from "../../descriptor/index.js";
import type { Provider } from "./provider.js";
import { compareStrings } from "../../descriptor/compare.js";

export interface Candidate {
  readonly id: string;
  readonly order: string;
  readonly providers: readonly Provider[];
}

export interface Selection {
  /** Origin id → its providers, for origins whose providers may all be served. */
  readonly accepted: Map<string, readonly Provider[]>;
  /** Origin id → why it was rejected. */
  readonly rejected: Map<string, Issue[]>;
}

interface Claim {
  key: string;
  what: string;
  path: IssuePath;
}

/** Everything a provider takes for itself in the clusters. */
export function claimsOf(provider: Provider): Claim[] {
  const { name, api, config } = provider.compiled;
  const configKind = `${config.kind}.${config.group}`;
  const claims: Claim[] = [
    { key: `name:${name}`, what: `provider name "${name}"`, path: ["metadata", "name"] },
    {
      key: `kind:${api.kind}.${api.group}`,
      what: `API kind ${api.kind}.${api.group}`,
      path: ["spec", "api"],
    },
    { key: `crd:${api.plural}.${api.group}`, what: `CRD ${api.plural}.${api.group}`, path: ["spec", "api"] },
    { key: `kind:${configKind}`, what: `config kind ${configKind}`, path: ["spec", "config"] },
    {
      key: `crd:${config.plural}.${config.group}`,
      what: `CRD ${config.plural}.${config.group}`,
      path: ["spec", "config"],
    },
  ];
  return claims;
}

function clashIssue(provider: Provider, claim: Claim, owner: string): Issue {
  const pos = provider.compiled.descriptor.source.positions.get(claim.path);
  return {
    code: "duplicate-provider",
    path: claim.path,
    message: `${claim.what} is already claimed by ${owner}; this descriptor is not served`,
    severity: "error",
    file: pos?.file ?? provider.source,
    line: pos?.line ?? 1,
    col: pos?.col ?? 1,
  };
}

/** The candidate's claims against those held, and against each other. */
function checkClaims(
  candidate: Candidate,
  owners: ReadonlyMap<string, string>,
): { issues: Issue[]; claimed: Map<string, string> } {
  const issues: Issue[] = [];
  const claimed = new Map<string, string>();
  for (const provider of candidate.providers) {
    for (const claim of claimsOf(provider)) {
      const owner = owners.get(claim.key) ?? claimed.get(claim.key);
      if (owner !== undefined) issues.push(clashIssue(provider, claim, owner));
      else claimed.set(claim.key, provider.source);
    }
  }
  return { issues, claimed };
}

function rank(candidate: Candidate, incumbents: ReadonlySet<string>): string {
  return `${incumbents.has(candidate.id) ? "0" : "1"}:${candidate.order}`;
}

/**
 * Accepts candidates in order, rejecting any whose providers claim something
 * an accepted one (or an earlier provider of the same origin) already holds.
 */
export function selectProviders(
  candidates: readonly Candidate[],
  incumbents: ReadonlySet<string>,
): Selection {
  const accepted = new Map<string, readonly Provider[]>();
  const rejected = new Map<string, Issue[]>();
  const owners = new Map<string, string>();
  const ordered = [...candidates].sort((a, b) => compareStrings(rank(a, incumbents), rank(b, incumbents)));
  for (const candidate of ordered) {
    const { issues, claimed } = checkClaims(candidate, owners);
    if (issues.length > 0) {
      rejected.set(candidate.id, issues);
      continue;
    }
    for (const [key, owner] of claimed) owners.set(key, owner);
    accepted.set(candidate.id, candidate.providers);
  }
  return { accepted, rejected };
}
