import { startNotifications } from './tab/notifications.ts';
import { signingUnsupported } from './tab/signing-support.ts';
import { connectToWorker } from './tab/worker-connection.ts';
import { messageHref } from './ui/routes.ts';
import './ui/kafky-app.ts';

const app = document.querySelector('kafky-app');
if (app) {
  // The worker refuses to start without Ed25519; say why here, in words.
  signingUnsupported()
    .then((message) => {
      if (message) app.fatal = message;
    })
    .catch((error: unknown) => console.warn('kafky: could not check for Ed25519', error));
  // The Ed25519 message above says more than the worker's failure it causes: keep it.
  const connection = connectToWorker((message) => (app.fatal ??= message));
  app.connection = connection;
  startNotifications(connection.api, {
    currentRoom: () => app.room,
    open: (room, message) => (location.hash = messageHref(room, message)),
  }).catch((error: unknown) => console.warn('kafky: no notifications', error));
}

// The service worker (built by vite-plugin-pwa) keeps the app shell for offline use.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/sw.js')
    .catch((error: unknown) => console.warn('kafky: no offline app shell', error));
}
