import { defineConfig } from "vitest/config";

// Two projects: `unit` runs pure code offline; `e2e` runs against the real
// control plane that test/env/global-setup.ts starts once per run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "src/**/*.test.ts",
            "providers/**/*.test.ts",
            "test/unit/**/*.test.ts",
            "scripts/**/*.test.ts",
          ],
          environment: "node",
          // Some unit tests compile every bundled descriptor or start the CLI; vitest's 5 s
          // default fails them on a loaded machine though nothing is wrong.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/env/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
