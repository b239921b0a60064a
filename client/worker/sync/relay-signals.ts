import { parseRelayFrame, type RelayMessage } from '../../../shared/index.ts';
import type { SyncOptions } from './sync-options.ts';

/** Frames that say something about the connection or a room, and touch no store. */
export type RelaySignal = Extract<
  RelayMessage,
  { type: 'caught-up' | 'typing' | 'presence' | 'presence-change' | 'error' }
>;

export interface SignalTargets extends Pick<SyncOptions, 'activity' | 'relayHeads'> {
  log: Pick<Console, 'warn'>;
  /** The relay stored nothing past its rate limit: push it all again after `ms`. */
  rateLimited(ms: number): void;
}

/**
 * Applies a signal. `current` says whether it came on the socket in use: one still queued
 * from a socket that has dropped since says nothing about now.
 */
export function applySignal(message: RelaySignal, current: boolean, to: SignalTargets): void {
  switch (message.type) {
    case 'caught-up':
      to.relayHeads?.caughtUp(message.room, message.head);
      to.activity?.denied(message.room, null);
      return;
    case 'typing':
      if (current) to.activity?.typing(message.room, message.author, message.ttl);
      return;
    case 'presence':
      if (current) to.activity?.presence(message.room, message.online);
      return;
    case 'presence-change':
      if (current) to.activity?.presenceChange(message.room, message.joined, message.left);
      return;
    case 'error':
      to.log.warn(`kafky: relay error ${message.code}: ${message.message}`);
      if (message.code === 'room_denied' && message.room && current) {
        to.activity?.denied(message.room, message.message);
      }
      if (message.code === 'rate_limited' && current) to.rateLimited(message.retryAfterMs ?? 1000);
      return;
  }
}

/** A frame from the relay, or null (and a warning) when this client cannot read it. */
export function readFrame(text: string, log: Pick<Console, 'warn'>): RelayMessage | null {
  const parsed = parseRelayFrame(text);
  if (parsed.ok) return parsed.value;
  log.warn(
    `kafky: the relay sent a frame this client cannot read (${parsed.error.code})`,
    parsed.error.message,
  );
  return null;
}
