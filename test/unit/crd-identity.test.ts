/** The path-by-path comparison the providers' API identity test relies on. */
import { describe, expect, it } from "vitest";
import { compareCrd, parseFactsFile, type Crd } from "./support/crd-identity.js";

const TABLE = [
  "```text",
  '@labels  {"openmcp.cloud/cluster":"platform"}',
  "@group  x.services.open-control-plane.io",
  "@kind  ProviderConfig",
  "@plural  providerconfigs",
  "@singular  providerconfig",
  "@scope  Cluster",
  '@version v1alpha1  served=true storage=true subresources={"status":{}}',
  "@printerColumns v1alpha1  Age(.metadata.creationTimestamp,date)",
  "  type=object",
  ".spec  type=object required",
  '.spec.pollInterval  type=string default="1m" format="duration"',
  ".spec.versions  type=array required",
  ".spec.versions[]  type=string",
  ".status  type=object",
  "```",
].join("\n");

function crd(pollInterval: Record<string, unknown>, extra: Record<string, unknown> = {}): Crd {
  return {
    metadata: {
      name: "providerconfigs.x.services.open-control-plane.io",
      labels: { "openmcp.cloud/cluster": "platform" },
    },
    spec: {
      group: "x.services.open-control-plane.io",
      scope: "Cluster",
      names: { kind: "ProviderConfig", plural: "providerconfigs", singular: "providerconfig" },
      versions: [
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [{ name: "Age", jsonPath: ".metadata.creationTimestamp", type: "date" }],
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                spec: {
                  type: "object",
                  description: "ignored",
                  required: ["versions"],
                  properties: {
                    pollInterval,
                    versions: { type: "array", items: { type: "string" } },
                    ...extra,
                  },
                },
                status: {
                  type: "object",
                  properties: { drift: { type: "array", items: { type: "object" } } },
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe("compareCrd", () => {
  const [facts] = parseFactsFile(TABLE);

  it("matches every path of an identical CRD and allows spe's own status fields", () => {
    const r = compareCrd(
      facts!,
      crd({ type: "string", format: "duration", default: "1m", description: "d" }),
    );
    expect(r).toMatchObject({
      identity: [],
      mismatches: [],
      additions: [".status.drift", ".status.drift[]"],
    });
    expect(r.matched).toHaveLength(6);
  });

  it("names each path that differs: an attribute, an extra spec field, a label", () => {
    const c = crd({ type: "string", pattern: "^x$", default: "1m" }, { extra: { type: "string" } });
    c.metadata.labels = { ...c.metadata.labels, a: "b" };
    const r = compareCrd(facts!, c);
    expect(r.mismatches).toEqual([
      '.spec.pollInterval: upstream default="1m" format="duration" type=string / spe default="1m" pattern="^x$" type=string',
      ".spec.extra: upstream absent / spe type=string",
    ]);
    expect(r.identity).toEqual([
      'labels: upstream {"openmcp.cloud/cluster":"platform"} / spe {"openmcp.cloud/cluster":"platform","a":"b"}',
    ]);
  });
});
