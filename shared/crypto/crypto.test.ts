import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newEventId, type RoomId } from '../ids.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { canonicalJson } from './canonical.ts';
import {
  identityFromSecret,
  isRoomSecret,
  joinProof,
  newRoomSecret,
  parseRoomToken,
  roomKey,
  roomToken,
} from './room-keys.ts';
import {
  PROOF_TEXTS,
  eventSigningInput,
  generateIdentity,
  isKeyAuthor,
  signEvent,
  verifyEvent,
  verifyText,
} from './signing.ts';

describe('base64url', () => {
  it('agrees with Node for every length, both ways', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 255);
      const text = Buffer.from(bytes).toString('base64url');
      expect(toBase64url(bytes)).toBe(text);
      expect(fromBase64url(text)).toEqual(bytes);
    }
  });

  it('refuses what is not base64url, and second spellings of the same bytes', () => {
    expect(fromBase64url('ab+/')).toBeNull();
    expect(fromBase64url('abcde')).toBeNull();
    // "AB" and "AA" both fit one byte, but only "AA" has its spare bits zero.
    expect(fromBase64url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64url('AB')).toBeNull();
  });
});

describe('canonicalJson', () => {
  it('writes the same bytes whatever the order of the fields', () => {
    const a = { b: [1, { y: 'é', x: null }], a: true, c: 'x"y' };
    const b = { c: 'x"y', a: true, b: [1, { x: null, y: 'é' }] };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":true,"b":[1,{"x":null,"y":"é"}],"c":"x\\"y"}');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});

function draft(author: string, text = 'hi') {
  return {
    id: newEventId(),
    type: 'message.sent',
    v: 2,
    room: 'lobby',
    author,
    ts: 1_764_165_600_000,
    payload: { text, mentions: [] as string[] },
  };
}

describe('signed events', () => {
  it('derive the author id from the public key and verify', async () => {
    const { keys, author } = await generateIdentity();
    expect(isKeyAuthor(author)).toBe(true);
    expect(keys.privateKey.extractable).toBe(false);
    const signed = await signEvent(draft(author), keys.privateKey);
    expect(await verifyEvent(signed)).toEqual({ ok: true });
    // What a store or the relay adds is not covered.
    expect(await verifyEvent({ ...signed, seq: 4, rts: 5 } as typeof signed)).toEqual({ ok: true });
    // Field order is not part of the signature.
    const { payload: _payload, ...rest } = signed;
    expect(await verifyEvent({ payload: { mentions: [], text: 'hi' }, ...rest })).toEqual({
      ok: true,
    });
  });

  it('fail when anything covered changes', async () => {
    const { keys, author } = await generateIdentity();
    const other = await generateIdentity();
    const signed = await signEvent(draft(author), keys.privateKey);
    const tampered = [
      { ...signed, payload: { text: 'ho', mentions: [] } },
      { ...signed, room: 'elsewhere' },
      { ...signed, ts: signed.ts + 1 },
      { ...signed, type: 'message.edited' },
      { ...signed, v: 1 },
      { ...signed, id: newEventId() },
      { ...signed, author: other.author },
    ];
    for (const event of tampered) expect((await verifyEvent(event)).ok).toBe(false);
    expect(await verifyEvent({ ...signed, sig: undefined })).toEqual({
      ok: false,
      reason: 'the event is not signed',
    });
    expect(await verifyEvent({ ...signed, author: 'p8Zk2xQm7RtYlegacy01' })).toMatchObject({
      ok: false,
      reason: 'its author id is not a public key',
    });
    expect(await verifyEvent({ ...signed, sig: 'x' })).toMatchObject({ ok: false });
  });

  it('cover the payload by its hash, so a body could be stripped later', async () => {
    const event = draft('a'.repeat(43), 'x'.repeat(3000));
    const input = new TextDecoder().decode(await eventSigningInput(event));
    expect(input).not.toContain('xxx');
    expect(input).toMatch(/^kafky-event\/1\n\{"author":.*"payload":"[A-Za-z0-9_-]{43}"/);
  });

  it('verify with Node’s own Ed25519 as well (what the relay uses)', async () => {
    const { keys, author } = await generateIdentity();
    const signed = await signEvent(draft(author), keys.privateKey);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: author }, format: 'jwk' });
    const input = await eventSigningInput(signed);
    expect(nodeVerify(null, input, key, Buffer.from(signed.sig, 'base64url'))).toBe(true);
  });
});

describe('room keys', () => {
  const room = 'r0om' as RoomId;

  it('derive one public key per secret, and prove it against a challenge', async () => {
    const secret = newRoomSecret();
    expect(isRoomSecret(secret)).toBe(true);
    const { publicKey } = await roomKey(secret);
    expect((await roomKey(secret)).publicKey).toBe(publicKey);
    expect((await roomKey(newRoomSecret())).publicKey).not.toBe(publicKey);
    const proof = await joinProof(secret, 'challenge-1', room);
    expect(await verifyText(publicKey, PROOF_TEXTS.join('challenge-1', room), proof)).toBe(true);
    expect(await verifyText(publicKey, PROOF_TEXTS.join('challenge-2', room), proof)).toBe(false);
    expect(
      await verifyText(publicKey, PROOF_TEXTS.join('challenge-1', 'r1' as RoomId), proof),
    ).toBe(false);
  });

  it('make tokens that name their expiry and verify for their room only', async () => {
    const secret = newRoomSecret();
    const { publicKey } = await roomKey(secret);
    const token = await roomToken(secret, room, 1_800_000_000_000);
    const parsed = parseRoomToken(token)!;
    expect(parsed.expires).toBe(1_800_000_000_000);
    expect(
      await verifyText(publicKey, PROOF_TEXTS.token(room, parsed.expires), parsed.signature),
    ).toBe(true);
    expect(
      await verifyText(publicKey, PROOF_TEXTS.token(room, parsed.expires + 1), parsed.signature),
    ).toBe(false);
    expect(parseRoomToken('nope')).toBeNull();
  });

  it('refuses a secret that is not 32 bytes', async () => {
    await expect(roomKey('short')).rejects.toThrow(/32 bytes/);
    expect(isRoomSecret('A'.repeat(42))).toBe(false);
  });

  it('serve as identities too: a bot signs with the key its secret makes', async () => {
    const secret = newRoomSecret();
    const bot = await identityFromSecret(secret);
    expect(isKeyAuthor(bot.author)).toBe(true);
    expect(await verifyEvent(await signEvent(draft(bot.author), bot.privateKey))).toEqual({
      ok: true,
    });
  });
});
