/**
 * A LIST in pages (`limit` and `continue`), as client-go's pager makes it, so a collection of
 * thousands of objects never arrives as one response the apiserver must build and hold and
 * spe must parse at once. All pages belong to the first page's snapshot; its resourceVersion
 * is the list's. A continue token that expired meanwhile (410) starts the list over, once.
 */
import { KubeApiError } from "./http.js";

/** client-go's pager's default page size. */
export const PAGE_SIZE = 500;

interface ListBody {
  items?: unknown[] | null;
  metadata?: { resourceVersion?: string; continue?: string };
}

/** The items as the server sent them (the callers know their type), and the list's resourceVersion. */
export interface Listed {
  items: unknown[];
  resourceVersion?: string;
}

/** GETs one page: the collection path with its query. */
export type PageFetch = (pathWithQuery: string) => Promise<unknown>;

function pagePath(
  path: string,
  params: Readonly<Record<string, string | undefined>>,
  token: string,
  size: number,
): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  const query = new URLSearchParams([...entries, ["limit", String(size)]]);
  if (token) query.set("continue", token);
  return `${path}?${query.toString()}`;
}

async function pages(
  fetch: PageFetch,
  path: string,
  params: Readonly<Record<string, string | undefined>>,
  size: number,
): Promise<Listed> {
  const items: unknown[] = [];
  let token = "";
  let resourceVersion: string | undefined;
  do {
    const body = (await fetch(pagePath(path, params, token, size))) as ListBody;
    items.push(...(body.items ?? []));
    resourceVersion ??= body.metadata?.resourceVersion;
    token = body.metadata?.continue ?? "";
  } while (token);
  return resourceVersion === undefined ? { items } : { items, resourceVersion };
}

/** Every item of the collection at `path`, page by page. */
export async function listPaged(
  fetch: PageFetch,
  path: string,
  params: Readonly<Record<string, string | undefined>> = {},
  size = PAGE_SIZE,
): Promise<Listed> {
  try {
    return await pages(fetch, path, params, size);
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 410)) throw err;
    return pages(fetch, path, params, size);
  }
}
