/** Rewrites src/descriptor/types.gen.ts from schemas/descriptor.schema.json. */
import { readFile, writeFile } from "node:fs/promises";
import { generatedTypes, TYPES_FILE } from "./paths.js";

const source = await generatedTypes(readFile);
await writeFile(TYPES_FILE, source);
console.log(`wrote ${TYPES_FILE}`);
