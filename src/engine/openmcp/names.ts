/**
 * openMCP's naming rules, computed as openmcp-operator v1.3.0 and controller-utils v0.31.0 do
 * (pure): the tenant namespace of an MCP on the platform cluster, the 63-character shortening
 * with a hash suffix, and the stable names of ClusterRequests and AccessRequests. Another
 * provider, the ControlPlane controller and spe must all arrive at the same names.
 */
import { createHash } from "node:crypto";
import { nameHash as descriptorNameHash } from "../../descriptor/index.js";

/** Kubernetes' limit for object names (DNS labels). */
export const MAX_NAME_LENGTH = 63;

const TENANT_PREFIX = "mcp--";

function shake128(text: string, bytes: number): Buffer {
  return createHash("shake128", { outputLength: bytes }).update(text, "utf8").digest();
}

/** controller-utils' K8sNameUUID: SHAKE128 of the parts joined by "/", first 16 bytes as a version 8 UUID. */
export function nameUuid(...parts: readonly string[]): string {
  if (!parts.some((p) => p !== "")) throw new Error("nameUuid: at least one non-empty name is needed");
  const b = shake128(parts.join("/"), 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80; // version 8
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // variant 10
  const hex = b.toString("hex");
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}

/**
 * controller-utils' NameHashSHAKE128Base32: 8 base32 characters of SHAKE128 over the parts
 * joined by "/". The descriptor language's hash() computes it; both must agree with openMCP.
 */
export function nameHash(...parts: readonly string[]): string {
  return descriptorNameHash(parts);
}

/**
 * controller-utils' ShortenToXCharacters: a name longer than `maxLength` is cut, stripped of
 * trailing "-" and ".", and gets "--" and the hash of the whole name appended.
 */
export function shortenName(input: string, maxLength = MAX_NAME_LENGTH): string {
  if (input.length <= maxLength) return input;
  const suffix = `--${nameHash(input)}`;
  const keep = maxLength - suffix.length;
  if (keep <= 0) throw new Error(`shortenName: a maximum length of ${maxLength} leaves no room for the hash`);
  return input.slice(0, keep).replace(/[-.]+$/, "") + suffix;
}

/**
 * The namespace on the platform cluster that belongs to the MCP (ControlPlane) `name` in
 * `namespace` of the onboarding cluster (openmcp-operator's StableMCPNamespace).
 */
export function tenantNamespace(mcp: { namespace: string; name: string }): string {
  return TENANT_PREFIX + nameUuid(mcp.namespace, mcp.name);
}

/**
 * openmcp-operator's StableRequestNameFromLocalName: `<controller>--<localName>[--<suffix>]`,
 * lower case, shortened to 63 characters (before the suffix, which always survives).
 */
export function stableRequestName(controller: string, localName: string, suffix = ""): string {
  const raw = `${controller.toLowerCase()}--${localName.toLowerCase()}`;
  if (suffix === "") return shortenName(raw);
  const tail = suffix.toLowerCase();
  return `${shortenName(raw, MAX_NAME_LENGTH - tail.length - 2)}--${tail}`;
}
