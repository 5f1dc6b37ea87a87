/**
 * Bringing a release back to a state helm can work from, as separate, explicit steps
 * (Flux's helm-controller does the same): a failed install is uninstalled, a failed upgrade
 * is rolled back to the last good revision, a release left pending by a dead process is
 * unlocked first. None of these waits for readiness.
 */
import type { HelmUnitPlan } from "../../descriptor/plan.js";
import type { KubeClient } from "../../kube/client.js";
import { rollback, uninstall, type Invocation } from "./commands.js";
import { HelmError } from "./errors.js";
import { isPending, lastGoodRevision, latestRelease, unlockRelease, type HelmRelease } from "./release.js";

function gone(release: HelmRelease | undefined): boolean {
  return !release || release.status === "uninstalled" || release.status === "uninstalling";
}

/**
 * Before an install or upgrade: a release stuck pending (the engine was killed mid-install)
 * blocks helm forever, so it is marked failed; a release that never had a good revision is
 * uninstalled so the install starts from scratch. Resolves with the release that remains.
 * `read` is the latest revision as the caller read it a moment ago, if it did.
 */
export async function recoverRelease(
  client: KubeClient,
  inv: Invocation,
  unit: HelmUnitPlan,
  read?: { release: HelmRelease | undefined },
): Promise<HelmRelease | undefined> {
  const { namespace, releaseName } = unit.helm;
  const release = read ? read.release : await latestRelease(client, namespace, releaseName);
  if (!release || release.status === "uninstalled" || release.status === "deployed") return release;
  // An interrupted uninstall: finish it, then install from scratch.
  if (release.status === "uninstalling") {
    await unlockRelease(client, release);
    await uninstall(inv, unit, "uninstalled");
    return undefined;
  }
  if (isPending(release.status)) await unlockRelease(client, release);
  if ((await lastGoodRevision(client, namespace, releaseName)) !== undefined) return release;
  await uninstall(inv, unit, "uninstalled");
  return undefined;
}

/** After a failed install/upgrade: undo it, then rethrow the failure (with a note if undoing failed too). */
export async function remediate(
  client: KubeClient,
  inv: Invocation,
  unit: HelmUnitPlan,
  failure: HelmError,
): Promise<never> {
  const { namespace, releaseName } = unit.helm;
  try {
    const release = await latestRelease(client, namespace, releaseName);
    if (release && !gone(release) && release.status !== "deployed") {
      const good = await lastGoodRevision(client, namespace, releaseName);
      if (good === undefined) await uninstall(inv, unit, "rolled back");
      else await rollback(inv, unit, good);
    }
  } catch (err) {
    const note = err instanceof Error ? err.message : String(err);
    throw new HelmError(
      failure.reason,
      `${failure.summary}; remediation failed too (${note})`,
      failure.detail,
      {
        cause: failure,
      },
    );
  }
  throw failure;
}
