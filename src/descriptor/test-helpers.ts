/** Fixtures for the descriptor tests (and for descriptor authors' own tests). @internal */
import { stringify } from "yaml";
import { compileDescriptor } from "./compile.js";
import type { CompiledDescriptor } from "./compiled.js";
import { parseDescriptor, safeParseDescriptors, type ProviderDescriptor } from "./load.js";
import { lintLoaded } from "./lint.js";
import type { Issue } from "./issues.js";
import { configMapReader } from "./refs.js";

/** A small valid descriptor as plain data; tests mutate copies of it. */
export function baseDescriptor(): Record<string, unknown> {
  return {
    apiVersion: "spe.dev/v1alpha1",
    kind: "ProviderDescriptor",
    metadata: { name: "sample" },
    spec: {
      api: {
        group: "sample.services.spe.dev",
        kind: "Sample",
        versions: [
          {
            name: "v1alpha1",
            schema: {
              type: "object",
              description: "Sample spec.",
              required: ["version"],
              properties: {
                version: { type: "string", description: "Version." },
                replicas: { type: "integer", description: "Replicas.", default: 1 },
                plugins: {
                  type: "array",
                  description: "Plugins.",
                  items: {
                    type: "object",
                    required: ["name"],
                    properties: {
                      name: { type: "string", description: "Name." },
                      version: { type: "string", description: "Version." },
                    },
                  },
                },
              },
            },
          },
        ],
      },
      config: {
        schema: {
          type: "object",
          description: "Config spec.",
          properties: {
            registry: { type: "string", description: "Registry.", default: "registry.invalid" },
            versions: {
              type: "array",
              description: "Offered versions.",
              items: {
                type: "object",
                required: ["version", "chartVersion"],
                properties: {
                  version: { type: "string", description: "Version." },
                  chartVersion: { type: "string", description: "Chart version." },
                },
              },
            },
          },
          required: ["versions"],
        },
      },
      deploy: [
        {
          name: "core",
          namespace: "sample-system",
          helm: {
            chart: {
              repo: "https://charts.invalid",
              name: "sample",
              version: "${config.spec.versions[version=api.spec.version].chartVersion}",
            },
            values: {
              replicas: "${api.spec.replicas}",
              image: "${config.spec.registry}/sample:${api.spec.version}",
            },
          },
        },
        {
          name: "plugins",
          dependsOn: ["core"],
          namespace: "sample-system",
          forEach: "${api.spec.plugins ?? []}",
          manifests: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "plugin-${each.name}" },
              data: { version: '${each.version ?? "latest"}', core: "${deploy.core.release.chartVersion}" },
            },
          ],
        },
      ],
      status: { version: "${api.spec.version}", chartVersion: "${deploy.core.release.chartVersion}" },
    },
  };
}

export function toText(doc: unknown): string {
  return stringify(doc, { lineWidth: 0 });
}

export function load(doc: unknown, files: Record<string, string> = {}): ProviderDescriptor {
  const main = toText(doc);
  return parseDescriptor(main, "mem/descriptor.yaml", {
    reader: configMapReader({ ...files, "descriptor.yaml": main }, "mem"),
  });
}

export function compile(doc: unknown = baseDescriptor()): CompiledDescriptor {
  return compileDescriptor(load(doc));
}

/** Lint findings for a document given as data or YAML text. */
export function lintDoc(doc: unknown, files: Record<string, string> = {}): Issue[] {
  const text = typeof doc === "string" ? doc : toText(doc);
  const loaded = safeParseDescriptors(text, "mem/descriptor.yaml", { reader: configMapReader(files, "mem") });
  return lintLoaded(loaded);
}

export const sampleApi = {
  apiVersion: "sample.services.spe.dev/v1alpha1",
  kind: "Sample",
  metadata: { name: "mcp-a", namespace: "tenant-a" },
  spec: { version: "1.2", replicas: 2, plugins: [{ name: "a", version: "1" }, { name: "b" }] },
};

export const sampleConfig = {
  apiVersion: "sample.services.spe.dev/v1alpha1",
  kind: "ProviderConfig",
  metadata: { name: "sample" },
  spec: {
    registry: "registry.invalid",
    versions: [
      { version: "1.2", chartVersion: "1.2.3" },
      { version: "1.3", chartVersion: "1.3.0" },
    ],
  },
};

function parentOf(obj: unknown, path: string): [Record<string, unknown>, string] {
  const segs = path.split(".");
  const last = segs.pop() ?? "";
  let cur = obj as Record<string, unknown>;
  for (const seg of segs) cur = cur[seg] as Record<string, unknown>;
  return [cur, last];
}

/** Sets a dotted path (`spec.deploy.0.name`) in a fixture; returns the fixture. */
export function set<T>(obj: T, path: string, value: unknown): T {
  const [parent, key] = parentOf(obj, path);
  parent[key] = value;
  return obj;
}

/** Deletes a dotted path in a fixture; returns the fixture. */
export function unset<T>(obj: T, path: string): T {
  const [parent, key] = parentOf(obj, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else Reflect.deleteProperty(parent, key);
  return obj;
}

export function get(obj: unknown, path: string): unknown {
  const [parent, key] = parentOf(obj, path);
  return parent[key];
}
