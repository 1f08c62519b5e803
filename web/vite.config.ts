// The playground's build (`npm run web`: web/dist) and its server (`npm run web:serve`).
import { resolve } from "node:path";
import { defineConfig } from "vite";

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000,
    rollupOptions: { input: { main: resolve(here, "index.html"), bench: resolve(here, "bench.html") } },
  },
  worker: { format: "es" },
  // The bundled guests live in ../guests.
  server: { fs: { allow: [resolve(here, "..")] } },
  preview: { host: "127.0.0.1", port: 4173, strictPort: false },
});
