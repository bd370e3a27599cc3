// One HTML entry per route: FastAPI's StaticFiles(html=True) serves dist/decode/index.html at
// /decode/ (and redirects /decode there), so the backend needs no page routes of its own.
import { resolve } from "node:path";
import { defineConfig } from "vite";

const page = (name: string) => resolve(import.meta.dirname, name, "index.html");

export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The viewer (three.js) and MapLibre are big; each page loads only its own.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: {
        landing: resolve(import.meta.dirname, "index.html"),
        decode: page("decode"),
        map: page("map"),
        coordinator: page("coordinator"),
        review: page("review"),
      },
    },
  },
  server: {
    // `npm run dev` beside `decoders serve` on :8000.
    proxy: { "/api": "http://127.0.0.1:8000", "/media": "http://127.0.0.1:8000", "/tiles": "http://127.0.0.1:8000" },
  },
});
