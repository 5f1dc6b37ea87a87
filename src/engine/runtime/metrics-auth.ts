/**
 * Who may read /metrics when it is served securely: the caller's bearer token is reviewed
 * by the platform cluster (TokenReview), and its user must be allowed `get` on the
 * non-resource URL asked for (SubjectAccessReview), as controller-runtime's secure metrics
 * (filters.WithAuthenticationAndAuthorization) do. A ClusterRole with
 * `nonResourceURLs: ["/metrics"], verbs: ["get"]` grants it. Decisions are kept briefly per
 * token (by digest), so a scrape every few seconds costs two reviews a minute, not per scrape.
 * No token or message is logged or echoed.
 */
import { createHash } from "node:crypto";
import type { KubeClient } from "../../kube/client.js";

export interface MetricsDecision {
  /** 200 allowed, 401 no valid token, 403 not allowed, 500 the reviews failed. */
  status: 200 | 401 | 403 | 500;
  message: string;
}

interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

const ALLOWED_MS = 60_000;
const DENIED_MS = 10_000;
/** Distinct tokens remembered at most; more empty the memory (scrapers are few). */
const MAX_KEPT = 256;

export class MetricsAuthorizer {
  private readonly kept = new Map<string, { decision: MetricsDecision; until: number }>();

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The decision for a request with this Authorization header for `path`. */
  async decide(authorization: string | undefined, path: string): Promise<MetricsDecision> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (!token) return { status: 401, message: "Unauthorized: a bearer token is required\n" };
    const key = `${createHash("sha256").update(token).digest("hex")} ${path}`;
    const hit = this.kept.get(key);
    if (hit && hit.until > this.now()) return hit.decision;
    let decision: MetricsDecision;
    try {
      decision = await this.review(token, path);
    } catch {
      return { status: 500, message: "Internal Server Error: the token could not be reviewed\n" };
    }
    if (this.kept.size >= MAX_KEPT) this.kept.clear();
    this.kept.set(key, { decision, until: this.now() + (decision.status === 200 ? ALLOWED_MS : DENIED_MS) });
    return decision;
  }

  private async review(token: string, path: string): Promise<MetricsDecision> {
    const reviewed = (await this.client.send({
      method: "POST",
      path: "/apis/authentication.k8s.io/v1/tokenreviews",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
    })) as { status?: { authenticated?: boolean; user?: UserInfo } };
    const user = reviewed.status?.user;
    if (!reviewed.status?.authenticated || !user?.username)
      return { status: 401, message: "Unauthorized: the token was not accepted\n" };
    const access = (await this.client.send({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups ? { groups: user.groups } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          nonResourceAttributes: { path, verb: "get" },
        },
      },
    })) as { status?: { allowed?: boolean } };
    if (!access.status?.allowed)
      return { status: 403, message: `Forbidden: user "${user.username}" may not get ${path}\n` };
    return { status: 200, message: "" };
  }
}
