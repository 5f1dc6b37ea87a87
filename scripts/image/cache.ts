/**
 * The image build's cache outside the repository (like test/env's): each
 * entry is a folder named by what it was made from, made once under a lock
 * and renamed into place, so a half-made entry is never used.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { withLock } from "../../test/env/lock.js";

export function imageCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPE_IMAGE_CACHE) return env.SPE_IMAGE_CACHE;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "spe", "image");
}

/** A short hash of strings and of the files (recursively, by relative name) under folders. */
export async function hashOf(parts: string[], folders: string[] = [], filter = /./): Promise<string> {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  for (const folder of folders) {
    const files = (await readdir(folder, { recursive: true })).filter((f) => filter.test(f)).sort();
    for (const f of files)
      hash
        .update(f)
        .update("\0")
        .update(await readFile(join(folder, f)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * The cache folder `name`, made by `make(tmp)` when missing. `refresh` makes it again.
 * `done` names a file or folder inside that shows the entry is whole.
 */
export async function cached(
  name: string,
  done: string,
  make: (dir: string) => Promise<void>,
  refresh = false,
): Promise<string> {
  const root = imageCacheRoot();
  await mkdir(root, { recursive: true });
  const dir = join(root, name);
  if (!refresh && existsSync(join(dir, done))) return dir;
  await withLock(`${dir}.lock`, async () => {
    if (!refresh && existsSync(join(dir, done))) return;
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await make(tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  });
  return dir;
}
