/**
 * Orders strings by UTF-16 code unit, as Go's sort.Strings and kubectl do. Not
 * localeCompare: its order depends on the machine's locale (which provider wins a claim
 * must not), and its first call maps ICU's collation data into the engine's memory (bench/results/analysis.md).
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
