import { defineConfig } from 'vitest/config';

const relay = process.env.KAFKY_RELAY_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  // The worker is an ES module: it shares imports with the tabs' code.
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: {
    // In development Vite serves the site and hands the API and the socket to the relay.
    proxy: {
      '/api': relay,
      '/sync': { target: relay.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    include: ['shared/**/*.test.ts', 'client/**/*.test.ts', 'relay/**/*.test.ts'],
  },
});
