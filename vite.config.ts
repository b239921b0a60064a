import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

const relay = process.env.KAFKY_RELAY_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  // The worker is an ES module: it shares imports with the tabs' code.
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  plugins: [
    VitePWA({
      // The app shell is precached, so Kafky opens and reloads with no network.
      strategies: 'generateSW',
      injectRegister: false,
      manifest: {
        name: 'Kafky',
        short_name: 'Kafky',
        description: 'Local-first group chat that works offline.',
        theme_color: '#2557d6',
        background_color: '#ffffff',
        display: 'standalone',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/sync/],
        cleanupOutdatedCaches: true,
        // A new version waits until every tab of the old one is closed: an open session
        // never has its code swapped under it, and the next visit gets the update.
        skipWaiting: false,
        clientsClaim: false,
      },
    }),
  ],
  server: {
    // In development Vite serves the site and hands the API and the socket to the relay.
    proxy: {
      '/api': relay,
      '/sync': { target: relay.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    include: [
      'shared/**/*.test.ts',
      'client/**/*.test.ts',
      'relay/**/*.test.ts',
      'e2e/**/*.test.ts',
    ],
  },
});
