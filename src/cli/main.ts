#!/usr/bin/env node
/** Entry point of the `spe` CLI. */
import { buildProgram } from "./program.js";

await buildProgram().parseAsync(process.argv);
