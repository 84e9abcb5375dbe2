import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The build lands in dist/app, which web/web.go embeds into the Go binary;
// dist/unbuilt (committed) stays, so the Go build never needs this one.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist/app",
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs for scripts; the CSP allows only 'self'
  },
  server: {
    // `npm run dev`: the API and WebSocket of a `make run` server on :8080.
    proxy: { "/api": { target: "http://localhost:8080", ws: true } },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
