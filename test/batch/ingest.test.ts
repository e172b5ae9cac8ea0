/**
 * Loading verzamelbestanden into the real store (SQLite, or PostgreSQL with DATABASE_URL)
 * and asking the real hub for what was loaded.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File, verwerk } from '../../src/batch/ingest.js';
import { loadDossiers } from '../../src/batch/reader.js';
import { writeVerzamelbestand, VerzamelbestandWriter } from '../../src/batch/writer.js';
import { generateVerzamelbestand } from '../../src/sim/generator.js';
import type { Store } from '../../src/store/types.js';
import { ask, OIN, startHub, type Running } from '../helpers/hub.js';
import { openTestStore } from '../helpers/store.js';
import { dossier } from '../helpers/dossiers.js';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const G = '0363';
const dir = mkdtempSync(join(tmpdir(), 'dkd-ingest-'));
let store: Store;
let hub: Running;

beforeAll(async () => {
  store = await openTestStore();
  await store.upsertGemeente({ code: G, naam: 'Amsterdam', oin: OIN.gemeente(G), methode: 'batch' });
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [
      { dienst: 'bijstandsregelingen', versies: [] },
      { dienst: 'reintegratie', versies: [] },
    ],
  });
  hub = await startHub({ store });
}, 60_000);
afterAll(async () => {
  await hub?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A generated file; `bsns` lists the clients that have the bijstandsregelingen cluster. */
async function gen(name: string, clients: number, seed = name) {
  const out = join(dir, `${name}.xml`);
  await generateVerzamelbestand({ gemeente: G, clients, seed, out });
  const { dossiers } = await loadDossiers(out);
  return {
    out,
    dossiers,
    bsns: dossiers.filter((d) => d.bijstandsregelingen).map((d) => d.client.burgerservicenr as string),
  };
}

const gemeenten = async (bsn: string) => [...new Set((await store.verwijzingen(bsn)).map((v) => v.gemeente))];

const ingest = (file: string) => verwerk({ file, modus: 'ingest', store });

async function answered(bsn: string): Promise<string> {
  const a = await ask(hub.url, 'bijstandsregelingen', bsn);
  if (!a.ok) throw new Error('the hub did not answer');
  return a.antwoord.soort;
}

describe('ingest of a volledig file', () => {
  let first: Awaited<ReturnType<typeof gen>>;

  it('a generated file of 20,000 clients validates and loads, and the hub answers its clients', async () => {
    first = await gen('groot', 20_000);
    const v = await verwerk({ file: first.out, modus: 'validate', store });
    expect(v).toMatchObject({
      status: 'gevalideerd',
      telling: { records: 20_000, goed: 20_000, overgeslagen: 0 },
    });
    expect(await store.activeGeneratie(G)).toBeUndefined();

    const r = await ingest(first.out);
    expect(r).toMatchObject({
      status: 'geladen',
      telling: { records: 20_000, goed: 20_000 },
      effect: { dossiers: 20_000, toegevoegd: 20_000, verwijderd: 0 },
    });
    expect(r.bevindingen).toEqual([]);
    expect((await store.getLevering(r.levering!))?.status).toBe('geladen');
    for (const bsn of [first.bsns[0]!, first.bsns[9_000]!, first.bsns[first.bsns.length - 1]!]) {
      expect(await answered(bsn)).toBe('gegevens');
      expect(await gemeenten(bsn)).toEqual([G]);
    }
    // The hub answers with what the file holds.
    const d = first.dossiers.find((x) => x.client.burgerservicenr === first.bsns[5])!;
    const a = await ask(hub.url, 'bijstandsregelingen', first.bsns[5]!);
    expect(a.ok && a.antwoord.soort === 'gegevens' && a.antwoord.dossier).toEqual({
      client: d.client,
      bijstandsregelingen: d.bijstandsregelingen,
    });
  }, 180_000);

  it('loading the same file again changes nothing and says so', async () => {
    const before = await store.activeGeneratie(G);
    const r = await ingest(first.out);
    expect(r.status).toBe('ongewijzigd');
    expect(r.bestandsbevindingen.map((b) => b.regel)).toEqual(['al-geladen']);
    expect(await store.activeGeneratie(G)).toEqual(before);
  }, 60_000);

  it('also when its hash is known only after rows were written: the new rows go, the levering gets the hash', async () => {
    const before = await store.activeGeneratie(G);
    const echt = await sha256File(first.out);
    // The hash comes only once the first rows of the file are in the store.
    let geschreven!: () => void;
    let rijen = 0;
    const eersteRijen = new Promise<void>((r) => (geschreven = r));
    const traag = new Proxy(store, {
      get(t, p) {
        const v = Reflect.get(t, p) as unknown;
        if (p === 'writeDossiers')
          return async (...a: Parameters<Store['writeDossiers']>) => {
            await t.writeDossiers(...a);
            rijen += a[1].length;
            geschreven();
          };
        return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
      },
    });
    const r = await verwerk({
      file: first.out,
      modus: 'ingest',
      store: traag,
      sha256: eersteRijen.then(() => echt),
    });
    expect(rijen).toBeGreaterThan(0);
    expect(r.status).toBe('ongewijzigd');
    expect(r.bestand.sha256).toBe(echt);
    expect(await store.activeGeneratie(G)).toEqual(before);
    const l = await store.getLevering(r.levering!);
    expect(l).toMatchObject({ status: 'ongewijzigd', bestandHash: echt });
    // The rows written before the hash was known never became visible.
    expect(r.effect).toBeUndefined();
    expect(await answered(first.bsns[2]!)).toBe('gegevens');
  }, 60_000);

  it('a file cut off in the middle is refused and the previous set still answers', async () => {
    const { out, bsns } = await gen('afgebroken', 500);
    truncateSync(out, Math.floor(statSync(out).size / 2));
    const before = await store.activeGeneratie(G);
    const r = await ingest(out);
    expect(r.status).toBe('geweigerd');
    expect(r.bestandsbevindingen[0]?.regel).toBe('xml-syntax');
    expect(await store.activeGeneratie(G)).toEqual(before);
    expect(await answered(first.bsns[1]!)).toBe('gegevens');
    expect(await answered(bsns[0]!)).toBe('nietsGevonden');
    expect((await store.getLevering(r.levering!))?.status).toBe('geweigerd');
  }, 60_000);

  it('a new volledig file replaces the set: the verwijsindex drops the clients it no longer holds', async () => {
    const next = await gen('vervanging', 300);
    const r = await ingest(next.out);
    expect(r).toMatchObject({
      status: 'geladen',
      effect: { dossiers: 300, toegevoegd: 300, verwijderd: 20_000 },
    });
    expect(await store.verwijzingen(first.bsns[0]!)).toEqual([]);
    expect(await answered(first.bsns[0]!)).toBe('nietsGevonden');
    expect(await answered(next.bsns[0]!)).toBe('gegevens');
  }, 60_000);
});

describe('ingest of a mutatie file', () => {
  it('applies upserts and deletions in one transaction and the verwijsindex follows', async () => {
    const base = await gen('basis', 20);
    await ingest(base.out);
    const dossiers = base.dossiers.filter((d) => d.bijstandsregelingen);
    const file = join(dir, 'mutatie.xml');
    const out = createWriteStream(file);
    const w = new VerzamelbestandWriter(out, {
      cdPartijSuwi: G,
      soortLevering: 'mutatie',
      datTijdAanmaak: '2026-11-02T06:00:00Z',
      formaatversie: 'v0100',
      aantalRecords: 3,
    } as never);
    const changed = {
      ...dossiers[0]!,
      client: { ...dossiers[0]!.client, significantDeelVanDeAchternaam: 'Gewijzigd' },
    };
    await w.dossier(changed as never);
    await w.dossier(dossier('100000010', G));
    await w.verwijdering(base.bsns[1]!);
    await w.end();
    out.end();
    await once(out, 'close');

    const r = await ingest(file);
    expect(r).toMatchObject({ status: 'geladen', effect: { toegevoegd: 1, gewijzigd: 1, verwijderd: 1 } });
    expect((await store.activeGeneratie(G))?.aantal).toBe(20);
    expect(await store.verwijzingen(base.bsns[1]!)).toEqual([]);
    expect(await gemeenten('100000010')).toEqual([G]);
    const a = await ask(hub.url, 'bijstandsregelingen', base.bsns[0]!);
    expect(
      a.ok && a.antwoord.soort === 'gegevens' && a.antwoord.dossier.client.significantDeelVanDeAchternaam,
    ).toBe('Gewijzigd');
    expect(await answered(base.bsns[1]!)).toBe('nietsGevonden');
  }, 60_000);
});

describe('refusing the whole file', () => {
  it('refuses a file when the share of bad records is above the limit, and loads the good ones below it', async () => {
    const base = await gen('fouten', 20);
    const before = await store.activeGeneratie(G);
    // Break the elfproef of three clients: 15 % of the records.
    let broken = readFileSync(base.out, 'utf8');
    const ids = base.dossiers.slice(0, 3).map((d) => d.client.burgerservicenr);
    ['123456780', '123456781', '123456783'].forEach((bad, i) => {
      broken = broken.replace(
        `<Burgerservicenr>${ids[i]}</Burgerservicenr>`,
        `<Burgerservicenr>${bad}</Burgerservicenr>`,
      );
    });
    const file = join(dir, 'fouten-kapot.xml');
    writeFileSync(file, broken);

    const refused = await verwerk({ file, modus: 'ingest', store, maxFoutenPct: 10 });
    expect(refused.status).toBe('geweigerd');
    expect(refused.bestandsbevindingen.map((b) => b.regel)).toEqual(['te-veel-fouten']);
    expect(refused.perRegel).toMatchObject({ elfproef: 3, 'te-veel-fouten': 1 });
    expect(await store.activeGeneratie(G)).toEqual(before);

    const loaded = await verwerk({ file, modus: 'ingest', store, maxFoutenPct: 20 });
    expect(loaded).toMatchObject({
      status: 'geladen',
      telling: { goed: 17, overgeslagen: 3 },
      effect: { dossiers: 17 },
    });
    expect(loaded.bevindingen.map((b) => [b.record, b.regel, b.geladen, b.waarde])).toEqual([
      [1, 'elfproef', false, '[persoonsgegeven weggelaten]'],
      [2, 'elfproef', false, '[persoonsgegeven weggelaten]'],
      [3, 'elfproef', false, '[persoonsgegeven weggelaten]'],
    ]);
    expect(loaded.bevindingen[0]!.pad).toBe('/Dossier[1]/Client/Burgerservicenr');
  }, 60_000);

  it('refuses a file of a gemeente that is not registered, and one whose record count is not as announced', async () => {
    const other = join(dir, 'onbekend.xml');
    await writeVerzamelbestand(
      other,
      {
        cdPartijSuwi: '0999',
        soortLevering: 'volledig',
        datTijdAanmaak: '2026-11-02T06:00:00Z',
        formaatversie: 'v0100',
        aantalRecords: 1,
      } as never,
      [dossier('100000010', '0999')],
    );
    expect((await ingest(other)).bestandsbevindingen.map((b) => b.regel)).toEqual(['gemeente-onbekend']);

    const wrong = join(dir, 'aantal.xml');
    await writeVerzamelbestand(
      wrong,
      {
        cdPartijSuwi: G,
        soortLevering: 'volledig',
        datTijdAanmaak: '2026-11-02T06:00:00Z',
        formaatversie: 'v0100',
        aantalRecords: 2,
      } as never,
      [dossier('100000010', G)],
    );
    const before = await store.activeGeneratie(G);
    const r = await ingest(wrong);
    expect(r.status).toBe('geweigerd');
    expect(r.bestandsbevindingen.map((b) => b.regel)).toEqual(['aantal-records-onjuist']);
    expect(await store.activeGeneratie(G)).toEqual(before);
  }, 60_000);

  it('refuses a format version that is not live on the day', async () => {
    const { out } = await gen('versie', 3);
    const r = await verwerk({ file: out, modus: 'validate', now: () => new Date('2025-06-01T00:00:00Z') });
    expect(r.status).toBe('geweigerd');
    expect(r.bestandsbevindingen.map((b) => b.regel)).toEqual(['versie-niet-live']);
  });
});
