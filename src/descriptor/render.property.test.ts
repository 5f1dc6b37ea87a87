import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { RenderError } from "./issues.js";
import type { KubeObject } from "./plan.js";
import { renderUnit } from "./render.js";
import { baseDescriptor, compile, sampleApi, sampleConfig, set } from "./test-helpers.js";

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.constantFrom(
    "kube-system",
    "default",
    "../kube-system",
    "sample-system\nkind: Secret",
    "${api.metadata.namespace}",
    "",
    "a".repeat(300),
  ),
);

function objects(fn: () => unknown): KubeObject[] | "refused" {
  try {
    const plan = fn() as { type: string; manifests?: KubeObject[] };
    return plan.manifests ?? [];
  } catch (err) {
    if (err instanceof RenderError) return "refused";
    throw err;
  }
}

describe("render: user input cannot escape the descriptor", () => {
  const mappedNamespace = compile(
    set(baseDescriptor(), "spec.deploy.1.manifests.0.metadata.namespace", "${api.spec.ns}"),
  );
  const mappedData = compile(set(baseDescriptor(), "spec.deploy.1.manifests.0.data", "${api.spec.meta}"));
  const plain = compile();
  const deploy = {
    core: {
      release: { name: "core", namespace: "sample-system", chartName: "s", chartVersion: "1", revision: 1 },
      objects: [],
      ready: true,
    },
  };

  it("a mapped namespace either is an allowed one or the render is refused", () => {
    fc.assert(
      fc.property(hostile, (ns) => {
        const api = { ...sampleApi, spec: { ...sampleApi.spec, ns } };
        const out = objects(() =>
          renderUnit(mappedNamespace, "plugins", { api, config: sampleConfig, deploy }),
        );
        if (out !== "refused") for (const o of out) expect(o.metadata.namespace).toBe("sample-system");
      }),
    );
  });

  it("a mapped object fills only its own place", () => {
    const meta = fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom("metadata", "namespace", "kind", "__proto__")),
      fc.oneof(hostile, fc.record({ namespace: hostile, name: hostile })),
    );
    fc.assert(
      fc.property(meta, (value) => {
        const api = { ...sampleApi, spec: { ...sampleApi.spec, meta: value } };
        const out = objects(() => renderUnit(mappedData, "plugins", { api, config: sampleConfig, deploy }));
        expect(out).not.toBe("refused");
        for (const o of out as KubeObject[]) {
          expect(Object.keys(o)).toEqual(["apiVersion", "kind", "metadata", "data"]);
          expect(o.kind).toBe("ConfigMap");
          expect(o.metadata.namespace).toBe("sample-system");
          expect(o.data).toEqual(value);
        }
      }),
    );
  });

  it("hostile strings survive the YAML output unchanged (no re-parsing, no injection)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.constantFrom("a", "b", "c"), version: hostile }), { maxLength: 3 }),
        (plugins) => {
          const unique = plugins.filter((p, i) => plugins.findIndex((q) => q.name === p.name) === i);
          const api = { ...sampleApi, spec: { ...sampleApi.spec, plugins: unique } };
          const plan = renderUnit(plain, "plugins", { api, config: sampleConfig, deploy });
          expect(parse(stringify(plan, { lineWidth: 0, aliasDuplicateObjects: false }))).toEqual(plan);
          if (plan.type === "manifests")
            expect(plan.manifests.map((m) => (m.data as { version: string }).version)).toEqual(
              unique.map((p) => p.version),
            );
        },
      ),
      { numRuns: 200 },
    );
  });
});
