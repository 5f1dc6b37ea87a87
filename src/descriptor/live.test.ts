import { fileURLToPath } from "node:url";
import { goldenRenders } from "./golden.js";

goldenRenders("live values, rendered", fileURLToPath(new URL("../../test/fixtures/live/", import.meta.url)));
