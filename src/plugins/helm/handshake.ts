/**
 * The start handshake with spe-helm-worker: the first answer of every worker process says
 * which protocol it speaks and which Helm SDK it runs. A worker built from other sources (a
 * stale binary on PATH, say) is refused before it is sent any work: it would misread
 * requests or answer without the fields spe relies on.
 */
import { HelmError } from "./errors.js";

/**
 * The wire format's version (worker/protocol.go's protocolVersion; a unit test holds the two
 * equal). Bumped with every change one side must not ignore.
 */
export const WORKER_PROTOCOL = 2;

/** The worker's answer to `version`, as far as the handshake reads it. */
export interface Handshake {
  version?: string;
  protocol?: number;
}

/** The worker's Helm SDK version, or a HelmError naming what is wrong with the worker. */
export function acceptWorker(path: string, answer: Handshake): string {
  if (answer.protocol !== WORKER_PROTOCOL) {
    const speaks = answer.protocol === undefined ? "no protocol version" : `protocol ${answer.protocol}`;
    throw new HelmError(
      "VersionUnsupported",
      `helm worker ${path} speaks ${speaks}, spe needs protocol ${WORKER_PROTOCOL}: ` +
        "it was built from other sources; rebuild it (npm run build:worker)",
    );
  }
  const version = answer.version ?? "";
  if (!/^v4\./.test(version)) {
    throw new HelmError(
      "VersionUnsupported",
      `helm worker ${path} runs Helm ${version || "of unknown version"}, spe needs v4.x`,
    );
  }
  return version;
}
