// First: the worker starts while the rest of the app's modules are evaluated.
import { connection, onWorkerError } from './tab/worker-start.ts';
import { startNotifications } from './tab/notifications.ts';
import { signingUnsupported } from './tab/signing-support.ts';
import { messageHref } from './ui/routes.ts';
import './ui/kafky-app.ts';

const app = document.querySelector('kafky-app');
if (app && connection) {
  // The Ed25519 message below says more than the worker's failure it causes: keep it.
  onWorkerError((message) => (app.fatal ??= message));
  app.connection = connection;
  // The worker refuses to start without Ed25519; say why here, in words. Making a key
  // holds the main thread for milliseconds: not before the room is on screen.
  const checkSigning = (): void => {
    signingUnsupported()
      .then((message) => {
        if (message) app.fatal = message;
      })
      .catch((error: unknown) => console.warn('kafky: could not check for Ed25519', error));
  };
  if ('requestIdleCallback' in window) requestIdleCallback(checkSigning, { timeout: 1000 });
  else setTimeout(checkSigning, 200);
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
