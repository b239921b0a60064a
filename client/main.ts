import { connectToWorker } from './tab/worker-connection.ts';
import './ui/kafky-app.ts';

const app = document.querySelector('kafky-app');
if (app) {
  app.connection = connectToWorker((message) => (app.fatal = message));
}

// The service worker (built by vite-plugin-pwa) keeps the app shell for offline use.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/sw.js')
    .catch((error: unknown) => console.warn('kafky: no offline app shell', error));
}
