/**
 * providers/kyverno as bundled, on the real clusters, through the Flux-pattern life cycle
 * (test/e2e/support/flux-pattern-suite.ts): a kyverno-shaped fixture chart
 * (test/fixtures/charts/kyverno) at two versions in the run's registry behind credentials, a
 * tenant's Policy as the user object that blocks deletion.
 */
import { describe } from "vitest";
import { fluxPatternLifecycle } from "./support/flux-pattern-suite.js";

const id = Date.now().toString(36);

describe("providers/kyverno", () => {
  fluxPatternLifecycle({
    quarantineUpgrade: true,
    provider: "kyverno",
    namespace: `project-x--ws-${id}`,
    chartDir: "test/fixtures/charts/kyverno",
    versions: [
      { version: "v1.14.4", chart: { version: "3.4.4", appVersion: "v1.14.4" } },
      { version: "v1.15.2", chart: { version: "3.5.2", appVersion: "v1.15.2" } },
    ],
    config: (chartURL) => ({
      versions: [
        {
          version: "v1.14.4",
          chartVersion: "3.4.4",
          chartURL,
          chartPullSecret: "chart-pull",
          values: { imagePullSecrets: [{ name: "images" }] },
        },
        { version: "v1.15.2", chartVersion: "3.5.2", chartURL, chartPullSecret: "chart-pull" },
      ],
    }),
    release: { namespace: "kyverno", name: "kyverno", chart: "kyverno" },
    deployment: { name: "kyverno-admission-controller", container: "kyverno" },
    userObject: {
      apiVersion: "kyverno.io/v1",
      kind: "Policy",
      metadata: { name: "require-labels", namespace: "default" },
      spec: { rules: [{ name: "team", match: { any: [{ resources: { kinds: ["Pod"] } }] } }] },
    },
    crds: ["clusterpolicies.kyverno.io", "policies.kyverno.io"],
  });
});
