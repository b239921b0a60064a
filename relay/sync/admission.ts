import { KafkyError, checkStorable, type AnyEvent, type Checked } from '../../shared/index.ts';

/** The default for `--max-event-bytes`: far above any valid chat event, far below a frame. */
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

/**
 * Whether the relay stores an event, whoever sends it (a browser's push or a bot's POST):
 * its envelope must be valid, its payload too when this relay knows its type and version,
 * and its JSON must fit the relay's size limit. An event of a type or version this relay
 * does not know (a newer client's) is stored and forwarded like any other.
 */
export function admitEvent(event: unknown, maxEventBytes: number): Checked<AnyEvent> {
  const checked = checkStorable(event);
  if (!checked.ok) return checked;
  const bytes = Buffer.byteLength(JSON.stringify(checked.value.event), 'utf8');
  if (bytes > maxEventBytes) {
    return {
      ok: false,
      error: new KafkyError(
        'event_too_large',
        `an event may be at most ${maxEventBytes} bytes of JSON on this relay; this one has ${bytes}`,
      ),
    };
  }
  return { ok: true, value: checked.value.event };
}
