import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { ManagedProcess } from "./processes.js";
import { logTail } from "./processes.js";
import type { PkiPem } from "./pki.js";

function getStatus(url: string, pem?: PkiPem): Promise<number> {
  return new Promise((resolve) => {
    // Without the run's PKI the endpoint serves a self-signed certificate of its own (kcm, scheduler): only liveness is checked.
    const options = pem
      ? { ca: pem.ca, cert: pem.adminCert, key: pem.adminKey, timeout: 2000 }
      : { rejectUnauthorized: false, timeout: 2000 };
    const req = (url.startsWith("https:") ? request : httpRequest)(url, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => {
      resolve(0);
    });
    req.on("timeout", () => {
      req.destroy();
      resolve(0);
    });
    req.end();
  });
}

/** Polls a health URL until it answers 200; fails early, with the log tail, if the process dies. */
export async function waitHealthy(
  proc: ManagedProcess,
  url: string,
  pem?: PkiPem,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited()) {
      throw new Error(
        `test/env: ${proc.name} exited during start-up; log ${proc.logFile}:\n${await logTail(proc.logFile)}`,
      );
    }
    if ((await getStatus(url, pem)) === 200) return;
    await sleep(250);
  }
  throw new Error(
    `test/env: ${proc.name} not healthy at ${url} after ${timeoutMs} ms; log ${proc.logFile}:\n${await logTail(proc.logFile)}`,
  );
}
