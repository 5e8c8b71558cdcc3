/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// API base is always the relative path /api: behind CloudFront the /api/* behaviour routes to the
// ALB, in local preview the dev server proxies it to a backend on 127.0.0.1:8080.
const apiTarget = process.env.API_PROXY_TARGET ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    // Everything content-hashed goes under dist/assets/ (cached forever); index.html stays at the root
    // (no-cache). See README.md "Caching rule".
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    manifest: 'manifest.json',
    modulePreload: { polyfill: false },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // The default 5 s is exceeded on a shared 2-core CI machine at load 30-40 (a jsdom render of
    // a page took 5-6 s in the deploy gate); a hung test still fails, after 30 s.
    testTimeout: 30_000,
    // Let CSS through (the contrast test reads styles.css?raw); components import no CSS themselves.
    css: true,
  },
});
