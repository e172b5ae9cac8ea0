/**
 * One file per rule of docs/verzamelbestand.md that makes the rule fire: a valid file with
 * one thing broken. A record rule skips that record and loads the others; a file rule
 * refuses the whole file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BsnSet } from '../../src/batch/check.js';
import { verwerk, type VerwerkOptions } from '../../src/batch/ingest.js';
import { V0100 } from '../../src/batch/format.js';
import type { Dossier } from '../../src/domain/model.js';
import { encodeToString } from '../../src/suwiml/xml/codec.js';
import type { Store } from '../../src/store/types.js';
import { BSN, dossier } from '../helpers/dossiers.js';
import { OIN } from '../helpers/hub.js';
import { openTestStore } from '../helpers/store.js';

const G = '0363';
const NS = V0100.namespace;
const dir = mkdtempSync(join(tmpdir(), 'dkd-regels-'));
let store: Store;

beforeAll(async () => {
  store = await openTestStore();
  await store.upsertGemeente({ code: G, naam: 'Amsterdam', oin: OIN.gemeente(G), methode: 'batch' });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const GOED = '100000009';
const TEST = '111222333';
const record = (bsn: string) => encodeToString('Dossier', V0100.dossier, dossier(bsn, G) as Dossier);

function kop(o: { soort?: string; aantal?: number; versie?: string; gemeente?: string } = {}): string {
  return (
    `<Kop><CdPartijSuwi>${o.gemeente ?? G}</CdPartijSuwi><SoortLevering>${o.soort ?? 'volledig'}</SoortLevering>` +
    `<DatTijdAanmaak>2026-11-02T06:00:00Z</DatTijdAanmaak><Formaatversie>${o.versie ?? 'v0100'}</Formaatversie>` +
    `<AantalRecords>${o.aantal ?? 2}</AantalRecords></Kop>`
  );
}

function bestand(
  records: string[],
  k = kop({ aantal: records.length }),
  ns = NS,
  root = 'Verzamelbestand',
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<vb:${root} xmlns:vb="${ns}">${k}\n${records.join('\n')}\n</vb:${root}>\n`;
}

let n = 0;
async function check(content: string | Buffer, extra: Partial<VerwerkOptions> = {}) {
  const file = join(dir, `regel-${++n}.xml`);
  writeFileSync(file, content);
  return verwerk({ file, modus: 'validate', store, maxFoutenPct: 100, ...extra });
}

/** Record rules: the broken record (the first) is skipped, the good one (second) passes. */
const RECORD_RULES: [rule: string, what: string, broken: (xml: string) => string][] = [
  [
    'element-ontbreekt',
    'the required Bron at the end of an application left out',
    (x) =>
      x.replace(
        `<Bron><CdKolomSuwi>4</CdKolomSuwi><CdPartijSuwi>${G}</CdPartijSuwi></Bron></AanvraagUitkering>`,
        '</AanvraagUitkering>',
      ),
  ],
  [
    'element-onverwacht',
    'an element the format does not have',
    (x) => x.replace('</Client>', '<Extra>1</Extra></Client>'),
  ],
  [
    'element-namespace',
    'an element in a namespace',
    (x) => x.replace(/<Voornamen>([^<]*)<\/Voornamen>/, '<n:Voornamen xmlns:n="urn:x">$1</n:Voornamen>'),
  ],
  ['tekst-onverwacht', 'text between elements', (x) => x.replace('<Client>', '<Client>tekst')],
  ['attribuut-onverwacht', 'an attribute', (x) => x.replace('<Client>', '<Client id="1">')],
  [
    'maxLength',
    'a name longer than 200',
    (x) => x.replace(/<Voornamen>[^<]*</, `<Voornamen>${'A'.repeat(201)}<`),
  ],
  [
    'length',
    'a sex code of two digits',
    (x) => x.replace(/<Geslacht>\d<\/Geslacht>/, '<Geslacht>12</Geslacht>'),
  ],
  ['pattern', 'lower-case initials', (x) => x.replace(/<Voorletters>[^<]*</, '<Voorletters>am<')],
  [
    'enumeration',
    'a sign that is not + or -',
    (x) => x.replace('<CdPositiefNegatief>-', '<CdPositiefNegatief>*'),
  ],
  [
    'nonNegativeInteger',
    'an amount that is not a number',
    (x) => x.replace(/<WaardeBedr>\d+</, '<WaardeBedr>tien<'),
  ],
  [
    'totalDigits',
    'an amount of 19 digits',
    (x) => x.replace(/<WaardeBedr>\d+</, `<WaardeBedr>${'9'.repeat(19)}<`),
  ],
  [
    'range',
    'rung 7 of the participatieladder',
    (x) => x.replace(/<TredeParticipatieladder>\d</, '<TredeParticipatieladder>7<'),
  ],
  ['elfproef', 'a BSN that fails the eleven test', (x) => x.replace(`>${TEST}<`, '>123456789<')],
  ['datum-bestaat-niet', '29 February 2023', (x) => x.replace(/<Geboortedat>\d+</, '<Geboortedat>20230229<')],
  [
    'einde-voor-begin',
    'a benefit that ends before it begins',
    (x) =>
      x.replace(
        '<DatBUitkeringsverhouding>20240201</DatBUitkeringsverhouding>',
        '<DatBUitkeringsverhouding>20240201</DatBUitkeringsverhouding><DatEUitkeringsverhouding>20240100</DatEUitkeringsverhouding>',
      ),
  ],
  [
    'bedrag-onvolledig',
    'an amount without currency and sign',
    (x) => x.replace('<CdMunteenheid>EUR</CdMunteenheid><CdPositiefNegatief>-</CdPositiefNegatief>', ''),
  ],
  [
    'bedrag-negatief',
    'a negative amount at the start of a claim',
    (x) =>
      x.replace(
        /(<CdRedenVordering>\d+<\/CdRedenVordering>)/,
        '$1<BedrAanvangVordering><CdMunteenheid>EUR</CdMunteenheid><CdPositiefNegatief>-</CdPositiefNegatief><WaardeBedr>100</WaardeBedr></BedrAanvangVordering>',
      ),
  ],
  [
    'code-onbekend',
    'a living arrangement code not in the table',
    (x) => x.replace(/<CdLeefvorm>\d+</, '<CdLeefvorm>99<'),
  ],
  [
    'code-niet-geldig-op-datum',
    'the WWB for an application of 2024',
    (x) => x.replace('<CdSzWet>PW</CdSzWet>', '<CdSzWet>WWB</CdSzWet>'),
  ],
  [
    'bron-andere-gemeente',
    'a Bron of another gemeente',
    (x) => x.replace(`<CdPartijSuwi>${G}<`, '<CdPartijSuwi>0599<'),
  ],
  ['partner-is-client', 'the client as their own partner', (x) => x.replace(`>${BSN.partner}<`, `>${TEST}<`)],
];

describe('record rules', () => {
  for (const [rule, what, broken] of RECORD_RULES) {
    it(`${rule} fires on ${what}; that record is skipped, the other loaded`, async () => {
      const bad = broken(record(TEST));
      expect(bad).not.toBe(record(TEST));
      const r = await check(bestand([bad, record(GOED)]));
      expect(r.perRegel[rule], JSON.stringify(r.bevindingen)).toBeGreaterThanOrEqual(1);
      expect(r.bevindingen.every((b) => b.record === 1 && !b.geladen)).toBe(true);
      expect(r.telling).toMatchObject({ records: 2, goed: 1, overgeslagen: 1 });
      expect(r.status).toBe('gevalideerd');
    });
  }

  it('bsn-dubbel fires on a BSN in a second record; the first is kept', async () => {
    const r = await check(bestand([record(TEST), record(GOED), record(TEST)]));
    expect(r.bevindingen.map((b) => [b.record, b.regel])).toEqual([[3, 'bsn-dubbel']]);
    expect(r.telling).toMatchObject({ goed: 2, overgeslagen: 1 });
  });

  it('verwijdering-in-volledig fires on a deletion in a volledig file; a mutatie may hold it', async () => {
    const del = `<Verwijdering><Burgerservicenr>${TEST}</Burgerservicenr></Verwijdering>`;
    const r = await check(bestand([del, record(GOED)]));
    expect(r.bevindingen.map((b) => [b.record, b.regel])).toEqual([[1, 'verwijdering-in-volledig']]);
    const m = await check(bestand([del, record(GOED)], kop({ soort: 'mutatie', aantal: 2 })));
    expect(m.bevindingen).toEqual([]);
    expect(m.telling).toMatchObject({ verwijderingen: 1, dossiers: 1 });
  });

  it('record-onbekend fires on an element that is no record', async () => {
    const r = await check(bestand(['<Anders/>', record(GOED)]));
    expect(r.bevindingen.map((b) => [b.record, b.regel])).toEqual([[1, 'record-onbekend']]);
  });
});

/** File rules: the whole file is refused. */
const goed = () => bestand([record(TEST), record(GOED)]);
const FILE_RULES: [
  rule: string,
  what: string,
  content: () => string | Buffer,
  extra?: Partial<VerwerkOptions>,
][] = [
  ['xml-syntax', 'a file cut off in the middle', () => goed().slice(0, Math.floor(goed().length / 2))],
  [
    'xml-codering',
    'bytes that are not UTF-8',
    () =>
      Buffer.concat([
        Buffer.from(goed().slice(0, 200)),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(goed().slice(200)),
      ]),
  ],
  ['dtd-geweigerd', 'a DOCTYPE', () => goed().replace('<vb:', '<!DOCTYPE x [<!ENTITY a "b">]>\n<vb:')],
  ['pi-geweigerd', 'a processing instruction', () => goed().replace('<vb:', '<?verwerk dit?>\n<vb:')],
  [
    'limiet-diepte',
    'elements nested deeper than the limit',
    () => goed().replace('</Client>', `${'<X>'.repeat(30)}${'</X>'.repeat(30)}</Client>`),
  ],
  [
    'limiet-token',
    'a text of 3 MB',
    () => goed().replace('<Voornamen>', `<Voornamen>${'a'.repeat(3_000_000)}`),
  ],
  [
    'limiet-record',
    'a record of more than 100,000 elements',
    () =>
      goed().replace(
        '</Client>',
        `</Client><Bijstandsregelingen>${'<Vordering/>'.repeat(100_001)}</Bijstandsregelingen>`,
      ),
  ],
  ['root-onbekend', 'another root element', () => bestand([record(GOED)], kop({ aantal: 1 }), NS, 'Bestand')],
  [
    'namespace-onbekend',
    'a root in another namespace',
    () => bestand([record(GOED)], kop({ aantal: 1 }), 'urn:iets-anders'),
  ],
  [
    'versie-onbekend',
    'a format version the hub does not know',
    () =>
      bestand([record(GOED)], kop({ aantal: 1, versie: 'v0999' }), 'urn:nl:dkd-hub:verzamelbestand:v0999'),
  ],
  [
    'versie-niet-live',
    'a version not live on the day',
    goed,
    { now: () => new Date('2025-06-01T00:00:00Z') },
  ],
  ['kop-ontbreekt', 'a file without a Kop', () => goed().replace(/<Kop>.*?<\/Kop>/, '')],
  [
    'kop-ongeldig',
    'a Kop with an unknown kind of delivery',
    () => bestand([record(GOED)], kop({ aantal: 1, soort: 'alles' })),
  ],
  [
    'versie-tegenstrijdig',
    'a Formaatversie other than the namespace',
    () => bestand([record(GOED)], kop({ aantal: 1, versie: 'v0200' })),
  ],
  [
    'gemeente-onbekend',
    'a gemeente that is not registered',
    () => bestand([record(GOED)], kop({ aantal: 1, gemeente: '0999' })),
  ],
  ['gemeente-niet-afzender', 'another gemeente than the sender', goed, { verwachteGemeente: '0599' }],
  [
    'aantal-records-onjuist',
    'more records than announced',
    () => bestand([record(TEST), record(GOED)], kop({ aantal: 1 })),
  ],
  [
    'te-veel-fouten',
    'half the records bad',
    () => bestand([record(TEST).replace(`>${TEST}<`, '>123456789<'), record(GOED)]),
    { maxFoutenPct: 10 },
  ],
  ['tekst-onverwacht', 'text between the records', () => goed().replace('</Kop>', '</Kop>tekst')],
];

describe('file rules', () => {
  for (const [rule, what, content, extra] of FILE_RULES) {
    it(`${rule} refuses ${what}`, async () => {
      const r = await check(content(), extra);
      expect(r.status).toBe('geweigerd');
      expect(r.bestandsbevindingen.map((b) => b.regel)).toEqual([rule]);
    });
  }

  it('the valid file itself passes', async () => {
    const r = await check(goed());
    expect(r).toMatchObject({
      status: 'gevalideerd',
      telling: { records: 2, goed: 2 },
      bestandsbevindingen: [],
    });
  });
});

describe('the set of BSNs seen in a file', () => {
  it('finds every repeated BSN and no other, the same as a Set, at any size', () => {
    const set = new BsnSet();
    const ref = new Set<number>();
    let x = 123_456_789;
    for (let i = 0; i < 300_000; i++) {
      // A cheap pseudo-random walk over nine-digit numbers, with repeats.
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 2;
      const n = i % 7 === 0 && i > 0 ? (x % 1000) + 100_000_000 : (x % 900_000_000) + 100_000_000;
      expect(set.add(n)).toBe(!ref.has(n));
      ref.add(n);
    }
    expect(set.size).toBe(ref.size);
  });
});
