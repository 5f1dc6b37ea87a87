/**
 * Private chart sources of the test environment: an HTTPS helm chart repository asking for
 * basic auth (index.yaml and the packaged fixture chart, indexed by the real helm, served
 * with a certificate from the run's CA), and the same chart pushed with the real helm
 * (`helm registry login` + `helm push`) into the run's registry, which asks for its own
 * credentials. Both start and stop with test/env.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { issueServingCert, type Pki } from "./pki.js";
import type { ManagedProcess } from "./processes.js";
import type { ChartRepoInfo, PrivateChart, RegistryInfo } from "./types.js";

/** The fixture chart both private sources serve. */
export const PRIVATE_CHART_DIR = fileURLToPath(
  new URL("../fixtures/charts/private-greeter/", import.meta.url),
);

export const CHART_REPO_USER = "chart-reader";

interface Deps {
  helm: string;
  pki: Pki;
  runDir: string;
}

async function chartOf(
  helm: string,
  dest: string,
): Promise<{ tgz: string; chart: Omit<PrivateChart, "oci"> }> {
  await mkdir(dest, { recursive: true });
  const { stdout } = await execa(helm, ["package", PRIVATE_CHART_DIR, "--destination", dest]);
  const tgz = /saved it to: (\S+)/.exec(stdout)?.[1];
  if (!tgz) throw new Error(`test/env: helm package printed no archive: ${stdout}`);
  const version = /^version:\s*(\S+)/m.exec(
    await readFile(join(PRIVATE_CHART_DIR, "Chart.yaml"), "utf8"),
  )?.[1];
  return { tgz, chart: { name: "private-greeter", version: version ?? "" } };
}

/** `helm push` of the fixture chart into the registry, logged in with its credentials. */
export async function pushPrivateChart(deps: Deps, registry: RegistryInfo): Promise<PrivateChart> {
  const dir = join(deps.runDir, "private-chart-push");
  const env = { HELM_CONFIG_HOME: join(dir, "config"), HELM_CACHE_HOME: join(dir, "cache") };
  const { tgz, chart } = await chartOf(deps.helm, dir);
  await execa(
    deps.helm,
    ["registry", "login", registry.host, "--username", registry.username, "--password-stdin"].concat([
      "--ca-file",
      registry.caFile,
    ]),
    { input: registry.password, env },
  );
  await execa(deps.helm, ["push", tgz, `oci://${registry.host}/private`, "--ca-file", registry.caFile], {
    env,
  });
  return { ...chart, oci: `oci://${registry.host}/private/${chart.name}` };
}

function authorized(req: IncomingMessage, password: string): boolean {
  const expected = Buffer.from(`Basic ${Buffer.from(`${CHART_REPO_USER}:${password}`).toString("base64")}`);
  const given = Buffer.from(req.headers.authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function serveFile(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const file = join(dir, basename(decodeURIComponent(new URL(req.url ?? "/", "https://x").pathname)));
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

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Starts the HTTPS chart repository; stop() closes it. */
export async function startChartRepo(deps: Deps): Promise<[ManagedProcess, ChartRepoInfo]> {
  const dir = join(deps.runDir, "chart-repo");
  const password = randomBytes(18).toString("base64url");
  const [{ chart }, cert] = await Promise.all([
    chartOf(deps.helm, dir),
    issueServingCert(deps.pki, "chart-repo", ["IP:127.0.0.1", "DNS:localhost"]),
  ]);
  const [key, certificate] = await Promise.all([readFile(cert.key), readFile(cert.cert)]);
  const server = createServer({ key, cert: certificate }, (req, res) => {
    if (!authorized(req, password)) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="spe-testenv charts"' }).end();
      return;
    }
    void serveFile(dir, req, res);
  });
  const port = await listen(server);
  const url = `https://127.0.0.1:${port}`;
  await execa(deps.helm, ["repo", "index", dir, "--url", url]);
  let stopped = false;
  const managed: ManagedProcess = {
    name: "chart-repo",
    pid: process.pid,
    logFile: "",
    exited: () => stopped,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return [managed, { url, username: CHART_REPO_USER, password, caFile: deps.pki.caCert, chart }];
}
