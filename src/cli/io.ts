/** Output and exit codes shared by the commands. */
import { stringify } from "yaml";

/** 0: clean, 1: findings (or a failed render), 2: usage or I/O error. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Deterministic YAML: stable key order as rendered, no line folding, no anchors. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join("");
}

/** Usage or I/O trouble: exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
