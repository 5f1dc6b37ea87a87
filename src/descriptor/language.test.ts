/**
 * Golden renders of the expression language (test/fixtures/language): ?? chains, oneOf,
 * $forEach maps, $merge and merge(), when and hash, as `spe render` would show them.
 * Each <case>.input.yaml replaces the spec of the example api and/or config.
 * UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { fileURLToPath } from "node:url";
import { goldenRenders } from "./golden.js";

goldenRenders(
  "the expression language, rendered",
  fileURLToPath(new URL("../../test/fixtures/language/", import.meta.url)),
);
