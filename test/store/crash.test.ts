import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import type { Store } from '../../src/store/types.js';
import { createTestLocation, ensureDistStore, spawnStoreChild } from '../helpers/store.js';
import type { TestStoreLocation } from '../helpers/store.js';

const G = '0363';

function bsn(n: number): string {
  return String(100000000 + n);
}

/** The child: the real store from dist/, loading a new generation in batches until it is killed. */
const LOADER = `
const store = await openStore(options);
const generatie = await store.beginGeneratie('${G}', null);
send({ generatie });
const pad = 'x'.repeat(1000);
for (let batch = 0; ; batch++) {
  const rows = [];
  for (let i = 0; i < 2000; i++) {
    const n = 500000 + batch * 2000 + i;
    rows.push({ bsn: String(100000000 + n), clusters: ['01'], data: JSON.stringify({ n, pad }) });
  }
  await store.writeDossiers(generatie, rows);
  send({ batch });
}
`;

let location: TestStoreLocation;
beforeAll(() => {
  ensureDistStore();
  location = createTestLocation();
}, 120_000);
afterAll(async () => {
  await location.dispose();
});

describe('a load killed with SIGKILL', () => {
  it('leaves the old set active and its orphan is removed by cleanup', async () => {
    let store: Store = await location.open();
    const old = await store.beginGeneratie(G, null);
    await store.writeDossiers(
      old,
      Array.from({ length: 500 }, (_, n) => ({ bsn: bsn(n), clusters: ['01'], data: JSON.stringify({ n }) })),
    );
    await store.activateGeneratie(old);

    const child = spawnStoreChild(LOADER, location.options);
    const { generatie: orphan } = await child.waitFor<{ generatie: number }>((m) => 'generatie' in m);
    await child.waitFor((m) => m.batch === 3);
    // Readers of the parent see the old set while the child loads.
    expect((await store.activeGeneratie(G))?.id).toBe(old);
    expect(await store.getDossiers(bsn(500_001))).toEqual([]);
    // Kill it at a random moment, most likely inside a writeDossiers transaction.
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 30)));
    child.child.kill('SIGKILL');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Reopen, as a restarted hub would.
    await store.close();
    store = await location.open();
    const ks = store as KyselyStore;
    const active = await store.activeGeneratie(G);
    expect(active).toMatchObject({ id: old, aantal: 500 });
    const listed = await store.listDossiers(G, null, 10_000);
    expect(listed.map((d) => d.bsn)).toEqual(Array.from({ length: 500 }, (_, n) => bsn(n)));
    expect(await store.getDossiers(bsn(500_001))).toEqual([]);
    expect(await store.verwijzingen(bsn(500_001))).toEqual([]);
    expect(await store.verwijsindexTelling()).toEqual([{ gemeente: G, bron: 'levering', aantal: 500 }]);

    // The orphan holds the committed batches (whole ones), invisible to readers.
    const orphanInfo = (await ks.listGeneraties(G)).find((g) => g.id === orphan);
    expect(orphanInfo?.status).toBe('opbouw');
    const orphanRows = await ks.countDossierRows(orphan);
    expect(orphanRows).toBeGreaterThanOrEqual(4 * 2000);
    expect(orphanRows % 2000).toBe(0);

    // A recent 'opbouw' generation may be a load in progress elsewhere: default cleanup leaves it.
    expect(await store.cleanup()).toBe(0);
    expect(await ks.countDossierRows(orphan)).toBe(orphanRows);
    // Past the staleness limit it goes.
    expect(await ks.cleanup({ staleOpbouwMs: 0 })).toBe(1);
    expect(await ks.countDossierRows(orphan)).toBe(0);
    expect((await ks.listGeneraties(G)).map((g) => g.id)).toEqual([old]);
    expect((await store.activeGeneratie(G))?.id).toBe(old);
    await expect(store.writeDossiers(orphan, [])).rejects.toThrow(/not being built/);

    // And the next load works as usual.
    const next = await store.beginGeneratie(G, null);
    await store.writeDossiers(next, [{ bsn: bsn(9), clusters: ['02'], data: '{}' }]);
    expect(await store.activateGeneratie(next)).toMatchObject({
      vorigeGeneratieId: old,
      toegevoegd: 0,
      verwijderd: 499,
    });
    await store.close();
  }, 120_000);
});
