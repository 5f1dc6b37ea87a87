/** Property tests: values from API objects and configs flowing through the language's functions and directives. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExpression } from "./expr.js";
import { evaluate } from "./evaluate.js";
import { isInvalidInput, RenderError } from "./issues.js";
import { renderUnit } from "./render.js";
import { baseDescriptor, compile, sampleApi, sampleConfig, set } from "./test-helpers.js";

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("${api.metadata.name}", "__proto__", "constructor", "a\nkind: Secret", "", "1.20", "true"),
);
const json = fc.jsonValue({ maxDepth: 3 });
const object = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "a")), json, {
  maxKeys: 5,
});
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function run(text: string, api: Record<string, unknown>, config: Record<string, unknown> = {}): unknown {
  return evaluate(parseExpression(text), { api, config }, ["x"]);
}

describe("language properties", () => {
  it("hash(…) is 8 DNS-safe characters, the same for the same values, whatever they are", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(hostile, fc.integer(), fc.boolean()), { minLength: 1, maxLength: 4 }),
        (values) => {
          const api = { spec: { values } };
          const args = values.map((_, i) => `api.spec.values[${i}]`).join(", ");
          const h = run(`hash(${args})`, api) as string;
          expect(h).toMatch(/^[a-z2-7]{8}$/);
          expect(`backup-${h}`).toMatch(DNS_LABEL);
          expect(run(`hash(${args})`, structuredClone(api))).toBe(h);
        },
      ),
    );
  });

  it("merge(…) of user objects: later wins, inputs untouched, no prototype reached", () => {
    fc.assert(
      fc.property(object, object, (a, b) => {
        const api = { spec: { a, b } };
        const before = JSON.stringify(api);
        const out = run("merge(api.spec.a, api.spec.b)", api) as Record<string, unknown>;
        expect(JSON.stringify(api)).toBe(before);
        expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        for (const k of Object.keys(out)) expect(Object.hasOwn(a, k) || Object.hasOwn(b, k)).toBe(true);
        for (const [k, v] of Object.entries(b)) {
          const both = typeof v === "object" && v !== null && !Array.isArray(v) && typeof a[k] === "object";
          if (!both || Array.isArray(a[k]) || a[k] === null) expect(out[k]).toEqual(v);
        }
      }),
    );
  });

  it("oneOf(…) yields the user's value exactly when offered, else refuses the input, nothing else", () => {
    fc.assert(
      fc.property(hostile, fc.array(hostile, { maxLength: 4 }), (value, offered) => {
        const api = { spec: { value } };
        const config = { spec: { offered } };
        try {
          expect(run("oneOf(api.spec.value, config.spec.offered)", api, config)).toBe(value);
          expect(offered).toContain(value);
        } catch (err) {
          expect(err).toBeInstanceOf(RenderError);
          expect(isInvalidInput(err)).toBe(true);
          expect(offered).not.toContain(value);
        }
      }),
    );
  });

  it("a $forEach map gives one item per user entry, shaped by the descriptor, values copied as data", () => {
    const c = compile(
      set(baseDescriptor(), "spec.deploy.0.helm.values.initContainers", {
        $forEach: "${api.spec.plugins ?? []}",
        $item: { name: "${each.name}", image: "registry.invalid/${each.name}:${each.version}" },
      }),
    );
    const deploy = {};
    fc.assert(
      fc.property(fc.array(fc.record({ name: hostile, version: hostile }), { maxLength: 5 }), (plugins) => {
        const api = { ...sampleApi, spec: { ...sampleApi.spec, plugins } };
        const plan = renderUnit(c, "core", { api, config: sampleConfig, deploy });
        const items =
          plan.type === "helm" ? (plan.helm.values.initContainers as Record<string, unknown>[]) : [];
        expect(items).toHaveLength(plugins.length);
        items.forEach((item, i) => {
          expect(Object.keys(item)).toEqual(["name", "image"]);
          expect(item.name).toBe(plugins[i]?.name);
          expect(item.image).toBe(`registry.invalid/${plugins[i]?.name}:${plugins[i]?.version}`);
        });
      }),
      { numRuns: 200 },
    );
  });
});
