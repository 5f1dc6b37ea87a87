/**
 * Property tests: names from API objects flowing into a copy unit. Whatever a user writes, a
 * copy plan reads only from the namespaces the descriptor allows and writes only into the
 * unit's namespace, under valid names, or the input is refused; nothing else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isInvalidInput, RenderError } from "./issues.js";
import { renderUnit } from "./render.js";
import { baseDescriptor, compile, sampleApi, sampleConfig, set } from "./test-helpers.js";

const ALLOWED = ["spe-system", "shared-credentials"];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const name = fc.oneof(
  fc.string(),
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/),
  fc.constantFrom("__proto__", "constructor", "../x", "a/b", "${api.metadata.name}", "kube-system", ""),
);
const namespace = fc.oneof(name, fc.constantFrom(...ALLOWED, "kube-system", "default"));
const ref = fc.record({ name, namespace }, { requiredKeys: ["name"] });
const key = fc.oneof(fc.string(), fc.constantFrom("ca.crt", "..data", ".", "a/b", ".dockerconfigjson"));

describe("copy properties", () => {
  const c = compile(
    set(baseDescriptor(), "spec.deploy.1", {
      name: "plugins",
      namespace: "sample-system",
      forEach: "${api.spec.plugins ?? []}",
      copy: {
        sourceNamespaces: ALLOWED,
        from: { name: "${each.name}", namespace: '${each.version ?? "spe-system"}' },
        to: { name: "copy-${each.name}" },
        keys: [{ from: "${api.spec.version}", to: "ca.crt" }],
      },
    }),
  );

  it("reads only from allowed namespaces, writes only to the unit's namespace, or refuses the input", () => {
    fc.assert(
      fc.property(fc.array(ref, { maxLength: 5 }), key, (refs, version) => {
        // The test descriptor's plugin items carry the source namespace in `version`.
        const plugins = refs.map((r) => ({ name: r.name, ...(r.namespace ? { version: r.namespace } : {}) }));
        const api = { ...sampleApi, spec: { ...sampleApi.spec, version, plugins } };
        try {
          const plan = renderUnit(c, "plugins", { api, config: sampleConfig, deploy: {} });
          if (plan.type !== "copy") throw new Error("not a copy plan");
          expect(plan.copy.items).toHaveLength(plugins.length);
          for (const [i, item] of plan.copy.items.entries()) {
            expect(ALLOWED).toContain(item.from.namespace);
            expect(item.from.namespace).toBe(plugins[i]?.version ?? "spe-system");
            expect(item.from.name).toBe(plugins[i]?.name);
            expect(item.from.name).toMatch(DNS_SUBDOMAIN);
            expect(item.to).toEqual({ namespace: "sample-system", name: `copy-${item.from.name}` });
            expect(item.keys).toEqual([{ from: version, to: "ca.crt" }]);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(RenderError);
          expect(isInvalidInput(err)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a source outside the allowed namespaces is always refused, naming the namespace", () => {
    fc.assert(
      fc.property(name, fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), (source, ns) => {
        fc.pre(!ALLOWED.includes(ns));
        const api = {
          ...sampleApi,
          spec: { ...sampleApi.spec, version: "x", plugins: [{ name: source, version: ns }] },
        };
        let refused: unknown;
        try {
          renderUnit(c, "plugins", { api, config: sampleConfig, deploy: {} });
        } catch (err) {
          refused = err;
        }
        expect(refused).toBeInstanceOf(RenderError);
        expect(isInvalidInput(refused)).toBe(true);
        const [first] = (refused as RenderError).issues;
        // An invalid source name may be found first; otherwise the namespace is named.
        if (first?.code !== "invalid-name") {
          expect(["source-namespace", "invalid-namespace"]).toContain(first?.code);
          expect(first?.message).toContain(JSON.stringify(ns));
        }
      }),
      { numRuns: 200 },
    );
  });
});
