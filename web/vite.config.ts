import { defineConfig } from "vite";

// The board is served by lockstepd from web/dist (GET / -> index.html, /assets/* by path), under a
// CSP that allows only same-origin scripts: Vite's output is one external module script and one
// stylesheet, nothing inline. `npm run dev` proxies the API to a local lockstepd.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/v1": { target: process.env.LOCKSTEP_URL ?? "http://127.0.0.1:8080", changeOrigin: false } },
  },
});
