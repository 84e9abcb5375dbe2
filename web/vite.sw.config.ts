import { defineConfig } from "vite";

// The service worker is built apart from the app, as one classic script at
// the site root (/sw.js): a worker's scope is its own folder and below, and
// a classic script needs no module support in the browser. Runs after the
// app's build, into the same folder.
export default defineConfig({
  build: {
    outDir: "dist/app",
    emptyOutDir: false,
    copyPublicDir: false,
    lib: {
      entry: "src/sw/sw.ts",
      formats: ["iife"],
      name: "parleySW",
      fileName: () => "sw.js",
    },
  },
});
