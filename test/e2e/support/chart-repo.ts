/**
 * A local Helm chart repository for tests, no network: fixture charts are
 * packaged with the real helm binary, indexed with `helm repo index`, and
 * served over node:http on 127.0.0.1.
 */
import { execa } from "execa";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { testEnv } from "./env.js";

export interface ChartRepo {
  /** The repository URL (what a descriptor's `chart.repo` names). */
  url: string;
  close(): Promise<void>;
}

async function send(dir: string, path: string, res: ServerResponse): Promise<void> {
  const file = join(dir, basename(decodeURIComponent(new URL(path, "http://x").pathname)));
  const size = await stat(file).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );
  if (size === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-length": size });
  createReadStream(file).pipe(res);
}

function serve(dir: string): Server {
  return createServer((req, res) => {
    void send(dir, req.url ?? "/", res);
  });
}

/** Packages `chartDirs` into a fresh repository and serves it until `close()`. */
export async function serveChartRepo(chartDirs: string[]): Promise<ChartRepo> {
  const helm = testEnv().binaries.helm;
  const dir = await mkdtemp(join(tmpdir(), "spe-chart-repo-"));
  for (const chart of chartDirs) await execa(helm, ["package", chart, "--destination", dir]);
  const server = serve(dir);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await execa(helm, ["repo", "index", dir, "--url", url]);
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
