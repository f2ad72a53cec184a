// Unit tests of the front end's pure modules (tests/js), in a DOM that jsdom provides:
// the modules build their nodes with document.createElement, as in the browser.
import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // No connection in a unit test: live.js's socket.io client is a stub that refuses to connect.
    alias: [
      {
        find: /^.*\/vendor\/socket\.io\/socket\.io\.esm\.min\.js$/,
        replacement: fileURLToPath(new URL("tests/js/no_socket.js", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["tests/js/**/*.test.js"],
    environment: "jsdom",
    // A deterministic stand-in for the canvas that charts.js measures text with.
    setupFiles: ["tests/js/canvas_stub.js"],
  },
});
