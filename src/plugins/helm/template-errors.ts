/**
 * Where in a release's values a failed `helm template` points: helm names the value a
 * template failed on (`at <.Values.ports>`, in the template of a subchart perhaps) or the
 * value its values schema refused (`- at '/ports'`), so a tool can point at the descriptor
 * line that produced it. Pure text reading of helm's message; undefined when it names none.
 */

export interface TemplateFailure {
  /** Keys from the release's values to the value the failure is about, if helm names one. */
  valuesPath?: string[];
  /** Helm's message on one line. */
  message: string;
}

/** `<file>:<line>:<col>` then `executing "<template>" at <<action>>: <why>`. */
const EXECUTING = /(\S+?\.(?:ya?ml|tpl|txt|json))(?::\d+:\d+)?\s+executing "[^"]*" at <([^>]*)>/;
/** helm's values schema failure: the chart, then the JSON pointer of each refused value. */
const SCHEMA = /the following chart\(s\):\s*\n\s*([^\s:]+):\s*\n\s*- at '([^']*)'/;

/** The subcharts a template belongs to, from its path: `root/charts/a/charts/b/templates/x.yaml` → [a, b]. */
function subchartsOf(template: string): string[] {
  const segments = template.split("/");
  const names: string[] = [];
  for (let i = 1; segments[i] === "charts" && segments[i + 1] !== undefined; i += 2)
    names.push(segments[i + 1] as string);
  return names;
}

function fromAction(action: string): string[] | undefined {
  const m = /^\.Values((?:\.[A-Za-z_][\w]*)*)$/.exec(action.trim());
  if (!m) return undefined;
  return (m[1] ?? "").split(".").filter(Boolean);
}

function fromPointer(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/**
 * Reads a `helm template` failure. `chart` is the name of the release's own chart when known:
 * a schema failure in another chart's values is one of its subcharts', whose values sit under
 * the subchart's name.
 */
export function templateFailure(detail: string, chart?: string): TemplateFailure {
  const message = detail
    .replace(/^Error:\s*/, "")
    .replace(/\s+/g, " ")
    .trim();
  const exec = EXECUTING.exec(detail);
  if (exec) {
    const path = fromAction(exec[2] ?? "");
    if (path) return { valuesPath: [...subchartsOf(exec[1] ?? ""), ...path], message };
    return { message };
  }
  const schema = SCHEMA.exec(detail);
  if (schema) {
    const owner = schema[1] ?? "";
    const prefix = chart === undefined || owner === chart ? [] : [owner];
    return { valuesPath: [...prefix, ...fromPointer(schema[2] ?? "")], message };
  }
  return { message };
}
