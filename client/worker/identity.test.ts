import { describe, expect, it, vi } from 'vitest';
import { isKeyAuthor, signEvent, verifyEvent } from '../../shared/index.ts';
import { loadIdentity } from './identity.ts';
import { freshStore, messageEvent } from './test-helpers.ts';

describe('loadIdentity', () => {
  it('makes a key pair once, keeps it, and names the author by its public key', async () => {
    const { db } = await freshStore();
    const first = await loadIdentity(db);
    expect(isKeyAuthor(first.author)).toBe(true);
    expect(first.privateKey.extractable).toBe(false);
    expect((await db.meta.get('author'))?.value).toBe(first.author);
    const again = await loadIdentity(db);
    expect(again.author).toBe(first.author);
    // The stored key signs as that author.
    const signed = await signEvent(messageEvent('hi', first.author), again.privateKey);
    expect(await verifyEvent(signed)).toEqual({ ok: true });
  });

  it('settles on one identity when two workers make one at once', async () => {
    const { db } = await freshStore();
    const [a, b] = await Promise.all([loadIdentity(db), loadIdentity(db)]);
    expect(a.author).toBe(b.author);
    expect((await loadIdentity(db)).author).toBe(a.author);
  });

  it('refuses to start, saying why, where the browser has no Ed25519', async () => {
    const { db } = await freshStore();
    const generate = vi
      .spyOn(crypto.subtle, 'generateKey')
      .mockRejectedValue(new DOMException('Unrecognized name', 'NotSupportedError'));
    try {
      await expect(loadIdentity(db)).rejects.toMatchObject({ code: 'signing_unsupported' });
      expect(await db.meta.get('identity')).toBeUndefined();
    } finally {
      generate.mockRestore();
    }
  });
});
