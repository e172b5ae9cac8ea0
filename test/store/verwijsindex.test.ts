import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DossierRow, Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';

const BSN_1 = '111222333';
const BSN_2 = '123456782';
const BSN_3 = '999999990';

function dossier(bsn: string, clusters: string[]): DossierRow {
  return { bsn, clusters, data: JSON.stringify({ bsn, clusters }) };
}

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(async () => {
  await store.close();
});

describe('aanmelden', () => {
  it('adds, reports an existing entry, withdraws and reports an unknown withdrawal', async () => {
    expect(await store.aanmelden(BSN_1, '0363', '01', true)).toEqual({ effect: 'toegevoegd' });
    const first = await store.verwijzingen(BSN_1);
    expect(first).toEqual([
      { gemeente: '0363', cluster: '01', bron: 'aanmelding', sinds: expect.any(String) },
    ]);

    await new Promise((r) => setTimeout(r, 5));
    expect(await store.aanmelden(BSN_1, '0363', '01', true)).toEqual({ effect: 'bestond' });
    // The original registration time stays.
    expect(await store.verwijzingen(BSN_1)).toEqual(first);

    expect(await store.aanmelden(BSN_1, '0363', '02', true)).toEqual({ effect: 'toegevoegd' });
    expect(await store.aanmelden(BSN_1, '0014', '01', true)).toEqual({ effect: 'toegevoegd' });
    expect((await store.verwijzingen(BSN_1)).map((v) => `${v.gemeente}/${v.cluster}`)).toEqual([
      '0014/01',
      '0363/01',
      '0363/02',
    ]);

    expect(await store.aanmelden(BSN_1, '0363', '01', false)).toEqual({ effect: 'verwijderd' });
    expect(await store.aanmelden(BSN_1, '0363', '01', false)).toEqual({ effect: 'onbekend' });
    expect(await store.aanmelden(BSN_2, '0363', '01', false)).toEqual({ effect: 'onbekend' });
    expect((await store.verwijzingen(BSN_1)).map((v) => `${v.gemeente}/${v.cluster}`)).toEqual([
      '0014/01',
      '0363/02',
    ]);
    expect(await store.verwijzingen(BSN_2)).toEqual([]);
  });
});

describe('verwijzingen', () => {
  it('is the union of registrations and the active generations of deliveries', async () => {
    await store.aanmelden(BSN_1, '0363', '01', true);
    await store.aanmelden(BSN_2, '0014', '02', true);

    const gen = await store.beginGeneratie('0363', null);
    await store.writeDossiers(gen, [dossier(BSN_1, ['01', '02']), dossier(BSN_3, [])]);
    // Not active yet: only the registration.
    expect((await store.verwijzingen(BSN_1)).map((v) => v.bron)).toEqual(['aanmelding']);

    await store.activateGeneratie(gen);
    const active = await store.activeGeneratie('0363');
    expect(active?.id).toBe(gen);

    const v = await store.verwijzingen(BSN_1);
    expect(v).toEqual([
      { gemeente: '0363', cluster: '01', bron: 'aanmelding', sinds: expect.any(String) },
      { gemeente: '0363', cluster: '01', bron: 'levering', sinds: active?.actiefSinds },
      { gemeente: '0363', cluster: '02', bron: 'levering', sinds: active?.actiefSinds },
    ]);
    // A dossier without clusters yields no verwijzing.
    expect(await store.verwijzingen(BSN_3)).toEqual([]);
    expect(await store.verwijzingen(BSN_2)).toEqual([
      { gemeente: '0014', cluster: '02', bron: 'aanmelding', sinds: expect.any(String) },
    ]);

    // Another gemeente delivers the same person.
    const other = await store.beginGeneratie('0014', null);
    await store.writeDossiers(other, [dossier(BSN_1, ['03'])]);
    await store.activateGeneratie(other);
    expect((await store.verwijzingen(BSN_1)).map((x) => `${x.gemeente}/${x.cluster}/${x.bron}`)).toEqual([
      '0014/03/levering',
      '0363/01/aanmelding',
      '0363/01/levering',
      '0363/02/levering',
    ]);

    expect(await store.verwijsindexTelling()).toEqual([
      { gemeente: '0014', bron: 'aanmelding', aantal: 1 },
      { gemeente: '0014', bron: 'levering', aantal: 1 },
      { gemeente: '0363', bron: 'aanmelding', aantal: 1 },
      { gemeente: '0363', bron: 'levering', aantal: 2 },
    ]);

    // A later generation without the person removes the levering entries, not the registration.
    const next = await store.beginGeneratie('0363', null);
    await store.writeDossiers(next, [dossier(BSN_3, ['01'])]);
    await store.activateGeneratie(next);
    expect((await store.verwijzingen(BSN_1)).map((x) => `${x.gemeente}/${x.cluster}/${x.bron}`)).toEqual([
      '0014/03/levering',
      '0363/01/aanmelding',
    ]);
    expect(await store.verwijsindexTelling()).toContainEqual({
      gemeente: '0363',
      bron: 'levering',
      aantal: 1,
    });
  });

  it('refuses a cluster code that cannot be stored and keeps no BSN in the message', async () => {
    const gen = await store.beginGeneratie('0363', null);
    const err = await store.writeDossiers(gen, [dossier(BSN_1, ['01,02'])]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cluster/);
    expect((err as Error).message).not.toContain(BSN_1);
  });
});
