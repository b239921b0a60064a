import { connectToWorker } from './tab/worker-connection.ts';
import './ui/kafky-app.ts';

const app = document.querySelector('kafky-app');
if (app) {
  if (typeof SharedWorker === 'undefined') {
    app.fatal = 'This browser has no SharedWorker, which this version of Kafky needs.';
  } else {
    app.connection = connectToWorker((message) => (app.fatal = message));
  }
}
