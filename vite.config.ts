// Builds the web dashboard (src/web) into dist/web, which the control plane serves at `/`.
// `vite` (dev) and `vite preview` proxy /api to the control plane named by SLUICE_API_URL.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const controlPlane = process.env.SLUICE_API_URL ?? 'http://127.0.0.1:4600';
const proxy = { '/api': { target: controlPlane, changeOrigin: true } };

export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The whole app is a few hundred kB before compression: one chunk loads faster than a waterfall.
    chunkSizeWarningLimit: 400,
  },
  server: { proxy },
  preview: { proxy },
});
