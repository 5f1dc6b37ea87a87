// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Forbids imports from `files` into any of the named top-level folders of src/. */
function layer(files, forbidden, message) {
  const group = forbidden.flatMap((dir) => [`**/${dir}/*`, `**/${dir}/**`]);
  return [
    { files: [files], rules: { "no-restricted-imports": ["error", { patterns: [{ group, message }] }] } },
  ];
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/results/**", "coverage/**", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["bin/*.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The complexity budget (see docs/adr/0001): small functions, shallow nesting.
      complexity: ["error", 12],
      "max-depth": ["error", 3],
      "max-params": ["error", 4],
      "max-lines": ["error", { max: 400, skipBlankLines: true, skipComments: true }],
      "@typescript-eslint/explicit-module-boundary-types": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["bin/*.js"],
    languageOptions: { globals: { URL: "readonly", process: "readonly" } },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "max-lines": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  // The layering (docs/design.md, Layout): descriptor <- plugins <- engine <- cli, with kube as
  // infrastructure below all of them. An import against the arrows is an error.
  ...layer(
    "src/kube/**",
    ["engine", "plugins", "cli", "descriptor"],
    "kube is infrastructure: it imports nothing of spe's own layers",
  ),
  ...layer(
    "src/descriptor/**",
    ["engine", "plugins", "cli", "kube"],
    "the descriptor core is pure: no engine, plugin, CLI or Kubernetes client",
  ),
  ...layer("src/plugins/**", ["engine", "cli"], "plugins never import the engine or the CLI"),
  ...layer("src/engine/**", ["cli"], "nothing imports the CLI"),
  {
    // The engine speaks to plugins through their contract (plugins/types.ts) and does not
    // know which plugin is Helm; only runtime wiring constructs the helm plugin.
    files: ["src/engine/**"],
    ignores: ["src/engine/runtime/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/cli/*", "**/cli/**"], message: "nothing imports the CLI" },
            {
              group: [
                "**/plugins/helm/*",
                "**/plugins/helm/**",
                "**/plugins/manifests/*",
                "**/plugins/manifests/**",
                "**/plugins/copy/*",
                "**/plugins/copy/**",
                "**/plugins/token/*",
                "**/plugins/token/**",
              ],
              message:
                "the engine knows plugins only through their contract (plugins/types.ts, plugins/index.ts); runtime/ wires them",
            },
          ],
        },
      ],
    },
  },
  {
    // Only the status writer sends API-object status: every other writer goes through it.
    files: ["src/**/*.ts"],
    ignores: ["src/engine/status/**", "**/*.test.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "TemplateElement[value.raw=/^\\/status(\\?|$)/], Literal[value=/^\\/status(\\?|$)/]",
          message: "only src/engine/status/ writes the status subresource",
        },
      ],
    },
  },
);
