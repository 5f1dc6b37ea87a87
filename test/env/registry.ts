/**
 * The test OCI registry: distribution's registry (test/env/go/registry) on a
 * free loopback port, serving TLS with a certificate from the run's CA and
 * asking for basic auth against an htpasswd file (bcrypt) written here with a
 * password made for this run.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { stringify } from "yaml";
import { issueServingCert, type Pki, type PkiPem } from "./pki.js";
import { freePort } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import type { BinaryPaths, RegistryInfo } from "./types.js";
import { waitHealthy } from "./wait.js";

export interface RegistryDeps {
  binaries: BinaryPaths;
  pki: Pki;
  pem: PkiPem;
  runDir: string;
}

export const REGISTRY_USER = "spe-testenv";

async function htpasswd(binary: string, user: string, password: string, file: string): Promise<void> {
  const { stdout } = await execa(binary, [user], { input: `${password}\n` });
  await writeFile(file, `${stdout}\n`, { mode: 0o600 });
}

function registryConfig(dir: string, port: number, cert: { cert: string; key: string }): string {
  return stringify({
    version: 0.1,
    log: { level: "warn", accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, "storage") }, delete: { enabled: true } },
    http: {
      addr: `127.0.0.1:${port}`,
      secret: randomBytes(16).toString("hex"),
      tls: { certificate: cert.cert, key: cert.key },
    },
    auth: { htpasswd: { realm: "spe-testenv", path: join(dir, "htpasswd") } },
  });
}

/** Starts the registry; resolves once it answers on its address. */
export async function startRegistry(deps: RegistryDeps): Promise<[ManagedProcess, RegistryInfo]> {
  const dir = join(deps.runDir, "registry");
  await mkdir(dir, { recursive: true });
  const password = randomBytes(18).toString("base64url");
  const [port, cert] = await Promise.all([
    freePort(),
    issueServingCert(deps.pki, "registry", ["IP:127.0.0.1", "DNS:localhost"]),
    htpasswd(deps.binaries.htpasswd, REGISTRY_USER, password, join(dir, "htpasswd")),
  ]);
  const configFile = join(dir, "config.yml");
  await writeFile(configFile, registryConfig(dir, port, cert), { mode: 0o600 });
  const proc = startProcess(
    "registry",
    deps.binaries.registry,
    ["serve", configFile],
    join(dir, "registry.log"),
  );
  const host = `127.0.0.1:${port}`;
  // "/" answers without auth once the server listens; the credentials are the tests' to exercise.
  await waitHealthy(proc, `https://${host}/`, deps.pem);
  return [proc, { host, username: REGISTRY_USER, password, caFile: deps.pki.caCert }];
}
