// ESLint for the front end's modules: the recommended rules only (what catches real bugs:
// undefined names, unreachable code, duplicate keys, ...), in browsers, as ES modules.
// Style is left to the code's own habits; `make test` runs it (npx eslint).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["app/static/vendor/", "tests/vendor/", "node_modules/", ".venv/", "test-artifacts/"] },
  js.configs.recommended,
  {
    // `const { position, ...shown } = item` is how a key is left out of a copy.
    rules: { "no-unused-vars": ["error", { ignoreRestSiblings: true }] },
  },
  {
    files: ["app/static/js/**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: globals.browser },
  },
  {
    // The unit tests run in Node, in jsdom's DOM (vitest.config.js); the configurations in Node.
    files: ["tests/js/**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: globals.browser },
  },
  {
    // Scripts the browser tests run in the page (Playwright's evaluate).
    files: ["tests/e2e/**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "script", globals: globals.browser },
  },
  {
    files: ["*.config.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: globals.node },
  },
];
