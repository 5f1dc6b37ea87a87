/**
 * Golden renders of private chart sources (test/fixtures/private-charts): a helm unit's
 * chart.secretRef and chart.caBundleRef mapped from an openMCP-shaped config (chartPullSecret,
 * caBundleRef), defaulted to the unit's first sourceNamespace, left out when the config names
 * none, and refused when the config points outside the sourceNamespaces.
 */
import { fileURLToPath } from "node:url";
import { goldenRenders } from "./golden.js";

goldenRenders(
  "private chart sources, rendered",
  fileURLToPath(new URL("../../test/fixtures/private-charts/", import.meta.url)),
);
