/**
 * A GET that waits out the API server's "too many requests, try again" (429) a few times, as
 * client-go does. Right after a CRD is created the apiserver answers lists of its kind with
 * 429 "storage is (re)initializing" for a moment; teardown asking then must not mistake that
 * for an answer it cannot get.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { KubeApiError, type KubeClient } from "../../kube/client.js";

const TRIES = 5;
const WAIT_MS = 1_000;

export async function patientGet(client: KubeClient, path: string, accept?: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.send({ method: "GET", path, ...(accept ? { accept } : {}) });
    } catch (err) {
      if (!(err instanceof KubeApiError) || err.status !== 429 || attempt >= TRIES) throw err;
      await sleep(WAIT_MS);
    }
  }
}
