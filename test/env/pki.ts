/**
 * Certificates for one test-environment run: a CA, a serving certificate for
 * every apiserver on loopback, an admin client certificate (group
 * system:masters) and the service-account signing key pair; more serving
 * certificates from the same CA on request.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export interface PkiPem {
  ca: string;
  adminCert: string;
  adminKey: string;
}

const SERVING_SANS = [
  "IP:127.0.0.1",
  "IP:10.96.0.1",
  "DNS:localhost",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
];

async function openssl(dir: string, args: string[]): Promise<void> {
  const result = await execa("openssl", args, { cwd: dir, reject: false, all: true });
  if (result.failed) throw new Error(`test/env: openssl ${args[0] ?? ""} failed: ${result.all}`);
}

async function signedCert(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    dir,
    ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`].concat([
      "-out",
      `${name}.csr`,
      "-subj",
      subject,
    ]),
  );
  await openssl(
    dir,
    ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key"].concat([
      // A random serial per certificate: certificates issued at once (Promise.all) raced on
      // the shared ca.srl that -CAcreateserial reads and rewrites ("Unable to load number").
      "-set_serial",
      `0x${randomBytes(16).toString("hex")}`,
      "-out",
      `${name}.crt`,
      "-days",
      "30",
      "-extfile",
      `${name}.ext`,
    ]),
  );
}

export async function createPki(dir: string): Promise<Pki> {
  await openssl(
    dir,
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt"].concat([
      "-days",
      "30",
      "-subj",
      "/CN=spe-testenv-ca",
    ]),
  );
  await signedCert(
    dir,
    "serving",
    "/CN=kube-apiserver",
    `subjectAltName=${SERVING_SANS.join(",")}\nextendedKeyUsage=serverAuth\n`,
  );
  await signedCert(dir, "admin", "/O=system:masters/CN=spe-testenv-admin", "extendedKeyUsage=clientAuth\n");
  const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(join(dir, "sa.key"), sa.privateKey.export({ type: "pkcs8", format: "pem" }), {
    mode: 0o600,
  });
  await writeFile(join(dir, "sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }));
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    servingCert: join(dir, "serving.crt"),
    servingKey: join(dir, "serving.key"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
  };
}

/** A serving certificate from the run's CA for another loopback server (the test registry). */
export async function issueServingCert(
  pki: Pki,
  name: string,
  sans: string[],
): Promise<{ cert: string; key: string }> {
  await signedCert(
    pki.dir,
    name,
    `/CN=${name}`,
    `subjectAltName=${sans.join(",")}\nextendedKeyUsage=serverAuth\n`,
  );
  return { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
}

export async function readPem(pki: Pki): Promise<PkiPem> {
  const [ca, adminCert, adminKey] = await Promise.all(
    [pki.caCert, pki.adminCert, pki.adminKey].map((f) => readFile(f, "utf8")),
  );
  return { ca: ca!, adminCert: adminCert!, adminKey: adminKey! };
}
