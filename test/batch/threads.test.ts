/**
 * validate/ingest with the reading half in a Worker thread against the same on one thread:
 * the same report for every kind of input (good, skipped records, a file cut off in the
 * middle, a refused Kop, an unknown gemeente, a mutatie, a repeat), the same rows in the
 * store, back-pressure on a slow store, progress, and a Worker that dies. Runs on SQLite,
 * or on PostgreSQL when DATABASE_URL is set.
 */
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestWorkerUrl, verwerk, type VerwerkOptions } from '../../src/batch/ingest.js';
import { loadDossiers } from '../../src/batch/reader.js';
import type { Rapport } from '../../src/batch/report.js';
import { VerzamelbestandWriter } from '../../src/batch/writer.js';
import type { Dossier } from '../../src/domain/model.js';
import { generateVerzamelbestand, ownBsn } from '../../src/sim/generator.js';
import type { Store } from '../../src/store/types.js';
import { dossier } from '../helpers/dossiers.js';
import { OIN } from '../helpers/hub.js';
import { createTestLocation, type TestStoreLocation } from '../helpers/store.js';

const G = '0363';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dkd-threads-'));
/** One store per mode, set up alike, so that ids (levering, generatie) match too. */
const locations: TestStoreLocation[] = [];
let threaded: Store;
let single: Store;

async function newStore(): Promise<Store> {
  const l = createTestLocation();
  locations.push(l);
  const s = await l.open();
  await s.upsertGemeente({ code: G, naam: 'Amsterdam', oin: OIN.gemeente(G), methode: 'batch' });
  return s;
}

const files: Record<string, string> = {};

/** A file of many small dossiers, for the tests where the number of records matters. */
async function leanFile(file: string, clients: number): Promise<void> {
  const out = createWriteStream(file);
  const w = new VerzamelbestandWriter(out, {
    cdPartijSuwi: G,
    soortLevering: 'volledig',
    datTijdAanmaak: '2026-11-02T06:00:00Z',
    formaatversie: 'v0100',
    aantalRecords: clients,
  } as never);
  const bron = { cdKolomSuwi: 4, cdPartijSuwi: G };
  for (let i = 0; i < clients; i++)
    await w.dossier({
      client: { burgerservicenr: ownBsn(G, 'threads', i), significantDeelVanDeAchternaam: 'Jansen', bron },
    } as unknown as Dossier);
  await w.end();
  out.end();
  await once(out, 'close');
}

beforeAll(async () => {
  threaded = await newStore();
  single = await newStore();

  // Good records with a few broken ones: findings with values, a repeated BSN.
  const goed = join(dir, 'goed.xml');
  await generateVerzamelbestand({ gemeente: G, clients: 1500, seed: 'threads', out: goed });
  const { dossiers } = await loadDossiers(goed);
  const bsns = dossiers.map((d) => d.client.burgerservicenr as string);
  let xml = readFileSync(goed, 'utf8');
  xml = xml.replace(
    `<Burgerservicenr>${bsns[3]}</Burgerservicenr>`,
    '<Burgerservicenr>123456789</Burgerservicenr>',
  );
  xml = xml.replace(
    `<Burgerservicenr>${bsns[900]}</Burgerservicenr>`,
    `<Burgerservicenr>${bsns[10]}</Burgerservicenr>`,
  );
  files.fouten = join(dir, 'fouten.xml');
  writeFileSync(files.fouten, xml);
  files.goed = goed;
  // Cut off in the middle: an XML error after many batches, with counts so far.
  files.kapot = join(dir, 'kapot.xml');
  writeFileSync(files.kapot, xml.slice(0, Math.floor(xml.length * 0.6)));
  // A Kop that does not decode: a refusal with details.
  files.kop = join(dir, 'kop.xml');
  writeFileSync(files.kop, xml.replace('<DatTijdAanmaak>2026-', '<DatTijdAanmaak>2026-13-'));
  // A Kop announcing another number of records.
  files.aantal = join(dir, 'aantal.xml');
  writeFileSync(files.aantal, xml.replace('<AantalRecords>1500<', '<AantalRecords>1499<'));
  // A gemeente the hub does not know.
  files.onbekend = join(dir, 'onbekend.xml');
  await generateVerzamelbestand({ gemeente: '0599', clients: 20, seed: 'onbekend', out: files.onbekend });
  // A mutatie: changes, a deletion, a broken record.
  files.mutatie = join(dir, 'mutatie.xml');
  const out = createWriteStream(files.mutatie);
  const w = new VerzamelbestandWriter(out, {
    cdPartijSuwi: G,
    soortLevering: 'mutatie',
    datTijdAanmaak: '2026-11-03T06:00:00Z',
    formaatversie: 'v0100',
    aantalRecords: 4,
  } as never);
  await w.dossier({
    ...dossiers[0]!,
    client: { ...dossiers[0]!.client, significantDeelVanDeAchternaam: 'Anders' },
  } as never);
  await w.dossier(dossier('100000010', G));
  const stuk = ownBsn(G, 'stuk', 0);
  await w.dossier(dossier(stuk, G));
  await w.verwijdering(bsns[1]!);
  await w.end();
  out.end();
  await once(out, 'close');
  writeFileSync(
    files.mutatie,
    readFileSync(files.mutatie, 'utf8').replace(`<Burgerservicenr>${stuk}<`, '<Burgerservicenr>123456789<'),
  );
  files.lean = join(dir, 'lean.xml');
  await leanFile(files.lean, 40_000);
}, 120_000);

afterAll(async () => {
  await threaded?.close();
  await single?.close();
  for (const l of locations) await l.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The report without the moments it was made. */
const vast = (r: Rapport) => ({ ...r, gestart: '', klaar: '' });

async function beide(o: Omit<VerwerkOptions, 'store'>, stores = true) {
  const a = await verwerk({ ...o, threads: true, ...(stores && { store: threaded }) });
  const b = await verwerk({ ...o, threads: false, ...(stores && { store: single }) });
  expect(vast(a)).toEqual(vast(b));
  // Identical as JSON too: the same keys in the same order (the report is stored as JSON).
  expect(JSON.stringify(vast(a))).toBe(JSON.stringify(vast(b)));
  return a;
}

async function zelfdeDossiers(): Promise<number> {
  const a = await threaded.listDossiers(G, null, 10_000);
  const b = await single.listDossiers(G, null, 10_000);
  const rij = (d: (typeof a)[number]) => [d.bsn, d.clusters, d.data, d.generatieId, d.leveringId];
  expect(a.map(rij)).toEqual(b.map(rij));
  return a.length;
}

describe('the Worker script', () => {
  it('resolves from the sources and from the built package to the built script', async () => {
    const fromSource = ingestWorkerUrl();
    expect(fileURLToPath(fromSource)).toBe(join(ROOT, 'dist', 'batch', 'ingest-worker.js'));
    expect(existsSync(fromSource)).toBe(true);
    const built = (await import(pathToFileURL(join(ROOT, 'dist', 'batch', 'ingest.js')).href)) as {
      ingestWorkerUrl: () => URL;
    };
    expect(built.ingestWorkerUrl().href).toBe(fromSource.href);
  });
});

describe('validate and ingest give the same report with and without a Worker', () => {
  it('validate: good records, skipped records, a cut-off file, a refused Kop, a wrong count', async () => {
    const goed = await beide({ file: files.goed!, modus: 'validate' }, false);
    expect(goed).toMatchObject({ status: 'gevalideerd', telling: { records: 1500, goed: 1500 } });
    const fouten = await beide({ file: files.fouten!, modus: 'validate', maxFoutenPct: 100 });
    expect(fouten.telling).toMatchObject({ goed: 1498, overgeslagen: 2 });
    expect(fouten.perRegel).toMatchObject({ elfproef: 1, 'bsn-dubbel': 1 });
    const kapot = await beide({ file: files.kapot!, modus: 'validate' });
    expect(kapot.status).toBe('geweigerd');
    // Cut off after many batches: the counts so far came back from the Worker.
    expect(kapot.telling.records).toBeGreaterThan(500);
    const kop = await beide({ file: files.kop!, modus: 'validate' });
    expect(kop.bestandsbevindingen[0]).toMatchObject({ regel: 'kop-ongeldig' });
    expect(kop.bestandsbevindingen[0]!.details!.length).toBeGreaterThan(0);
    const aantal = await beide({ file: files.aantal!, modus: 'validate' });
    expect(aantal.bestandsbevindingen.map((b) => b.regel)).toEqual(['aantal-records-onjuist']);
    const oud = await beide({
      file: files.goed!,
      modus: 'validate',
      now: () => new Date('2025-06-01T00:00:00Z'),
    });
    expect(oud.bestandsbevindingen.map((b) => b.regel)).toEqual(['versie-niet-live']);
    const onbekend = await beide({ file: files.onbekend!, modus: 'validate' });
    expect(onbekend.bestandsbevindingen.map((b) => b.regel)).toEqual(['gemeente-onbekend']);
  }, 60_000);

  it('ingest: refusals leave nothing, a load writes the same rows, a repeat is unchanged, a mutatie applies', async () => {
    for (const f of ['kapot', 'kop', 'aantal', 'onbekend'])
      expect((await beide({ file: files[f]!, modus: 'ingest' })).status).toBe('geweigerd');
    expect(await threaded.activeGeneratie(G)).toBeUndefined();
    // Too many findings refuses; a higher limit loads the good ones.
    expect((await beide({ file: files.fouten!, modus: 'ingest', maxFoutenPct: 0.1 })).status).toBe(
      'geweigerd',
    );
    const geladen = await beide({ file: files.fouten!, modus: 'ingest' });
    expect(geladen).toMatchObject({ status: 'geladen', effect: { dossiers: 1498 } });
    expect(await zelfdeDossiers()).toBe(1498);
    const nogmaals = await beide({ file: files.fouten!, modus: 'ingest' });
    expect(nogmaals.status).toBe('ongewijzigd');
    const mutatie = await beide({ file: files.mutatie!, modus: 'ingest', maxFoutenPct: 50 });
    expect(mutatie).toMatchObject({
      status: 'geladen',
      telling: { overgeslagen: 1 },
      effect: { toegevoegd: 1, gewijzigd: 1, verwijderd: 1 },
    });
    expect(mutatie.perRegel).toEqual({ elfproef: 1 });
    expect(await zelfdeDossiers()).toBe(1498);
    const leveringen = async (s: Store) =>
      (await s.listLeveringen(G, 100)).map((l) => [l.id, l.status, l.soort, l.bestandHash]);
    expect(await leveringen(threaded)).toEqual(await leveringen(single));
  }, 120_000);
});

describe('the Worker and the main thread', () => {
  it('the Worker waits for a slow store: it never reads far ahead of what is written', async () => {
    const total = statSync(files.lean!).size;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let wachten = 0;
    const slow = new Proxy(threaded, {
      get(t, p) {
        if (p === 'writeDossiers')
          return async (...a: Parameters<Store['writeDossiers']>) => {
            wachten++;
            await gate;
            return t.writeDossiers(...a);
          };
        const v = Reflect.get(t, p) as unknown;
        return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
      },
    });
    const seen: number[] = [];
    const run = verwerk({
      file: files.lean!,
      modus: 'ingest',
      store: slow,
      threads: true,
      onProgress: (b) => seen.push(b),
    });
    // Wait until the first write waits and the Worker stops reading (no progress for half a
    // second; it may stop before its first report, which comes after 1 MiB).
    let last = -2;
    for (let i = 0; i < 100 && (wachten === 0 || (seen[seen.length - 1] ?? -1) !== last); i++) {
      last = seen[seen.length - 1] ?? -1;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(wachten).toBe(1);
    const ahead = seen[seen.length - 1] ?? 0;
    // 8 batches of one 64 KiB chunk each, plus the progress step of 1 MiB: far from the end.
    expect(ahead).toBeLessThan(total / 2);
    release();
    const r = await run;
    expect(r).toMatchObject({ status: 'geladen', effect: { dossiers: 40_000 } });
    expect(seen[seen.length - 1]).toBe(total);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  }, 60_000);

  it('a Worker that dies (out of its heap) fails the delivery and leaves the process running', async () => {
    const l = await threaded.createLevering({
      gemeente: G,
      soort: 'volledig',
      bestandHash: 'x'.repeat(64),
      bestandsnaam: 'upload',
      status: 'ontvangen',
    });
    const before = await threaded.activeGeneratie(G);
    await expect(
      verwerk({
        file: files.lean!,
        modus: 'ingest',
        store: threaded,
        leveringId: l.id,
        threads: true,
        workerLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 },
      }),
    ).rejects.toThrow(/ingest-worker/);
    expect((await threaded.getLevering(l.id))?.status).toBe('mislukt');
    expect(await threaded.activeGeneratie(G)).toEqual(before);
    // The process goes on: the next load works.
    expect((await verwerk({ file: files.goed!, modus: 'validate', threads: true })).status).toBe(
      'gevalideerd',
    );
  }, 60_000);
});
