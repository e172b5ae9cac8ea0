/**
 * validate/ingest reading the file in two parts at once (two Workers, `delen: 2`) against
 * one pass on one thread: the same report and the same rows for every kind of input, in
 * particular duplicate BSNs across the parts (good after good, good after a bad record,
 * bad after good, and a BSN repeated within the second part too), errors in either part,
 * a mutatie, and split points that are not between two records (then the file is read as
 * one part). Runs on SQLite, or on PostgreSQL when DATABASE_URL is set.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verwerk, type VerwerkOptions, zoekDeling } from '../../src/batch/ingest.js';
import { loadDossiers } from '../../src/batch/reader.js';
import type { Rapport } from '../../src/batch/report.js';
import { VerzamelbestandWriter } from '../../src/batch/writer.js';
import { generateVerzamelbestand } from '../../src/sim/generator.js';
import type { Store } from '../../src/store/types.js';
import { OIN } from '../helpers/hub.js';
import { createTestLocation, type TestStoreLocation } from '../helpers/store.js';

const G = '0363';
const dir = mkdtempSync(join(tmpdir(), 'dkd-delen-'));
const locations: TestStoreLocation[] = [];
let twee: Store;
let een: Store;
const files: Record<string, string> = {};

async function newStore(): Promise<Store> {
  const l = createTestLocation();
  locations.push(l);
  const s = await l.open();
  await s.upsertGemeente({ code: G, naam: 'Amsterdam', oin: OIN.gemeente(G), methode: 'batch' });
  return s;
}

/** The record of number `nr` (1-based) with its BSN replaced, and optionally broken. */
function zetBsn(xml: string, bsns: string[], nr: number, bsn: string, kapot = false): string {
  const oud = `<Burgerservicenr>${bsns[nr - 1]}</Burgerservicenr>`;
  const at = xml.indexOf(oud);
  expect(at).toBeGreaterThan(0);
  const nieuw = `<Burgerservicenr>${bsn}</Burgerservicenr>${kapot ? '<Onbekend>x</Onbekend>' : ''}`;
  return xml.slice(0, at) + nieuw + xml.slice(at + oud.length);
}

beforeAll(async () => {
  twee = await newStore();
  een = await newStore();
  const goed = join(dir, 'goed.xml');
  await generateVerzamelbestand({ gemeente: G, clients: 1500, seed: 'delen', out: goed });
  files.goed = goed;
  const { dossiers } = await loadDossiers(goed);
  const bsns = dossiers.map((d) => d.client.burgerservicenr as string);
  let xml = readFileSync(goed, 'utf8');
  // The first part: a broken BSN, a record broken but with its BSN.
  xml = zetBsn(xml, bsns, 4, '123456789');
  xml = zetBsn(xml, bsns, 20, bsns[19]!, true);
  // The second part: good after good, good after the broken record, broken after good,
  // and a BSN of the first part twice in the second part.
  xml = zetBsn(xml, bsns, 1200, bsns[9]!);
  xml = zetBsn(xml, bsns, 1301, bsns[19]!);
  xml = zetBsn(xml, bsns, 1350, bsns[39]!, true);
  xml = zetBsn(xml, bsns, 1400, bsns[29]!);
  xml = zetBsn(xml, bsns, 1450, bsns[29]!);
  files.fouten = join(dir, 'fouten.xml');
  writeFileSync(files.fouten, xml);
  // Cut off in the second part and in the first.
  files.kapot2 = join(dir, 'kapot2.xml');
  writeFileSync(files.kapot2, xml.slice(0, Math.floor(xml.length * 0.85)));
  files.kapot1 = join(dir, 'kapot1.xml');
  writeFileSync(files.kapot1, xml.slice(0, Math.floor(xml.length * 0.3)));
  // A split point inside a comment: the first part does not end between two records.
  const midden = xml.indexOf('<Dossier>', Math.floor(Buffer.byteLength(xml) / 2) - 2000);
  files.commentaar = join(dir, 'commentaar.xml');
  writeFileSync(files.commentaar, `${xml.slice(0, midden)}<!-- <Dossier> -->\n${xml.slice(midden)}`);
  // A `</Kop>` in a comment before the Kop: the second part does not start after the Kop.
  files.kop = join(dir, 'kop.xml');
  writeFileSync(files.kop, xml.replace('<Kop>', '<!-- </Kop> --><Kop>'));
  files.onbekend = join(dir, 'onbekend.xml');
  writeFileSync(
    files.onbekend,
    xml.replace('<CdPartijSuwi>0363</CdPartijSuwi>', '<CdPartijSuwi>0599</CdPartijSuwi>'),
  );
  files.aantal = join(dir, 'aantal.xml');
  writeFileSync(files.aantal, xml.replace('<AantalRecords>1500<', '<AantalRecords>1499<'));
  // A mutatie with a BSN in both parts and a deletion in the second.
  files.mutatie = join(dir, 'mutatie.xml');
  const out = createWriteStream(files.mutatie);
  const w = new VerzamelbestandWriter(out, {
    cdPartijSuwi: G,
    soortLevering: 'mutatie',
    datTijdAanmaak: '2026-11-03T06:00:00Z',
    formaatversie: 'v0100',
    aantalRecords: 601,
  } as never);
  for (let i = 0; i < 600; i++) await w.dossier(dossiers[i === 500 ? 5 : i]!);
  await w.verwijdering(bsns[1000]!);
  await w.end();
  out.end();
  await once(out, 'close');
}, 120_000);

afterAll(async () => {
  await twee?.close();
  await een?.close();
  for (const l of locations) await l.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const vast = (r: Rapport) => ({ ...r, gestart: '', klaar: '' });

async function beide(o: Omit<VerwerkOptions, 'store'>, stores = true) {
  const a = await verwerk({ ...o, threads: true, delen: 2, ...(stores && { store: twee }) });
  const b = await verwerk({ ...o, threads: false, ...(stores && { store: een }) });
  expect(vast(a)).toEqual(vast(b));
  expect(JSON.stringify(vast(a))).toBe(JSON.stringify(vast(b)));
  return a;
}

async function zelfdeDossiers(): Promise<number> {
  const a = await twee.listDossiers(G, null, 10_000);
  const b = await een.listDossiers(G, null, 10_000);
  const rij = (d: (typeof a)[number]) => [d.bsn, d.clusters, d.data, d.generatieId, d.leveringId];
  expect(a.map(rij)).toEqual(b.map(rij));
  return a.length;
}

describe('reading a file in two parts at once', () => {
  it('splits after the Kop and at a record start tag from the middle on', async () => {
    const size = statSync(files.goed!).size;
    const d = (await zoekDeling(files.goed!, size))!;
    const bytes = readFileSync(files.goed!);
    expect(bytes.subarray(d.kopTot - 6, d.kopTot).toString()).toBe('</Kop>');
    expect(bytes.subarray(d.tot, d.tot + 9).toString()).toBe('<Dossier>');
    expect(d.tot).toBeGreaterThanOrEqual(size / 2);
    expect(d.kopRegel).toBe(bytes.subarray(0, d.kopTot).toString().split('\n').length);
  });

  it('validate: the same report for good, duplicate and broken records, cut-off files and bad split points', async () => {
    const goed = await beide({ file: files.goed!, modus: 'validate' }, false);
    expect(goed).toMatchObject({ status: 'gevalideerd', telling: { records: 1500, goed: 1500 } });
    const fouten = await beide({ file: files.fouten!, modus: 'validate', maxFoutenPct: 100 });
    expect(fouten.telling).toMatchObject({ records: 1500, goed: 1493, overgeslagen: 7 });
    expect(fouten.perRegel).toMatchObject({ elfproef: 1, 'bsn-dubbel': 5 });
    // Findings of the second part name their record and line in the whole file.
    const dubbel = fouten.bevindingen.filter((b) => b.regel === 'bsn-dubbel').map((b) => b.record);
    expect(dubbel).toEqual([1200, 1301, 1350, 1400, 1450]);
    // Refusals of the Kop and of the whole file stop both parts.
    const onbekend = await beide({ file: files.onbekend!, modus: 'validate' });
    expect(onbekend.bestandsbevindingen.map((b) => b.regel)).toEqual(['gemeente-onbekend']);
    const aantal = await beide({ file: files.aantal!, modus: 'validate' });
    expect(aantal.bestandsbevindingen.map((b) => b.regel)).toEqual(['aantal-records-onjuist']);
    for (const f of ['kapot1', 'kapot2', 'commentaar', 'kop']) {
      const r = await beide({ file: files[f]!, modus: 'validate', maxFoutenPct: 100 });
      expect(r.status).toBe(f.startsWith('kapot') ? 'geweigerd' : 'gevalideerd');
    }
  }, 120_000);

  it('ingest: the same report and rows; refusals leave nothing; a mutatie across the parts', async () => {
    for (const f of ['kapot1', 'kapot2'])
      expect((await beide({ file: files[f]!, modus: 'ingest', maxFoutenPct: 100 })).status).toBe('geweigerd');
    expect(await twee.activeGeneratie(G)).toBeUndefined();
    const geladen = await beide({ file: files.fouten!, modus: 'ingest' });
    expect(geladen).toMatchObject({ status: 'geladen', effect: { dossiers: 1493 } });
    expect(await zelfdeDossiers()).toBe(1493);
    const gen = await twee.activeGeneratie(G);
    expect(gen).toMatchObject({ aantal: 1493 });
    for (const f of ['commentaar', 'kop', 'goed']) {
      const r = await beide({ file: files[f]!, modus: 'ingest' });
      expect(r.status).toBe('geladen');
      expect(await zelfdeDossiers()).toBe(f === 'goed' ? 1500 : 1493);
    }
    const mutatie = await beide({ file: files.mutatie!, modus: 'ingest', maxFoutenPct: 50 });
    expect(mutatie).toMatchObject({ status: 'geladen', telling: { records: 601, overgeslagen: 1 } });
    expect(mutatie.perRegel).toEqual({ 'bsn-dubbel': 1 });
    expect(await zelfdeDossiers()).toBe(1499);
  }, 180_000);
});
