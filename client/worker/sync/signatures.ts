import { verifyEvent, type SequencedEvent } from '../../../shared/index.ts';
import type { RefusedEvent } from '../event-store.ts';

/**
 * Splits events from the relay into those whose author's signature holds and those it
 * does not: forged, tampered with on the way, or never signed. The relay cannot sign for
 * anyone, so this is what keeps it from putting words in someone's mouth.
 */
export async function checkSignatures(
  events: readonly SequencedEvent[],
): Promise<{ valid: SequencedEvent[]; refused: RefusedEvent[] }> {
  const checks = await Promise.all(events.map((event) => verifyEvent(event)));
  const valid: SequencedEvent[] = [];
  const refused: RefusedEvent[] = [];
  events.forEach((event, i) => {
    const check = checks[i]!;
    if (check.ok) valid.push(event);
    else refused.push({ event, reason: check.reason });
  });
  return { valid, refused };
}
