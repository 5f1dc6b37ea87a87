import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generatedTypes, TYPES_FILE } from "./paths.js";

describe("types.gen.ts", () => {
  it("is up to date with schemas/descriptor.schema.json (npm run gen:descriptor-types)", async () => {
    expect(await readFile(TYPES_FILE, "utf8")).toBe(await generatedTypes(readFile));
  });
});
