import { describe, expect, it } from "vitest";
import { parseExpression } from "./expr.js";
import { evaluate, type Scope } from "./evaluate.js";
import { isInvalidInput, isExpressionBug, RenderError } from "./issues.js";
import { nameHash } from "./functions.js";

const scope: Scope = {
  api: {
    metadata: { name: "example", namespace: "default" },
    spec: { version: "1.1", replicas: 2, flag: true, empty: null, list: ["a"] },
  },
  config: {
    spec: {
      availableVersions: ["1.0", "1.1"],
      numbers: [1.2, 2],
      providers: [{ name: "aws", versions: ["1.0"] }],
      values: { replicas: 3, image: { pullPolicy: null, registry: "r" }, list: [1] },
      defaults: { chartURL: "oci://defaults/chart" },
    },
  },
};

const run = (text: string, s: Scope = scope): unknown => evaluate(parseExpression(text), s, ["x"]);

function error(text: string): RenderError {
  try {
    run(text);
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error(`${text} did not fail`);
}

describe("?? chains", () => {
  it("take the first option that exists and is not null", () => {
    expect(run('config.spec.chartURL ?? config.spec.defaults.chartURL ?? "oci://x"')).toBe(
      "oci://defaults/chart",
    );
    expect(run('config.spec.nope ?? config.spec.nada ?? "oci://x"')).toBe("oci://x");
    expect(run("api.spec.empty ?? api.spec.replicas")).toBe(2);
    expect(run("api.spec.flag ?? false")).toBe(true);
  });

  it("blame the first missing path when every option is missing", () => {
    const err = error("api.spec.nope ?? config.spec.nada");
    expect(isInvalidInput(err)).toBe(true);
    expect(err.message).toContain("api.spec.nope ?? config.spec.nada: api.spec.nope is missing");
  });

  it("apply to a call whose argument is missing", () => {
    expect(run("merge(config.spec.nope, {}) ?? {}")).toEqual({});
    expect(run('oneOf(api.spec.nope, config.spec.availableVersions) ?? "1.0"')).toBe("1.0");
  });
});

describe("oneOf", () => {
  it("yields the value when the list offers it (compared as text)", () => {
    expect(run("oneOf(api.spec.version, config.spec.availableVersions)")).toBe("1.1");
    expect(run('oneOf("1.2", config.spec.numbers)')).toBe("1.2");
  });

  it("refuses the input with what is offered, like a [key=value] select", () => {
    const err = error('oneOf("9.9", config.spec.availableVersions)');
    expect(isInvalidInput(err)).toBe(true);
    expect(err.issues[0]?.code).toBe("not-offered");
    expect(err.message).toBe(
      "x: value 9.9 is not offered (config.spec.availableVersions); offered: 1.0, 1.1",
    );
    const nested = error('oneOf(api.spec.version, config.spec.providers[name="aws"].versions)');
    expect(nested.message).toContain(
      'version 1.1 is not offered (config.spec.providers[name="aws"].versions); offered: 1.0',
    );
    expect(error("oneOf(api.spec.version, config.spec.values)").issues[0]?.code).toBe("argument-type");
  });
});

describe("merge", () => {
  it("deep-merges, later arguments win, lists and nulls replace", () => {
    expect(
      run(
        'merge({"replicas": 1, "image": {"tag": "v1", "pullPolicy": "Always"}, "list": [0, 0]}, config.spec.values)',
      ),
    ).toEqual({
      replicas: 3,
      image: { tag: "v1", pullPolicy: null, registry: "r" },
      list: [1],
    });
  });

  it("refuses what is not an object, blaming who gave it", () => {
    expect(isInvalidInput(error("merge(config.spec.values, api.spec.list)"))).toBe(true);
    expect(isExpressionBug(error('merge({}, "text")'))).toBe(true);
  });

  it("never touches a prototype", () => {
    const hostile = {
      ...scope,
      api: { spec: JSON.parse('{"v": {"__proto__": {"polluted": 1}}}') as object },
    };
    const out = run('merge({"a": 1}, api.spec.v)', hostile) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
  });
});

describe("hash", () => {
  it("is openMCP's name hash: 8 lower-case base32 characters of SHAKE128 over the values joined by /", () => {
    expect(run("hash(api.metadata.namespace, api.metadata.name)")).toBe("fphxsdub");
    expect(nameHash(["default", "example"])).toBe("fphxsdub");
    expect(run('hash("default/example")')).toBe("fphxsdub");
    expect(run("hash(api.spec.replicas, api.spec.flag)")).toBe(nameHash(["2", "true"]));
    expect(isInvalidInput(error("hash(api.spec.list)"))).toBe(true);
  });
});

describe("booleans", () => {
  it("has, not, and, or, eq, contains", () => {
    expect(run("has(api.spec.version)")).toBe(true);
    expect(run("has(api.spec.empty)")).toBe(false);
    expect(run("has(api.spec.nope.deeper)")).toBe(false);
    expect(run("not(has(api.spec.nope))")).toBe(true);
    expect(run("and(has(api.spec.version), api.spec.flag)")).toBe(true);
    expect(run("or(has(api.spec.nope), false)")).toBe(false);
    expect(run('eq(api.spec.version, "1.1")')).toBe(true);
    expect(run('eq(config.spec.numbers[0], "1.2")')).toBe(true);
    expect(run("contains(config.spec.availableVersions, api.spec.version)")).toBe(true);
    expect(run('contains(config.spec.availableVersions, "2")')).toBe(false);
    expect(isInvalidInput(error("not(api.spec.version)"))).toBe(true);
  });
});

describe("splitImage", () => {
  const s = (ref: unknown): Scope => ({ ...scope, config: { spec: { image: ref } } });
  const split = (ref: string): unknown => run("splitImage(config.spec.image)", s(ref));

  it("splits a reference as openMCP's ParseImage does", () => {
    expect(split("ghcr.io/org/crossplane:v1.20.0")).toEqual({
      repository: "ghcr.io/org/crossplane",
      tag: "v1.20.0",
    });
    expect(split("registry.local:5000/org/xp:v1")).toEqual({
      repository: "registry.local:5000/org/xp",
      tag: "v1",
    });
    expect(split("registry.local:5000/org/xp")).toEqual({
      repository: "registry.local:5000/org/xp",
      tag: "",
    });
    expect(split("crossplane")).toEqual({ repository: "crossplane", tag: "" });
    expect(split("r.io/x:v1@sha256:abc")).toEqual({ repository: "r.io/x", tag: "v1@sha256:abc" });
    expect(run("splitImage(config.spec.nope) ?? {}", s("x"))).toEqual({});
  });

  it("refuses what is no image reference, blaming the config", () => {
    for (const bad of ["", "r.io/x:", ":v1", "r.io/x@", 3]) {
      let caught: unknown;
      try {
        run("splitImage(config.spec.image)", s(bad));
      } catch (e) {
        caught = e;
      }
      expect(caught instanceof RenderError && isInvalidInput(caught), String(bad)).toBe(true);
    }
    expect(() => split("r.io/x@sha256:abc")).toThrow(/digest but no tag/);
  });
});

describe("union", () => {
  it("joins lists in order, each item once, a single value as one item", () => {
    const s: Scope = {
      ...scope,
      config: {
        spec: {
          image: { secretRef: { name: "ghcr" } },
          providers: { pull: [{ name: "xpkg" }, { name: "ghcr" }] },
          functions: { pull: [{ name: "xpkg" }] },
        },
      },
    };
    expect(
      run(
        "union(config.spec.image.secretRef ?? [], config.spec.providers.pull ?? [], config.spec.functions.pull ?? [])",
        s,
      ),
    ).toEqual([{ name: "ghcr" }, { name: "xpkg" }]);
    expect(run("union(config.spec.nope ?? [], config.spec.functions.pull ?? [])", s)).toEqual([
      { name: "xpkg" },
    ]);
    expect(run("union([])", s)).toEqual([]);
  });
});

describe("concat", () => {
  it("joins values as text, so a ?? fallback can build a default from config data", () => {
    const s: Scope = { ...scope, config: { spec: { repository: "r.io/ls" } } };
    expect(run('config.spec.image ?? concat(config.spec.repository, "/images/controller")', s)).toBe(
      "r.io/ls/images/controller",
    );
    expect(run('concat("v", 1.5, true)', s)).toBe("v1.5true");
    expect(() => run("concat(config.spec)", s)).toThrow(/concat needs strings/);
  });
});
