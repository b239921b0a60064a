/**
 * Whether this browser can make Ed25519 keys, without which Kafky will not run: it signs
 * every event and never sends one unsigned. Answers the message to show, or null.
 */
export async function signingUnsupported(): Promise<string | null> {
  try {
    await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    return null;
  } catch {
    return 'This browser cannot make Ed25519 keys (Web Crypto), which Kafky needs to sign what you write. Use a current Chrome, Edge, Firefox or Safari.';
  }
}
