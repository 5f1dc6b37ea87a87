/**
 * Plain JSON data as the render copies it: own properties only, never the
 * prototype (a key named "__proto__" is just a key), no undefined in output.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Assigns without ever touching the prototype, even for a key named "__proto__". */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Deep copy of plain JSON data; drops undefined, so no "undefined" ever reaches output. */
export function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) setKey(out, k, cloneJson(x));
    return out;
  }
  return v;
}

/**
 * `over` merged into `base`, recursively: objects merge key by key, anything else in `over`
 * (lists, scalars, null) replaces what `base` has. A null stays null, so Helm then drops the
 * key from the chart's defaults too. Neither input is changed.
 */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out = cloneJson(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const mine = Object.hasOwn(out, k) ? out[k] : undefined;
    setKey(out, k, isRecord(v) && isRecord(mine) ? deepMerge(mine, v) : cloneJson(v));
  }
  return out;
}

/** A scalar as text (selects and membership compare as text: YAML reads 1.20 as the number 1.2). */
export function scalarText(v: unknown): string {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean"
    ? String(v)
    : JSON.stringify(v);
}

export function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}
