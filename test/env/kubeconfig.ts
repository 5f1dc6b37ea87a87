import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import type { PkiPem } from "./pki.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** An admin kubeconfig (client certificate in group system:masters) for one cluster. */
export async function writeKubeconfig(
  path: string,
  name: string,
  server: string,
  pem: PkiPem,
): Promise<void> {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": b64(pem.ca) } }],
    users: [
      {
        name: `${name}-admin`,
        user: { "client-certificate-data": b64(pem.adminCert), "client-key-data": b64(pem.adminKey) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: "default" } }],
    "current-context": name,
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
}
