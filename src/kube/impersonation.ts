/**
 * Impersonation headers for a kubeconfig user's `as`, `as-uid`, `as-groups` and
 * `as-user-extra`, written as client-go's impersonating round tripper writes them: the
 * apiserver then authorizes every request as the impersonated identity, never as the
 * credential's own.
 */
import type { User } from "./kubeconfig-model.js";

export type Headers = Readonly<Record<string, string | string[]>>;

/** RFC 7230 token characters, except `%`, which stays legal only as the escape itself. */
const LEGAL = /^[!#$&'*+\-.0-9A-Z^_`a-z|~]$/;

/** client-go's headerKeyEscape: bytes not legal in a header name become %XX. */
export function headerKeyEscape(key: string): string {
  return [...Buffer.from(key, "utf8")]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return LEGAL.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

export function impersonationHeaders(user: User | undefined): Headers {
  if (!user) return {};
  const headers: Record<string, string | string[]> = {};
  if (user.impersonate) headers["Impersonate-User"] = user.impersonate;
  if (user.impersonateUid) headers["Impersonate-Uid"] = user.impersonateUid;
  if (user.impersonateGroups?.length) headers["Impersonate-Group"] = [...user.impersonateGroups];
  for (const [key, values] of Object.entries(user.impersonateExtra ?? {}))
    if (values.length) headers[`Impersonate-Extra-${headerKeyEscape(key)}`] = [...values];
  return headers;
}
