import { describe, expect, it } from 'vitest';
import { newEventId } from '../ids.ts';
import { EVENT_REGISTRY, checkEvent } from '../validation.ts';
import type { MessageSentV1 } from './message-sent.ts';
import { sampleEvent } from './sample-event.ts';
import { UPCASTERS, messageSentV1toV2 } from './upcasters.ts';

const v1 = (payload: MessageSentV1['payload']) =>
  sampleEvent('message.sent', payload) as MessageSentV1;

describe('messageSentV1toV2', () => {
  it('keeps the envelope, the text and the reply, and mentions no one', () => {
    const replyTo = newEventId();
    const old = v1({ text: 'hi @Bob', replyTo });
    const upcast = messageSentV1toV2(old);
    expect(upcast).toEqual({ ...old, v: 2, payload: { text: 'hi @Bob', replyTo, mentions: [] } });
    expect(checkEvent(upcast).ok).toBe(true);
  });

  it('adds no reply where there was none, and leaves its input as it was', () => {
    const old = v1({ text: 'plain' });
    const copy = structuredClone(old);
    expect(messageSentV1toV2(old).payload).toEqual({ text: 'plain', mentions: [] });
    expect(old).toEqual(copy);
  });
});

describe('UPCASTERS', () => {
  it('turns a valid event of each step into a valid event of the next version', () => {
    // One sample per step; a new step without one fails here.
    const samples: Record<string, unknown> = { 'message.sent/v1': v1({ text: 'x' }) };
    for (const step of UPCASTERS) {
      const sample = samples[`${step.type}/v${step.from}`];
      expect(sample, `a sample for ${step.type} v${step.from}`).toBeDefined();
      expect(checkEvent(sample).ok).toBe(true);
      const next = step.up(sample as never);
      expect(next.v).toBe(step.from + 1);
      expect(checkEvent(next).ok).toBe(true);
      expect(EVENT_REGISTRY.knows(next)).toBe(true);
    }
  });
});
