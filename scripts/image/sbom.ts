/**
 * The image's software bill of materials, CycloneDX 1.6 JSON, built with the
 * CycloneDX project's own library: every Debian package (from the control
 * files the image carries), node, each npm package of the production
 * dependencies (npm's lockfile inside node_modules, with its integrity
 * hashes), and each Go module linked into spe-helm-worker (its build info).
 * Written beside the image, not in it; the same image gives the same file.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import { PackageURL } from "packageurl-js";
import { run } from "./run.js";
import type { SourceInfo } from "./source.js";

export interface SbomInput {
  info: SourceInfo;
  /** The image's digest and the repository it is named by (without tag). */
  digest: string;
  repository: string;
  /** The Debian layer's folder (var/lib/dpkg/status.d, etc/os-release). */
  debianDir: string;
  node: { version: string; package: string };
  /** The folder holding node_modules (its .package-lock.json). */
  nodeModulesDir: string;
  helmWorker: string;
}

type Fields = Record<string, string>;

/** One Debian control stanza: "Field: value" lines, continuation lines start with a space. */
export function parseControl(text: string): Fields {
  const fields: Fields = {};
  let last: string | undefined;
  for (const line of text.split("\n")) {
    if (/^\s/.test(line) && last) fields[last] = `${fields[last] ?? ""}\n${line.trim()}`;
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m?.[1] !== undefined) fields[(last = m[1])] = m[2] ?? "";
  }
  return fields;
}

function component(
  type: Enums.ComponentType,
  name: string,
  version: string,
  purl: PackageURL,
): Models.Component {
  return new Models.Component(type, name, { version, purl: purl.toString(), bomRef: purl.toString() });
}

function withLayer(c: Models.Component, layer: string): Models.Component {
  c.properties.add(new Models.Property("spe:image:layer", layer));
  return c;
}

async function debianComponents(dir: string): Promise<Models.Component[]> {
  const osRelease = parseOsRelease(await readFile(join(dir, "etc/os-release"), "utf8"));
  const distro = `${osRelease.ID ?? "debian"}-${osRelease.VERSION_ID ?? "unknown"}`;
  const statusDir = join(dir, "var/lib/dpkg/status.d");
  const files = (await readdir(statusDir)).sort();
  const packages = await Promise.all(
    files.map(async (f) => parseControl(await readFile(join(statusDir, f), "utf8"))),
  );
  const os = new Models.Component(Enums.ComponentType.OperatingSystem, osRelease.ID ?? "debian", {
    version: osRelease.VERSION_ID,
    description: osRelease.PRETTY_NAME,
    bomRef: `os:${distro}`,
  });
  return [
    withLayer(os, "debian"),
    ...packages.map((p) => {
      const name = p.Package ?? "unknown";
      const version = p.Version ?? "";
      const purl = new PackageURL("deb", "debian", name, version, { arch: p.Architecture ?? "", distro });
      const c = component(Enums.ComponentType.Library, name, version, purl);
      if (p.Description) c.description = p.Description.split("\n")[0];
      if (p.Source) c.properties.add(new Models.Property("spe:deb:source", p.Source));
      return withLayer(c, "debian");
    }),
  ];
}

function parseOsRelease(text: string): Fields {
  const fields: Fields = {};
  for (const m of text.matchAll(/^([A-Z_]+)=("?)(.*)\2$/gm)) if (m[1]) fields[m[1]] = m[3] ?? "";
  return fields;
}

interface LockEntry {
  version?: string;
  license?: string;
  integrity?: string;
  link?: boolean;
}

async function npmComponents(nodeModulesDir: string): Promise<Models.Component[]> {
  const lock = JSON.parse(
    await readFile(join(nodeModulesDir, "node_modules/.package-lock.json"), "utf8"),
  ) as {
    packages: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith("node_modules/") && entry.version && !entry.link)
    .map(([path, entry]) => npmComponent(path.slice(path.lastIndexOf("node_modules/") + 13), entry));
}

function npmComponent(fullName: string, entry: LockEntry): Models.Component {
  const slash = fullName.startsWith("@") ? fullName.indexOf("/") : -1;
  const scope = slash > 0 ? fullName.slice(0, slash) : undefined;
  const version = entry.version ?? "";
  const purl = new PackageURL("npm", scope, fullName.slice(slash + 1), version, undefined);
  const c = component(Enums.ComponentType.Library, fullName, version, purl);
  if (scope) c.group = scope;
  if (entry.license) c.licenses.add(new Models.LicenseExpression(entry.license));
  const sha512 = /^sha512-(.+)$/.exec(entry.integrity ?? "")?.[1];
  if (sha512) c.hashes.set(Enums.HashAlgorithm["SHA-512"], Buffer.from(sha512, "base64").toString("hex"));
  return withLayer(c, "node-modules");
}

/** The Go modules in a binary's build info (`go version -m`). */
async function goComponents(binary: string): Promise<Models.Component[]> {
  const out = await run("go", ["version", "-m", binary]);
  const components: Models.Component[] = [];
  for (const line of out.split("\n")) {
    const [kind, path, version] = line.trim().split(/\s+/);
    if (kind === "dep" && path && version) {
      // purl's golang type: the module path's last element is the name, the rest the namespace.
      const cut = path.lastIndexOf("/");
      const purl = new PackageURL(
        "golang",
        path.slice(0, Math.max(cut, 0)) || undefined,
        path.slice(cut + 1),
        version,
        undefined,
      );
      components.push(withLayer(component(Enums.ComponentType.Library, path, version, purl), "helm-worker"));
    }
  }
  const goVersion = /:\s*(go[\d.]+)/.exec(out.split("\n")[0] ?? "")?.[1];
  if (goVersion) {
    const purl = new PackageURL("golang", undefined, "stdlib", goVersion.replace(/^go/, "v"), undefined);
    components.push(
      withLayer(component(Enums.ComponentType.Library, "stdlib", goVersion, purl), "helm-worker"),
    );
  }
  return components;
}

/** A UUID (version 5 layout) from the image digest, so one image always has one serial number. */
function serialFor(digest: string): string {
  const h = createHash("sha256").update(digest).digest("hex");
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function buildSbom(input: SbomInput): Promise<{ json: string; components: number }> {
  const { info } = input;
  const imagePurl = new PackageURL("oci", undefined, "spe", input.digest, {
    repository_url: input.repository,
  });
  const spe = new Models.Component(Enums.ComponentType.Container, "spe", {
    version: info.version,
    purl: imagePurl.toString(),
    bomRef: imagePurl.toString(),
    description: `spe ${info.version} at ${info.revision}`,
  });
  spe.licenses.add(new Models.SpdxLicense("Apache-2.0"));
  const bom = new Models.Bom({ serialNumber: serialFor(input.digest) });
  bom.metadata.timestamp = new Date(info.epoch * 1000);
  bom.metadata.component = spe;
  const nodePurl = new PackageURL("npm", undefined, input.node.package, input.node.version, undefined);
  const node = withLayer(
    component(Enums.ComponentType.Application, "node", input.node.version, nodePurl),
    "node",
  );
  // How vulnerability databases name node.js releases.
  node.cpe = `cpe:2.3:a:nodejs:node.js:${input.node.version}:*:*:*:*:*:*:*`;
  node.licenses.add(new Models.SpdxLicense("MIT"));
  const all = [
    ...(await debianComponents(input.debianDir)),
    node,
    ...(await npmComponents(input.nodeModulesDir)),
    ...(await goComponents(input.helmWorker)),
  ];
  for (const c of all) bom.components.add(c);
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const json = serializer.serialize(bom, { sortLists: true, space: 2 });
  return { json: `${json}\n`, components: all.length };
}
