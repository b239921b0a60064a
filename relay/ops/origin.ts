/**
 * Which pages may open a sync socket. Browsers always send `Origin` with a WebSocket
 * handshake, and a page cannot forge it; tools (bots, the CLI, tests) send none. So a
 * socket without `Origin` is let in: it cannot be a page of another site riding on a
 * visitor's browser, which is what this check stops.
 *
 * `allowed` empty means the relay's own origin only: the page's origin names the same
 * host and port as the request's `Host` header. `*` lets every origin in.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined || origin === '') return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  if (allowed.length > 0) return false;
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** Checks a configured list of origins; throws naming the first one that is not one. */
export function parseOrigins(text: string): string[] {
  const origins = text
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new Error(`"${origin}" is not an origin like https://chat.example.org`);
    }
  }
  return origins;
}
