/**
 * CustomResourceDefinitions generated from a compiled descriptor: the API CRD
 * (onboarding cluster; openMCP-compatible status) and the config CRD (platform).
 */
import type { CompiledDescriptor, ResourceNames } from "./compiled.js";
import type { KubeObject } from "./plan.js";
import { checkPath, rootSchemas } from "./schema-paths.js";
import { toStructural, type JsonSchema } from "./structural.js";
import type { TemplateNode } from "./template.js";
import { specRequired } from "./crd-options.js";
import { primaryPath } from "./expr.js";
import { mergePatch } from "./status-patch.js";

const STR = (description: string): JsonSchema => ({ type: "string", description });

const CONDITION: JsonSchema = {
  type: "object",
  description: "A metav1.Condition: one aspect of the object's state.",
  required: ["type", "status", "lastTransitionTime", "reason", "message"],
  properties: {
    type: { ...STR("Type of condition in CamelCase, e.g. Ready."), maxLength: 316 },
    status: { ...STR("True, False or Unknown."), enum: ["True", "False", "Unknown"] },
    observedGeneration: {
      type: "integer",
      format: "int64",
      minimum: 0,
      description: "The generation the condition was set for.",
    },
    lastTransitionTime: {
      type: "string",
      format: "date-time",
      description: "When the condition last changed status.",
    },
    reason: {
      ...STR("Machine-readable CamelCase reason, e.g. ReconcileSuccess."),
      maxLength: 1024,
      minLength: 1,
    },
    message: { ...STR("Human-readable details."), maxLength: 32768 },
  },
};

const RESOURCE: JsonSchema = {
  type: "object",
  description: "An object spe deployed for this request (openMCP's managed resource).",
  required: ["kind", "name", "phase"],
  properties: {
    apiGroup: STR("API group of the object; absent for the core group."),
    kind: STR("Kind of the object."),
    name: STR("Name of the object."),
    namespace: STR("Namespace of the object, if namespaced."),
    phase: STR("kstatus of the object: Current, InProgress, Failed, NotFound or Unknown."),
    message: STR("Details about the object's state."),
    location: STR("The cluster the object is on: mcp, workload or platform."),
  },
};

const DRIFT: JsonSchema = {
  type: "object",
  description: "A field of a deployed object that differs from what spe rendered.",
  properties: {
    object: {
      type: "object",
      description: "The drifted object.",
      properties: {
        apiVersion: STR("API version."),
        kind: STR("Kind."),
        name: STR("Name."),
        namespace: STR("Namespace."),
      },
    },
    field: STR("JSON path of the field; empty when the object is missing."),
    reason: STR("missing or changed."),
    manager: STR("Field manager that last wrote the field, when known."),
    correctedAt: { type: "string", format: "date-time", description: "When spe corrected the drift." },
  },
};

const UNIT: JsonSchema = {
  type: "object",
  description:
    "A deploy unit applied for this request, kept so it can be removed even when the plan no longer renders.",
  properties: {
    name: STR("Name of the unit in the descriptor."),
    type: STR("helm, manifests or copy."),
    target: STR("The cluster the unit deployed to: mcp, workload or platform."),
    releaseName: STR("Helm release name (helm units)."),
    namespace: STR("Namespace of the release (helm units)."),
    namespaces: {
      type: "array",
      description: "Namespaces the unit's objects went to (manifests and copy units).",
      items: { type: "string" },
    },
    crds: {
      type: "array",
      description:
        "CRDs of spec.deletion.crds that were not on the target before the unit was first created: the ones deletion removes.",
      items: { type: "string" },
    },
  },
};

function inferred(node: TemplateNode, compiled: CompiledDescriptor): JsonSchema {
  if (node.t === "str") return { type: "string" };
  if (node.t === "lit") {
    const t = Array.isArray(node.v) ? "array" : node.v === null ? undefined : typeof node.v;
    return t === "string" || t === "number" || t === "boolean"
      ? { type: t }
      : { "x-kubernetes-preserve-unknown-fields": true };
  }
  const path = node.t === "expr" ? primaryPath(node.expr) : undefined;
  if (path !== undefined && path.root !== "each") {
    const schema = checkPath(path, rootSchemas(compiled)[path.root]).schema;
    if (schema !== undefined) return toStructural(schema);
  }
  return { "x-kubernetes-preserve-unknown-fields": true };
}

function projectedStatus(compiled: CompiledDescriptor): Record<string, JsonSchema> {
  const node = compiled.status.node;
  if (node.t === "obj") {
    return Object.fromEntries(
      node.entries.map(([k, n]) => [
        k,
        { ...inferred(n, compiled), description: `Projected by the descriptor (${k}).` },
      ]),
    );
  }
  if (node.t === "lit" && typeof node.v === "object" && node.v !== null) {
    return Object.fromEntries(
      Object.entries(node.v).map(([k, v]) => [
        k,
        { ...inferred({ t: "lit", v }, compiled), description: `Projected by the descriptor (${k}).` },
      ]),
    );
  }
  return {};
}

const CONDITIONS: JsonSchema = {
  type: "array",
  description: "Conditions; Ready summarises the others.",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
  items: CONDITION,
};

const OBSERVED_GENERATION: JsonSchema = {
  type: "integer",
  format: "int64",
  description: "The generation spe last reconciled.",
};

const CONFIG_REF: JsonSchema = {
  type: "object",
  description:
    "The ProviderConfig this status reflects (openMCP's providerConfigRef): the config spe last deployed with, and its generation.",
  "x-kubernetes-map-type": "atomic",
  required: ["name"],
  properties: {
    name: STR("Name of the ProviderConfig."),
    namespace: STR("Namespace of the ProviderConfig, if it is namespaced."),
    generation: { type: "integer", format: "int64", description: "The config's metadata.generation." },
  },
};

/** The openMCP status spe writes: observedGeneration, phase, conditions, resources, drift, units. */
export const API_STATUS: JsonSchema = {
  type: "object",
  description: "Observed state, written by spe.",
  required: ["observedGeneration", "phase"],
  properties: {
    observedGeneration: OBSERVED_GENERATION,
    phase: STR("Ready, Progressing or Terminating."),
    conditions: CONDITIONS,
    resources: {
      type: "array",
      description: "Objects deployed for this request and their state.",
      items: RESOURCE,
    },
    drift: {
      type: "array",
      description: "Deployed fields that differed from the rendered plan and were corrected, newest first.",
      items: DRIFT,
    },
    units: {
      type: "array",
      description: "Deploy units applied for this request.",
      items: UNIT,
    },
    providerConfigRef: CONFIG_REF,
  },
};

function patched(status: JsonSchema, patch: JsonSchema | undefined): JsonSchema {
  return patch === undefined ? status : (mergePatch(status, patch) as JsonSchema);
}

/** The API status: spe's (under the descriptor's statusSchemaPatch) plus the projected fields. */
export function statusSchema(compiled: CompiledDescriptor): JsonSchema {
  const status = patched(API_STATUS, compiled.api.statusSchemaPatch);
  const properties = (status.properties ?? {}) as Record<string, JsonSchema>;
  return { ...status, properties: { ...projectedStatus(compiled), ...properties } };
}

/** The config's status, written by spe: whether the config is valid. */
export const CONFIG_STATUS: JsonSchema = {
  type: "object",
  description: "Whether the config is valid, written by spe.",
  required: ["observedGeneration", "phase"],
  properties: {
    observedGeneration: { ...OBSERVED_GENERATION, description: "The generation spe last checked." },
    phase: STR("Ready when the config is valid, Invalid when not."),
    conditions: {
      ...CONDITIONS,
      description: "Ready: True when the config is valid; False (InvalidConfig) with the reason when not.",
    },
  },
};

function objectSchema(names: ResourceNames, spec: JsonSchema, status: JsonSchema): JsonSchema {
  const specSchema: JsonSchema = { ...toStructural(spec), type: "object" };
  specSchema.description ??= `Desired state of the ${names.kind}.`;
  const required = specRequired(names.requireSpec, spec);
  return {
    type: "object",
    description: names.description ?? `${names.kind} (generated by spe).`,
    ...(required ? { required: ["spec"] } : {}),
    properties: {
      apiVersion: STR("APIVersion defines the versioned schema of this representation of an object."),
      kind: STR("Kind is a string value representing the REST resource this object represents."),
      metadata: { type: "object" },
      spec: specSchema,
      status,
    },
  };
}

function crd(names: ResourceNames, versions: JsonSchema[]): KubeObject {
  const crdNames: Record<string, unknown> = {
    plural: names.plural,
    singular: names.singular,
    kind: names.kind,
    listKind: names.listKind,
  };
  if (names.shortNames.length > 0) crdNames.shortNames = names.shortNames;
  if (names.categories.length > 0) crdNames.categories = names.categories;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${names.plural}.${names.group}`, labels: { ...names.labels } },
    spec: { group: names.group, names: crdNames, scope: names.scope, versions },
  };
}

/** The ServiceProviderAPI CRD: status subresource, the descriptor's printer columns. */
export function apiCrd(compiled: CompiledDescriptor): KubeObject {
  const { api } = compiled;
  const status = statusSchema(compiled);
  const versions = api.versions.map((v) => ({
    name: v.name,
    served: v.served,
    storage: v.storage,
    schema: { openAPIV3Schema: objectSchema(api, v.schema, status) },
    subresources: { status: {} },
    additionalPrinterColumns: api.columns.map((c) => ({ ...c })),
  }));
  return crd(api, versions);
}

/** The ServiceProviderConfig CRD (cluster-scoped by default), with the status spe writes. */
export function configCrd(compiled: CompiledDescriptor): KubeObject {
  const { config } = compiled;
  const version = {
    name: config.version,
    served: true,
    storage: true,
    schema: {
      openAPIV3Schema: objectSchema(config, config.schema, patched(CONFIG_STATUS, config.statusSchemaPatch)),
    },
    subresources: { status: {} },
    additionalPrinterColumns: config.columns.map((c) => ({ ...c })),
  };
  return crd(config, [version]);
}

/** Both CRDs, API first. */
export function generateCrds(compiled: CompiledDescriptor): KubeObject[] {
  return [apiCrd(compiled), configCrd(compiled)];
}
