import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, protocolHash } from '../../src/store/protocol.js';
import type { ProtocolEntry, Store } from '../../src/store/types.js';
import { createTestLocation, ensureDistStore, openTestStore, spawnStoreChild } from '../helpers/store.js';

async function wholeChain(store: Store): Promise<ProtocolEntry[]> {
  const out: ProtocolEntry[] = [];
  for (;;) {
    const page = await store.protocolPage(out.length === 0 ? 0 : out[out.length - 1]!.volgnr, 100);
    out.push(...page);
    if (page.length < 100) return out;
  }
}

/** Asserts volgnr 1..n without gaps and a chain in which every hash verifies. */
function expectUnbrokenChain(entries: ProtocolEntry[]): void {
  let previous = GENESIS_HASH;
  entries.forEach((e, i) => {
    expect(e.volgnr).toBe(i + 1);
    expect(e.vorigeHash).toBe(previous);
    expect(e.hash).toBe(protocolHash(e));
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    previous = e.hash;
  });
}

describe('protocolHash', () => {
  it('is sha256 over the fields joined by newlines', async () => {
    const { createHash } = await import('node:crypto');
    const e = {
      vorigeHash: GENESIS_HASH,
      volgnr: 1,
      tijd: '2024-05-01T10:00:00.000Z',
      bsnSleutel: null,
      inhoud: '{}',
    };
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}\n1\n2024-05-01T10:00:00.000Z\n\n{}`)
      .digest('hex');
    expect(protocolHash(e)).toBe(expected);
    expect(protocolHash({ ...e, bsnSleutel: 'k' })).not.toBe(expected);
    expect(protocolHash({ ...e, volgnr: 2 })).not.toBe(expected);
  });
});

describe('appendProtocol', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('chains entries, finds them by BSN key and pages through them', async () => {
    expect(await store.protocolPage(0, 10)).toEqual([]);
    const first = await store.appendProtocol({
      tijd: '2024-05-01T10:00:00.000Z',
      bsnSleutel: 'key-a',
      inhoud: '{"i":1}',
    });
    expect(first).toEqual({
      tijd: '2024-05-01T10:00:00.000Z',
      bsnSleutel: 'key-a',
      inhoud: '{"i":1}',
      volgnr: 1,
      vorigeHash: GENESIS_HASH,
      hash: protocolHash({ ...first }),
    });
    const second = await store.appendProtocol({
      tijd: '2024-05-01T10:00:01.000Z',
      bsnSleutel: null,
      inhoud: '{"i":2}',
    });
    expect(second).toMatchObject({ volgnr: 2, vorigeHash: first.hash });
    await store.appendProtocol({ tijd: '2024-05-01T10:00:02.000Z', bsnSleutel: 'key-a', inhoud: '{"i":3}' });

    expect((await store.protocolByBsn('key-a')).map((e) => e.volgnr)).toEqual([1, 3]);
    expect(await store.protocolByBsn('key-b')).toEqual([]);
    expect((await store.protocolPage(1, 1)).map((e) => e.volgnr)).toEqual([2]);
    expect((await store.protocolPage(0, 10))[0]).toEqual(first);
    expectUnbrokenChain(await wholeChain(store));
  });

  it('makes one unbroken chain from many concurrent appends', async () => {
    const before = (await wholeChain(store)).length;
    const n = 200;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.appendProtocol({
          tijd: new Date().toISOString(),
          bsnSleutel: `key-${i % 7}`,
          inhoud: JSON.stringify({ i }),
        }),
      ),
    );
    expect(new Set(results.map((r) => r.volgnr)).size).toBe(n);
    const chain = await wholeChain(store);
    expect(chain.length).toBe(before + n);
    expectUnbrokenChain(chain);
    expect((await store.protocolByBsn('key-3')).length).toBe(results.filter((_, i) => i % 7 === 3).length);
  });
});

describe('two processes appending to one database', () => {
  const location = createTestLocation();
  beforeAll(() => {
    ensureDistStore();
  }, 120_000);
  afterAll(async () => {
    await location.dispose();
  });

  it('still make one unbroken chain', async () => {
    const store = await location.open();
    try {
      const n = 200;
      // Both start at one wall-clock moment, after the child has opened its store.
      const startAt = Date.now() + 2000;
      const child = spawnStoreChild(
        `
const store = await openStore(options);
send({ ready: true });
await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - Date.now())));
await Promise.all(Array.from({ length: 10 }, async (_, w) => {
  for (let i = 0; i < ${n / 10}; i++) {
    await store.appendProtocol({ tijd: new Date().toISOString(), bsnSleutel: 'child', inhoud: JSON.stringify({ w, i }) });
    await new Promise((r) => setTimeout(r, 1));
  }
}));
await store.close();
send({ done: true });
`,
        location.options,
      );
      await child.waitFor((m) => m.ready === true);
      await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
      // Like request handlers: ten at a time, each with a pause between its appends.
      await Promise.all(
        Array.from({ length: 10 }, async (_, w) => {
          for (let i = 0; i < n / 10; i++) {
            await store.appendProtocol({
              tijd: new Date().toISOString(),
              bsnSleutel: 'parent',
              inhoud: JSON.stringify({ w, i }),
            });
            await new Promise((r) => setTimeout(r, 1));
          }
        }),
      );
      await child.waitFor((m) => m.done === true);
      expect((await child.exited).code).toBe(0);

      const chain = await wholeChain(store);
      expect(chain.length).toBe(2 * n);
      expectUnbrokenChain(chain);
      expect((await store.protocolByBsn('child')).length).toBe(n);
      expect((await store.protocolByBsn('parent')).length).toBe(n);
      // The appends did overlap: the chain switches between the writers more than once.
      let switches = 0;
      for (let i = 1; i < chain.length; i++)
        if (chain[i]!.bsnSleutel !== chain[i - 1]!.bsnSleutel) switches++;
      expect(switches).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  }, 120_000);
});
