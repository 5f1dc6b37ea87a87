/**
 * How a request authenticates as a kubeconfig user, beyond the TLS client certificate
 * in the kubeconfig itself: a bearer token (inline, from a file that may rotate, or from
 * an exec plugin), basic auth, or a client certificate from an exec plugin.
 * Nothing here logs a credential, and no message quotes one.
 */
import { readFile } from "node:fs/promises";
import { ExecCredentialSource } from "./exec-credential.js";
import type { Cluster, User } from "./kubeconfig-model.js";

/** What one request adds: an Authorization header, and a client certificate an exec plugin issued. */
export interface Credential {
  readonly authorization?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface CredentialSource {
  get(): Promise<Credential>;
  /** The apiserver answered 401: forget a cached exec credential, so the next request asks the plugin again. */
  rejected(): void;
}

export interface CredentialOptions {
  now?: () => number;
}

/** client-go re-reads a token file at most once a minute (transport.NewCachedFileTokenSource). */
export const TOKEN_FILE_PERIOD_MS = 60_000;

export function unsupportedAuthProvider(user: User): Error {
  return new Error(
    `user "${user.name}" uses the auth-provider "${user.authProvider?.name ?? ""}", which spe does not support; ` +
      "configure an exec credential plugin (users[].user.exec, e.g. kubelogin for OIDC) instead",
  );
}

class StaticCredential implements CredentialSource {
  constructor(private readonly credential: Credential) {}

  get(): Promise<Credential> {
    return Promise.resolve(this.credential);
  }

  rejected(): void {
    // Nothing to refresh.
  }
}

/** A token file that may rotate (a projected service account token): re-read once a period. */
export class FileTokenSource implements CredentialSource {
  private token: string | undefined;
  private readAt = 0;

  constructor(
    private readonly file: string,
    /** The inline token, used until the file could be read once (client-go's order). */
    private readonly fallback: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<Credential> {
    if (this.token === undefined || this.now() - this.readAt >= TOKEN_FILE_PERIOD_MS) await this.read();
    return { authorization: `Bearer ${this.token ?? ""}` };
  }

  rejected(): void {
    // The next request re-reads the file: the kubelet may have rotated it just now.
    this.readAt = 0;
  }

  private async read(): Promise<void> {
    try {
      const text = (await readFile(this.file, "utf8")).trim();
      if (!text) throw new Error("it is empty");
      this.token = text;
      this.readAt = this.now();
    } catch (err) {
      // Like client-go: keep using the last good token while the file cannot be read.
      this.token ??= this.fallback;
      if (this.token === undefined)
        throw new Error(`cannot read token file ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function basic(user: User): string {
  return `Basic ${Buffer.from(`${user.username ?? ""}:${user.password ?? ""}`).toString("base64")}`;
}

/** The user's credential source; client-go's order when several are set: exec, token file, token, basic. */
export function credentialSource(
  user: User | undefined,
  cluster: Cluster,
  options: CredentialOptions = {},
): CredentialSource {
  const now = options.now ?? Date.now;
  if (!user) return new StaticCredential({});
  if (user.authProvider) throw unsupportedAuthProvider(user);
  if (user.exec) return new ExecCredentialSource(user.exec, cluster, { now });
  if (user.tokenFile) return new FileTokenSource(user.tokenFile, user.token, now);
  if (user.token) return new StaticCredential({ authorization: `Bearer ${user.token}` });
  if (user.username !== undefined) return new StaticCredential({ authorization: basic(user) });
  return new StaticCredential({});
}
