import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';

const OIN_A = '00000001001234567000';
const OIN_B = '00000001009876543000';

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(async () => {
  await store.close();
});

describe('gemeente registry', () => {
  it('inserts, reads back and lists gemeenten with endpoints', async () => {
    const g = await store.upsertGemeente({
      code: '0363',
      naam: 'Amsterdam',
      oin: OIN_A,
      methode: 'webservice',
      deadlineMs: 4000,
      endpoints: [
        { dienst: 'reintegratie', url: 'https://a.example/re', versie: 'v0200' },
        { dienst: 'bijstandsregelingen', url: 'https://a.example/bs', versie: 'v0500' },
      ],
    });
    expect(g).toMatchObject({
      code: '0363',
      naam: 'Amsterdam',
      oin: OIN_A,
      methode: 'webservice',
      deadlineMs: 4000,
    });
    expect(g.endpoints).toEqual([
      { dienst: 'bijstandsregelingen', url: 'https://a.example/bs', versie: 'v0500' },
      { dienst: 'reintegratie', url: 'https://a.example/re', versie: 'v0200' },
    ]);
    expect(Date.parse(g.createdAt)).not.toBeNaN();
    expect(g.createdAt).toMatch(/Z$/);
    expect(await store.getGemeente('0363')).toEqual(g);

    await store.upsertGemeente({ code: '0014', naam: 'Groningen', oin: OIN_B, methode: 'batch' });
    const list = await store.listGemeenten();
    expect(list.map((x) => x.code)).toEqual(['0014', '0363']);
    expect(list[0]).toMatchObject({ deadlineMs: null, endpoints: [] });
    expect(await store.getGemeente('9999')).toBeUndefined();
  });

  it('updates keep endpoints and deadline unless given, and keep createdAt', async () => {
    const first = await store.upsertGemeente({
      code: '0363',
      naam: 'Amsterdam',
      oin: OIN_A,
      methode: 'webservice',
      deadlineMs: 4000,
      endpoints: [{ dienst: 'bijstandsregelingen', url: 'https://a.example/bs', versie: 'v0500' }],
    });
    await new Promise((r) => setTimeout(r, 5));
    const renamed = await store.upsertGemeente({
      code: '0363',
      naam: 'Gemeente Amsterdam',
      oin: OIN_A,
      methode: 'combinatie',
    });
    expect(renamed.naam).toBe('Gemeente Amsterdam');
    expect(renamed.methode).toBe('combinatie');
    expect(renamed.endpoints).toEqual(first.endpoints);
    expect(renamed.deadlineMs).toBe(4000);
    expect(renamed.createdAt).toBe(first.createdAt);
    expect(renamed.updatedAt > first.updatedAt).toBe(true);

    const replaced = await store.upsertGemeente({
      code: '0363',
      naam: 'Gemeente Amsterdam',
      oin: OIN_A,
      methode: 'combinatie',
      deadlineMs: null,
      endpoints: [{ dienst: 'reintegratie', url: 'https://b.example/re', versie: 'v0200' }],
    });
    expect(replaced.deadlineMs).toBeNull();
    expect(replaced.endpoints).toEqual([
      { dienst: 'reintegratie', url: 'https://b.example/re', versie: 'v0200' },
    ]);

    const cleared = await store.upsertGemeente({ ...replaced, endpoints: [] });
    expect(cleared.endpoints).toEqual([]);
  });

  it('finds a gemeente by OIN and removes gemeenten with their endpoints', async () => {
    await store.upsertGemeente({
      code: '0363',
      naam: 'Amsterdam',
      oin: OIN_A,
      methode: 'webservice',
      endpoints: [{ dienst: 'bijstandsregelingen', url: 'https://a.example/bs', versie: 'v0500' }],
    });
    expect((await store.getGemeenteByOin(OIN_A))?.code).toBe('0363');
    expect(await store.getGemeenteByOin(OIN_B)).toBeUndefined();

    expect(await store.removeGemeente('0363')).toBe(true);
    expect(await store.removeGemeente('0363')).toBe(false);
    expect(await store.getGemeente('0363')).toBeUndefined();
    // The endpoints went with it (a re-registered gemeente starts without any).
    const again = await store.upsertGemeente({
      code: '0363',
      naam: 'Amsterdam',
      oin: OIN_A,
      methode: 'batch',
    });
    expect(again.endpoints).toEqual([]);
  });

  it('refuses a missing required value (not-null) without changing anything', async () => {
    await expect(
      store.upsertGemeente({ code: '0363', naam: null as unknown as string, oin: OIN_A, methode: 'batch' }),
    ).rejects.toThrow(/upsertGemeente failed/);
    expect(await store.listGemeenten()).toEqual([]);
  });
});

describe('afnemers (chain-partner authorizations)', () => {
  it('stores, replaces and removes authorizations', async () => {
    const a = await store.upsertAfnemer({
      oin: OIN_B,
      naam: 'UWV',
      diensten: [
        { dienst: 'verwijsindex', versies: [] },
        { dienst: 'bijstandsregelingen', versies: ['v0500', 'v0400'] },
      ],
    });
    expect(a.diensten).toEqual([
      { dienst: 'bijstandsregelingen', versies: ['v0500', 'v0400'] },
      { dienst: 'verwijsindex', versies: [] },
    ]);
    expect(await store.getAfnemer(OIN_B)).toEqual(a);

    const b = await store.upsertAfnemer({
      oin: OIN_B,
      naam: 'UWV',
      diensten: [{ dienst: 'reintegratie', versies: ['v0200'] }],
    });
    expect(b.diensten).toEqual([{ dienst: 'reintegratie', versies: ['v0200'] }]);
    expect(b.createdAt).toBe(a.createdAt);

    await store.upsertAfnemer({ oin: OIN_A, naam: 'SVB', diensten: [] });
    expect((await store.listAfnemers()).map((x) => [x.oin, x.diensten.length])).toEqual([
      [OIN_A, 0],
      [OIN_B, 1],
    ]);

    expect(await store.removeAfnemer(OIN_B)).toBe(true);
    expect(await store.removeAfnemer(OIN_B)).toBe(false);
    expect(await store.getAfnemer(OIN_B)).toBeUndefined();
    const back = await store.upsertAfnemer({ oin: OIN_B, naam: 'UWV', diensten: [] });
    expect(back.diensten).toEqual([]);
  });
});

describe('leveringen', () => {
  it('creates with defaults, updates partially and lists newest first', async () => {
    const l = await store.createLevering({
      gemeente: '0363',
      soort: 'volledig',
      bestandHash: 'a'.repeat(64),
    });
    expect(l).toMatchObject({
      gemeente: '0363',
      soort: 'volledig',
      bestandHash: 'a'.repeat(64),
      bestandsnaam: null,
      formaatVersie: null,
      aangemaakt: null,
      status: 'ontvangen',
      samenvatting: null,
      rapport: null,
      generatieId: null,
    });
    expect(typeof l.id).toBe('number');
    expect(await store.getLevering(l.id)).toEqual(l);

    const u = await store.updateLevering(l.id, {
      status: 'verwerken',
      samenvatting: '{"n":1}',
      generatieId: 7,
    });
    expect(u).toMatchObject({ status: 'verwerken', samenvatting: '{"n":1}', generatieId: 7, rapport: null });
    expect(u.ontvangen).toBe(l.ontvangen);
    const u2 = await store.updateLevering(l.id, { rapport: '{}' });
    expect(u2).toMatchObject({ status: 'verwerken', samenvatting: '{"n":1}', rapport: '{}', generatieId: 7 });
    const u3 = await store.updateLevering(l.id, { generatieId: null, samenvatting: null });
    expect(u3).toMatchObject({ generatieId: null, samenvatting: null, rapport: '{}' });

    await expect(store.updateLevering(l.id + 1000, { status: 'mislukt' })).rejects.toThrow(/no levering/);
    expect(await store.getLevering(l.id + 1000)).toBeUndefined();

    const m = await store.createLevering({
      gemeente: '0014',
      soort: 'mutatie',
      bestandHash: 'b'.repeat(64),
      bestandsnaam: 'x.xml',
      formaatVersie: 'v0100',
      aangemaakt: '2024-01-01T00:00:00.000Z',
      status: 'geweigerd',
    });
    expect(m).toMatchObject({ bestandsnaam: 'x.xml', formaatVersie: 'v0100', status: 'geweigerd' });
    expect((await store.listLeveringen()).map((x) => x.id)).toEqual([m.id, l.id]);
    expect((await store.listLeveringen('0363')).map((x) => x.id)).toEqual([l.id]);
    expect((await store.listLeveringen(undefined, 1)).map((x) => x.id)).toEqual([m.id]);
  });

  it('finds the newest loaded delivery with a hash', async () => {
    const hash = 'c'.repeat(64);
    expect(await store.findGeladenLevering('0363', hash)).toBeUndefined();
    const a = await store.createLevering({
      gemeente: '0363',
      soort: 'volledig',
      bestandHash: hash,
      status: 'geladen',
    });
    const b = await store.createLevering({ gemeente: '0363', soort: 'volledig', bestandHash: hash });
    await store.createLevering({ gemeente: '0014', soort: 'volledig', bestandHash: hash, status: 'geladen' });
    expect((await store.findGeladenLevering('0363', hash))?.id).toBe(a.id);
    await store.updateLevering(b.id, { status: 'geladen' });
    expect((await store.findGeladenLevering('0363', hash))?.id).toBe(b.id);
    expect(await store.findGeladenLevering('0363', 'd'.repeat(64))).toBeUndefined();
  });
});
