import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import type { DossierRow, Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';

const G = '0363';

/** A 9-digit test BSN for n (not eleven-proof: the store does not validate). */
function bsn(n: number): string {
  return String(100000000 + n);
}

function rows(from: number, to: number, clusters: string[] = ['01'], tag = 'x'): DossierRow[] {
  const out: DossierRow[] = [];
  for (let n = from; n < to; n++) out.push({ bsn: bsn(n), clusters, data: JSON.stringify({ n, tag }) });
  return out;
}

async function allBsns(store: Store, gemeente = G): Promise<string[]> {
  const out: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.listDossiers(gemeente, after, 1000);
    out.push(...page.map((d) => d.bsn));
    if (page.length < 1000) return out;
    after = page[page.length - 1]!.bsn;
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function range(from: number, to: number): string[] {
  return rows(from, to).map((r) => r.bsn);
}

let store: Store;
let ks: KyselyStore;
beforeEach(async () => {
  store = await openTestStore();
  ks = store as KyselyStore;
});
afterEach(async () => {
  await store.close();
});

describe('generation lifecycle', () => {
  it('keeps a generation invisible until activation, then flips and counts the difference', async () => {
    const g1 = await store.beginGeneratie(G, null);
    await store.writeDossiers(g1, rows(0, 60));
    await store.writeDossiers(g1, rows(60, 100));
    expect(await store.activeGeneratie(G)).toBeUndefined();
    expect(await store.getDossiers(bsn(1))).toEqual([]);
    expect(await store.listDossiers(G, null, 10)).toEqual([]);

    const a1 = await store.activateGeneratie(g1);
    expect(a1).toEqual({
      generatieId: g1,
      vorigeGeneratieId: null,
      toegevoegd: 100,
      verwijderd: 0,
      aantal: 100,
    });
    const active1 = await store.activeGeneratie(G);
    expect(active1).toMatchObject({ id: g1, leveringId: null, aantal: 100 });
    expect(await allBsns(store)).toEqual(range(0, 100));

    const lev = await store.createLevering({ gemeente: G, soort: 'volledig', bestandHash: 'f'.repeat(64) });
    const g2 = await store.beginGeneratie(G, lev.id);
    await store.writeDossiers(g2, rows(50, 120, ['02'], 'new'));
    await store.writeDossiers(g2, rows(120, 180, ['02'], 'new'));
    // Readers still see the old set, whole.
    expect(await allBsns(store)).toEqual(range(0, 100));
    expect((await store.getDossiers(bsn(60)))[0]).toMatchObject({ generatieId: g1, clusters: ['01'] });
    expect(await store.getDossiers(bsn(150))).toEqual([]);

    const a2 = await store.activateGeneratie(g2);
    expect(a2).toEqual({
      generatieId: g2,
      vorigeGeneratieId: g1,
      toegevoegd: 80,
      verwijderd: 50,
      aantal: 130,
    });
    expect(await allBsns(store)).toEqual(range(50, 180));
    const d = await store.getDossiers(bsn(60));
    const active2 = await store.activeGeneratie(G);
    expect(active2).toMatchObject({ id: g2, leveringId: lev.id, aantal: 130 });
    expect(d).toEqual([
      {
        bsn: bsn(60),
        clusters: ['02'],
        data: JSON.stringify({ n: 60, tag: 'new' }),
        gemeente: G,
        generatieId: g2,
        leveringId: lev.id,
        actiefSinds: active2?.actiefSinds,
      },
    ]);

    // The old generation is retired; cleanup removes it and its rows, never the active one.
    const before = await ks.listGeneraties(G);
    expect(before.map((x) => [x.id, x.status])).toEqual([
      [g2, 'actief'],
      [g1, 'vervallen'],
    ]);
    expect(await store.cleanup()).toBe(1);
    expect(await ks.countDossierRows(g1)).toBe(0);
    expect(await ks.countDossierRows(g2)).toBe(130);
    expect((await ks.listGeneraties(G)).map((x) => x.id)).toEqual([g2]);
    expect(await store.cleanup()).toBe(0);
    expect(await allBsns(store)).toEqual(range(50, 180));
  });

  it('refuses writes and activation of a generation that is not being built', async () => {
    const g1 = await store.beginGeneratie(G, null);
    await store.writeDossiers(g1, rows(0, 3));
    await store.activateGeneratie(g1);
    await expect(store.writeDossiers(g1, rows(10, 11))).rejects.toThrow(/not being built/);
    await expect(store.activateGeneratie(g1)).rejects.toThrow(/not being built/);
    await expect(store.writeDossiers(g1 + 100, rows(10, 11))).rejects.toThrow(/not being built/);
    await expect(store.activateGeneratie(g1 + 100)).rejects.toThrow(/not being built/);
    expect(await ks.countDossierRows(g1)).toBe(3);
  });

  it('refuses a BSN twice in a generation, without the BSN in the message, and writes nothing of that batch', async () => {
    const g = await store.beginGeneratie(G, null);
    await store.writeDossiers(g, rows(0, 10));
    const dup = [...rows(10, 20), ...rows(15, 16)];
    const e1 = await failure(store.writeDossiers(g, dup));
    expect(e1).toBeInstanceOf(Error);
    expect(e1.message).toMatch(/twice/);
    expect(e1.message).not.toContain(bsn(15));

    const e2 = await failure(store.writeDossiers(g, [...rows(20, 30), ...rows(5, 6)]));
    expect(e2.message).toMatch(/already in generation/);
    expect(e2.message).not.toContain(bsn(5));
    expect(await ks.countDossierRows(g)).toBe(10);
    expect((await store.activateGeneratie(g)).aantal).toBe(10);
    expect(await store.verwijsindexTelling()).toEqual([{ gemeente: G, bron: 'levering', aantal: 10 }]);
  });

  it('abandons an unactivated generation and refuses to abandon an activated one', async () => {
    const g1 = await store.beginGeneratie(G, null);
    await store.writeDossiers(g1, rows(0, 5));
    await store.activateGeneratie(g1);

    const g2 = await store.beginGeneratie(G, null);
    await store.writeDossiers(g2, rows(100, 1300)); // more than one insert chunk
    await store.abandonGeneratie(g2);
    expect(await ks.countDossierRows(g2)).toBe(0);
    expect((await ks.listGeneraties(G)).map((x) => x.id)).toEqual([g1]);
    await expect(store.writeDossiers(g2, rows(0, 1))).rejects.toThrow(/not being built/);
    await store.abandonGeneratie(g2); // gone: nothing to do

    await expect(store.abandonGeneratie(g1)).rejects.toThrow(/has been activated/);
    expect(await allBsns(store)).toEqual(range(0, 5));
  });

  it('counts the difference of large generations in chunks', async () => {
    const g1 = await store.beginGeneratie(G, null);
    for (let i = 0; i < 25_000; i += 5000) await store.writeDossiers(g1, rows(i, i + 5000, ['01'], ''));
    expect(await store.activateGeneratie(g1)).toMatchObject({
      toegevoegd: 25_000,
      verwijderd: 0,
      aantal: 25_000,
    });
    const g2 = await store.beginGeneratie(G, null);
    for (let i = 3_000; i < 45_000; i += 6000) await store.writeDossiers(g2, rows(i, i + 6000, ['01'], ''));
    // new: 3000..45000 (42000), old: 0..25000 -> added 25000..45000, removed 0..3000
    expect(await store.activateGeneratie(g2)).toEqual({
      generatieId: g2,
      vorigeGeneratieId: g1,
      toegevoegd: 20_000,
      verwijderd: 3_000,
      aantal: 42_000,
    });
    expect((await store.activeGeneratie(G))?.aantal).toBe(42_000);
  }, 120_000);

  it('keeps gemeenten apart', async () => {
    const a = await store.beginGeneratie('0363', null);
    await store.writeDossiers(a, rows(0, 10));
    await store.activateGeneratie(a);
    const b = await store.beginGeneratie('0014', null);
    await store.writeDossiers(b, rows(5, 8));
    const r = await store.activateGeneratie(b);
    expect(r).toMatchObject({ vorigeGeneratieId: null, toegevoegd: 3, aantal: 3 });
    expect((await store.activeGeneratie('0363'))?.id).toBe(a);
    expect((await store.getDossiers(bsn(6))).map((d) => d.gemeente)).toEqual(['0014', '0363']);
    expect((await store.getDossiers(bsn(6), ['0014'])).map((d) => d.gemeente)).toEqual(['0014']);
    expect(await store.getDossiers(bsn(6), [])).toEqual([]);
    expect(await allBsns(store, '0014')).toEqual(range(5, 8));
  });
});

describe('readers during a load and an activation', () => {
  it('sees only the whole old set while a multi-batch load runs, and the whole new set after', async () => {
    const old = await store.beginGeneratie(G, null);
    await store.writeDossiers(old, rows(0, 300));
    await store.activateGeneratie(old);
    const oldSet = range(0, 300);

    const gen = await store.beginGeneratie(G, null);
    let loading = true;
    let readsDuringLoad = 0;
    // The last batch waits for one whole read, so that at least one read falls inside the
    // load however the engine schedules them.
    let firstRead!: () => void;
    const oneReadDone = new Promise<void>((r) => (firstRead = r));
    const load = (async () => {
      for (let i = 1000; i < 7000; i += 1200) {
        if (i + 1200 >= 7000) await oneReadDone;
        await store.writeDossiers(gen, rows(i, i + 1200, ['01'], 'new'));
      }
      loading = false;
    })();
    const read = (async () => {
      while (loading) {
        const seen = await store.listDossiers(G, null, 10_000);
        expect(seen.map((d) => d.bsn)).toEqual(oldSet);
        expect(new Set(seen.map((d) => d.generatieId))).toEqual(new Set([old]));
        expect(await store.getDossiers(bsn(1500))).toEqual([]);
        expect(await store.verwijzingen(bsn(5000))).toEqual([]);
        if (loading) readsDuringLoad++;
        firstRead();
        // Like a server between requests (SQLite reads complete without touching the event loop).
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all([load, read]);
    expect(readsDuringLoad).toBeGreaterThan(0);
    expect(await ks.countDossierRows(gen)).toBe(6000);
    expect(await allBsns(store)).toEqual(oldSet);

    // During the activation every read is one whole set.
    const newSet = range(1000, 7000);
    let activating = true;
    const observed = new Set<string>();
    const reader = (async () => {
      while (activating) {
        const seen = (await store.listDossiers(G, null, 10_000)).map((d) => d.bsn);
        if (seen.length === oldSet.length && seen[0] === oldSet[0]) {
          expect(seen).toEqual(oldSet);
          observed.add('old');
        } else {
          expect(seen).toEqual(newSet);
          observed.add('new');
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const result = await store.activateGeneratie(gen);
    activating = false;
    await reader;
    expect(result).toMatchObject({ toegevoegd: 6000, verwijderd: 300, aantal: 6000 });
    // Whether a read lands before or after the switch is up to the engine's scheduling;
    // what matters is that every read saw one whole set.
    expect(observed.size).toBeGreaterThan(0);
    expect(await allBsns(store)).toEqual(newSet);
  }, 120_000);
});

describe('mutaties', () => {
  it('creates an active set when there is none and counts every kind of change', async () => {
    const r1 = await store.applyMutatie(G, null, [
      { bsn: bsn(1), dossier: rows(1, 2)[0]! },
      { bsn: bsn(2), dossier: rows(2, 3)[0]! },
      { bsn: bsn(3), dossier: null },
    ]);
    expect(r1).toMatchObject({ toegevoegd: 2, gewijzigd: 0, verwijderd: 0, nietGevonden: 1 });
    const active = await store.activeGeneratie(G);
    expect(active).toMatchObject({ id: r1.generatieId, aantal: 2 });
    expect(await allBsns(store)).toEqual([bsn(1), bsn(2)]);

    const lev = await store.createLevering({ gemeente: G, soort: 'mutatie', bestandHash: 'e'.repeat(64) });
    const r2 = await store.applyMutatie(G, lev.id, [
      { bsn: bsn(1), dossier: { bsn: bsn(1), clusters: ['01', '02'], data: '{"changed":true}' } },
      { bsn: bsn(2), dossier: null },
      { bsn: bsn(4), dossier: rows(4, 5)[0]! },
      { bsn: bsn(4), dossier: null }, // added and deleted in one mutatie
      { bsn: bsn(5), dossier: null },
      { bsn: bsn(6), dossier: rows(6, 7)[0]! },
      { bsn: bsn(6), dossier: { bsn: bsn(6), clusters: ['03'], data: '{"v":2}' } },
    ]);
    expect(r2).toEqual({
      generatieId: r1.generatieId,
      toegevoegd: 2,
      gewijzigd: 2,
      verwijderd: 2,
      nietGevonden: 1,
    });
    expect(await allBsns(store)).toEqual([bsn(1), bsn(6)]);
    const d1 = (await store.getDossiers(bsn(1)))[0];
    expect(d1).toMatchObject({ clusters: ['01', '02'], data: '{"changed":true}', leveringId: lev.id });
    expect((await store.getDossiers(bsn(6)))[0]).toMatchObject({ clusters: ['03'], data: '{"v":2}' });
    expect((await store.activeGeneratie(G))?.aantal).toBe(2);
    expect((await store.verwijzingen(bsn(1))).map((v) => v.cluster)).toEqual(['01', '02']);
    expect(await store.verwijsindexTelling()).toEqual([{ gemeente: G, bron: 'levering', aantal: 3 }]);
  });

  it('applies to the active generation of a full load, in chunks', async () => {
    const g = await store.beginGeneratie(G, null);
    await store.writeDossiers(g, rows(0, 1000));
    await store.activateGeneratie(g);
    const ops = [
      ...rows(500, 1700).map((r) => ({ bsn: r.bsn, dossier: { ...r, data: '{"m":1}' } })),
      ...range(0, 300).map((b) => ({ bsn: b, dossier: null })),
      ...range(5000, 5100).map((b) => ({ bsn: b, dossier: null })),
    ];
    const r = await store.applyMutatie(G, null, ops);
    expect(r).toEqual({
      generatieId: g,
      toegevoegd: 700,
      gewijzigd: 500,
      verwijderd: 300,
      nietGevonden: 100,
    });
    expect(await allBsns(store)).toEqual(range(300, 1700));
    expect((await store.activeGeneratie(G))?.aantal).toBe(1400);
    expect((await store.getDossiers(bsn(999)))[0]?.data).toBe('{"m":1}');
    expect((await store.getDossiers(bsn(400)))[0]?.data).toBe(JSON.stringify({ n: 400, tag: 'x' }));
  });

  it('rolls back every change when an operation fails, keeping BSNs out of the error', async () => {
    const g = await store.beginGeneratie(G, null);
    await store.writeDossiers(g, rows(0, 10));
    await store.activateGeneratie(g);
    const bad = {
      bsn: bsn(900),
      dossier: { bsn: bsn(900), clusters: ['01'], data: null as unknown as string },
    };
    const err = await failure(
      store.applyMutatie(G, null, [
        { bsn: bsn(1), dossier: null },
        { bsn: bsn(2), dossier: { bsn: bsn(2), clusters: ['09'], data: '{"changed":true}' } },
        ...rows(100, 700).map((r) => ({ bsn: r.bsn, dossier: r })),
        bad,
      ]),
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/applyMutatie failed/);
    expect(err.message).not.toContain(bsn(900));
    expect(JSON.stringify(err)).not.toContain(bsn(900));
    expect(await allBsns(store)).toEqual(range(0, 10));
    expect((await store.getDossiers(bsn(2)))[0]?.clusters).toEqual(['01']);
    expect((await store.activeGeneratie(G))?.aantal).toBe(10);
    expect(await store.verwijsindexTelling()).toEqual([{ gemeente: G, bron: 'levering', aantal: 10 }]);

    // Also when the mutatie would have created the set: no generation is left behind.
    await expect(
      store.applyMutatie('0014', null, [{ bsn: bsn(1), dossier: rows(1, 2)[0]! }, bad]),
    ).rejects.toThrow();
    expect(await store.activeGeneratie('0014')).toBeUndefined();
    expect(await ks.listGeneraties('0014')).toEqual([]);
  });

  it('refuses an operation whose dossier is for another BSN', async () => {
    await expect(store.applyMutatie(G, null, [{ bsn: bsn(1), dossier: rows(2, 3)[0]! }])).rejects.toThrow(
      /another BSN/,
    );
    expect(await store.activeGeneratie(G)).toBeUndefined();
  });

  it('serialises with an activation: no change is lost or applied to a retired set', async () => {
    const g1 = await store.beginGeneratie(G, null);
    await store.writeDossiers(g1, rows(0, 100));
    await store.activateGeneratie(g1);
    const g2 = await store.beginGeneratie(G, null);
    await store.writeDossiers(g2, rows(0, 2000));
    const [act, mut] = await Promise.all([
      store.activateGeneratie(g2),
      store.applyMutatie(G, null, [{ bsn: bsn(5000), dossier: rows(5000, 5001)[0]! }]),
    ]);
    const active = await store.activeGeneratie(G);
    expect(active?.id).toBe(g2);
    if (mut.generatieId === g2) {
      // The mutatie came after the flip: it is in the new set.
      expect(active?.aantal).toBe(2001);
      expect(act.aantal).toBe(2000);
    } else {
      // Before the flip: it went into the old set, and the activation counted against that.
      expect(mut.generatieId).toBe(g1);
      expect(act.verwijderd).toBe(1);
      expect(active?.aantal).toBe(2000);
    }
  });

  it('counts an activation exactly while mutaties keep changing the old set', async () => {
    const g1 = await store.beginGeneratie(G, null);
    const g2 = await store.beginGeneratie(G, null);
    for (let i = 0; i < 30_000; i += 6000) {
      await store.writeDossiers(g1, rows(i, i + 6000, ['01'], ''));
      await store.writeDossiers(g2, rows(i, i + 6000, ['01'], ''));
    }
    await store.activateGeneratie(g1);
    let activating = true;
    const intoOld: number[] = [];
    const mutaties = (async () => {
      for (let i = 0; activating; i++) {
        const r = await store.applyMutatie(G, null, [
          { bsn: bsn(100_000 + i), dossier: rows(100_000 + i, 100_001 + i)[0]! },
        ]);
        if (r.generatieId === g1) intoOld.push(i);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const act = await store.activateGeneratie(g2);
    activating = false;
    await mutaties;
    // Every mutatie that reached the old set before the flip is a BSN the new set lacks.
    expect(act).toMatchObject({
      vorigeGeneratieId: g1,
      toegevoegd: 0,
      verwijderd: intoOld.length,
      aantal: 30_000,
    });
    expect(intoOld.length).toBeGreaterThan(0);
  }, 120_000);
});
