/**
 * Two format versions live at once: a reader picks the version by the root's namespace,
 * decodes with that version's descriptions and translates to the one domain model; the
 * older version stops being accepted at its end date.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FormaatVersie, liveVersies, NAMESPACE_PREFIX, V0100 } from '../../src/batch/format.js';
import { verwerk } from '../../src/batch/ingest.js';
import { writeVerzamelbestand } from '../../src/batch/writer.js';
import type { Dossier } from '../../src/domain/model.js';
import { dossier } from '../helpers/dossiers.js';

const dir = mkdtempSync(join(tmpdir(), 'dkd-versies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A successor as the next issue might make it: here it leaves the re-integration cluster
 * out of its records, to show that each version translates on its own.
 */
const V0200: FormaatVersie = {
  ...V0100,
  versie: 'v0200',
  namespace: `${NAMESPACE_PREFIX}v0200`,
  geldigVanaf: '2027-01-01',
  fromDossier: (d) =>
    ({ client: d.client, bijstandsregelingen: d.bijstandsregelingen }) as Record<string, unknown>,
};
/** The previous version, live until a year after its successor appeared. */
const V0100_OUD: FormaatVersie = { ...V0100, geldigTot: '2027-12-31' };
const VERSIES = [V0100_OUD, V0200];

async function file(versie: FormaatVersie, name: string): Promise<string> {
  const out = join(dir, name);
  await writeVerzamelbestand(
    out,
    {
      cdPartijSuwi: '0363',
      soortLevering: 'volledig',
      datTijdAanmaak: '2027-03-01T06:00:00Z',
      formaatversie: versie.versie,
      aantalRecords: 1,
    } as never,
    [dossier('100000009', '0363') as Dossier],
    versie,
  );
  return out;
}

const on = (day: string) => () => new Date(`${day}T12:00:00Z`);

describe('format versions', () => {
  it('two versions are live at once during the overlap year, and only the newest after it', () => {
    expect(liveVersies(on('2027-06-01')(), VERSIES).map((v) => v.versie)).toEqual(['v0100', 'v0200']);
    expect(liveVersies(on('2026-06-01')(), VERSIES).map((v) => v.versie)).toEqual(['v0100']);
    expect(liveVersies(on('2028-01-01')(), VERSIES).map((v) => v.versie)).toEqual(['v0200']);
  });

  it('a file of each live version is read by its own version and gives the same domain data', async () => {
    const oud = await file(V0100_OUD, 'oud.xml');
    const nieuw = await file(V0200, 'nieuw.xml');
    for (const [f, versie] of [
      [oud, 'v0100'],
      [nieuw, 'v0200'],
    ] as const) {
      const r = await verwerk({ file: f, modus: 'validate', versies: VERSIES, now: on('2027-06-01') });
      expect(r).toMatchObject({
        status: 'gevalideerd',
        kop: { formaatversie: versie },
        telling: { goed: 1 },
      });
    }
  });

  it('the older version is refused after its end date, the newer one still accepted', async () => {
    const oud = await file(V0100_OUD, 'oud2.xml');
    const nieuw = await file(V0200, 'nieuw2.xml');
    const r = await verwerk({ file: oud, modus: 'validate', versies: VERSIES, now: on('2028-01-01') });
    expect(r.bestandsbevindingen.map((b) => b.regel)).toEqual(['versie-niet-live']);
    const n = await verwerk({ file: nieuw, modus: 'validate', versies: VERSIES, now: on('2028-01-01') });
    expect(n.status).toBe('gevalideerd');
  });
});
