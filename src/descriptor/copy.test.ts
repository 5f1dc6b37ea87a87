/**
 * Golden renders of copy units (test/fixtures/copy): Secrets and ConfigMaps of the platform
 * cluster copied to the target (image pull Secrets from a config's list, a CA bundle key
 * renamed), and the sources, names and keys render refuses.
 */
import { fileURLToPath } from "node:url";
import { goldenRenders } from "./golden.js";

goldenRenders("copy units, rendered", fileURLToPath(new URL("../../test/fixtures/copy/", import.meta.url)));
