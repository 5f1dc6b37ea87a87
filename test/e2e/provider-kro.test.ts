/**
 * providers/kro as bundled, on the real clusters, through the Flux-pattern life cycle
 * (test/e2e/support/flux-pattern-suite.ts): a kro-shaped fixture chart
 * (test/fixtures/charts/kro) at two versions in the run's registry behind credentials, a
 * tenant's ResourceGraphDefinition as the user object that blocks deletion.
 */
import { describe } from "vitest";
import { fluxPatternLifecycle } from "./support/flux-pattern-suite.js";

const id = Date.now().toString(36);

describe("providers/kro", () => {
  fluxPatternLifecycle({
    quarantineUpgrade: true,
    provider: "kro",
    namespace: `project-x--ws-${id}`,
    chartDir: "test/fixtures/charts/kro",
    versions: [
      { version: "v0.3.0", chart: { version: "0.3.0", appVersion: "0.3.0" } },
      { version: "v0.4.1", chart: { version: "0.4.1", appVersion: "0.4.1" } },
    ],
    config: (chartURL) => ({
      versions: [
        {
          version: "v0.3.0",
          chartVersion: "0.3.0",
          chartURL,
          chartPullSecret: "chart-pull",
          helmValues: { imagePullSecrets: [{ name: "images" }] },
        },
        { version: "v0.4.1", chartVersion: "0.4.1", chartURL, chartPullSecret: "chart-pull" },
      ],
    }),
    release: { namespace: "kro", name: "kro", chart: "kro" },
    deployment: { name: "kro", container: "kro" },
    userObject: {
      apiVersion: "kro.run/v1alpha1",
      kind: "ResourceGraphDefinition",
      metadata: { name: "web-app" },
      spec: { schema: { apiVersion: "v1alpha1", kind: "WebApp", spec: { name: "string" } }, resources: [] },
    },
    crds: ["resourcegraphdefinitions.kro.run"],
  });
});
