/**
 * Synthetic gemeenten: a verzamelbestand with realistic, entirely made-up clients. Every
 * BSN passes the eleven test, names and addresses look Dutch and postcodes are valid, some
 * dates are partial, and every code is drawn from the code tables among the codes valid on
 * the date that matters. The same options give the same file, byte for byte.
 *
 * It streams: each client comes from its own random stream (seed, gemeente, number), is
 * encoded and written, and is forgotten, so a million clients take the memory of one.
 *
 * BSNs: a BSN is seven free digits, an eighth that is 0 or 1, and the check digit; of the
 * two choices for the eighth digit exactly one gives a valid check digit when the other
 * does not, so every seven-digit number yields one valid BSN and distinct numbers yield
 * distinct BSNs. Seven-digit numbers starting with 1 form the shared pool (the same for
 * every gemeente and seed, for `--shared-bsns`); the others are spread per gemeente and
 * seed by a fixed permutation, so a file never holds a BSN twice and files of different
 * gemeenten rarely overlap outside the pool. Partners come from the same permutation,
 * after the clients, so a partner is never a client of the same file.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Codetabellen } from '../domain/codetabellen.js';
import {
  bedrag,
  type AanvraagUitkering,
  type AtlRelatie,
  type Client,
  type Dossier,
  type Participatieladder,
  type PartnerBijstand,
  type SpecifiekeGegevensBijzBijstand,
  type Uitkeringsperiode,
  type Uitkeringsverhouding,
  type Vordering,
} from '../domain/model.js';
import { type Datum, elfproef } from '../domain/values.js';
import { type FormaatVersie, NIEUWSTE_VERSIE, versieByNaam } from '../batch/format.js';
import { VerzamelbestandWriter } from '../batch/writer.js';

export interface GenerateOptions {
  gemeente: string;
  clients: number;
  seed?: string;
  /** The first K clients take their BSNs from the shared pool. */
  sharedBsns?: number;
  formatVersion?: string;
  /** Also write the clients' BSNs, one per line, in file order. */
  bsnList?: string;
  out: string;
  /** DatTijdAanmaak of the file; fixed by default so that a seed gives the same bytes. */
  aangemaakt?: string;
  /** Called every so many clients, for a progress bar. */
  onProgress?: (written: number) => void;
}

/** The day the synthetic data describes: benefits run up to it, nothing lies after it. */
export const PEILDATUM = { jaar: 2026, maand: 11, dag: 1 };
const DEFAULT_AANGEMAAKT = '2026-11-01T06:00:00Z';
export const SHARED_POOL_SIZE = 1_000_000;
const OWN_SPACE = 8_000_000;
/** Multiplier of the permutation of the own space; coprime with 8,000,000 (= 2^9 5^6). */
const STRIDE = 4_999_999 - 2 * 3 * 5;

/** A small fast PRNG (mulberry32) with helpers; one per client keeps clients independent. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

/** FNV-1a over a string, for seeds. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The valid BSN made from a seven-digit number (see the header). */
export function bsnFromSeven(n: number): string {
  const seven = String(n).padStart(7, '0');
  for (const eighth of ['0', '1']) {
    const eight = seven + eighth;
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += (9 - i) * (eight.charCodeAt(i) - 48);
    const check = sum % 11;
    if (check < 10 && elfproef(eight + check)) return eight + check;
  }
  throw new Error('no valid BSN for this number');
}

/** BSN number i (0-based) of the shared pool: the same for every gemeente and seed. */
export function sharedBsn(i: number): string {
  if (i < 0 || i >= SHARED_POOL_SIZE) throw new RangeError(`the shared pool holds ${SHARED_POOL_SIZE} BSNs`);
  return bsnFromSeven(1_000_000 + ((i * 7919) % SHARED_POOL_SIZE));
}

/** BSN number i of a gemeente's own space for a seed (clients first, then partners). */
export function ownBsn(gemeente: string, seed: string, i: number): string {
  if (i >= OWN_SPACE) throw new RangeError('too many persons for one file');
  const offset = (Number(gemeente) * 26_479 + (hash32(seed) % 997) * 9_001) % OWN_SPACE;
  return bsnFromSeven(2_000_000 + ((offset + ((i * STRIDE) % OWN_SPACE)) % OWN_SPACE));
}

// ------------------------------------------------------------------------ word lists

const VOORNAMEN_M = [
  'Jan',
  'Pieter',
  'Mohamed',
  'Kees',
  'Hendrik',
  'Ahmed',
  'Daan',
  'Sem',
  'Lucas',
  'Thomas',
  'Willem',
  'Johannes',
  'Gerrit',
  'Mustafa',
  'Youssef',
  'Bram',
  'Ruben',
  'Jeroen',
  'Marco',
  'Dennis',
  'Bart',
  'Cornelis',
  'Rachid',
  'Emre',
  'Stefan',
  'Vincent',
  'Joost',
  'Frank',
  'Erik',
  'Anton',
];
const VOORNAMEN_V = [
  'Maria',
  'Anna',
  'Johanna',
  'Fatima',
  'Sanne',
  'Emma',
  'Julia',
  'Sophie',
  'Lotte',
  'Fleur',
  'Eva',
  'Cornelia',
  'Wilhelmina',
  'Samira',
  'Naima',
  'Ayse',
  'Linda',
  'Petra',
  'Monique',
  'Ingrid',
  'Esther',
  'Marieke',
  'Karin',
  'Yvonne',
  'Priya',
  'Sevda',
  'Hanneke',
  'Iris',
  'Noor',
  'Anouk',
];
const ACHTERNAMEN = [
  'Jansen',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'Mulder',
  'Bos',
  'Vos',
  'Peters',
  'Hendriks',
  'Dekker',
  'Brouwer',
  'Dijkstra',
  'Koster',
  'Prins',
  'Huisman',
  'Kramer',
  'Postma',
  'Kuiper',
  'Yilmaz',
  'El Amrani',
  'Kaya',
  'Bouzid',
  'Şahin',
  'Ramdin',
  'Jagroep',
  'Öztürk',
  'Willems',
  'Verhoeven',
  'Schouten',
  'Hoekstra',
  'Vermeulen',
  'Janssens',
  'Kok',
  'Boer',
  'Wit',
];
const VOORVOEGSELS_ACHTERNAAM: readonly [string, string][] = [
  ['de', 'Vries'],
  ['van', 'Dijk'],
  ['van den', 'Berg'],
  ['van der', 'Meer'],
  ['de', 'Jong'],
  ['van', 'Leeuwen'],
  ['de', 'Groot'],
  ['van der', 'Linden'],
  ['van', 'Beek'],
  ['ter', 'Horst'],
  ['in het', 'Veld'],
  ["'t", 'Hart'],
  ['de', 'Boer'],
  ['van', 'Wijk'],
  ['van der', 'Heijden'],
];
const STRATEN = [
  'Kerkstraat',
  'Dorpsstraat',
  'Molenweg',
  'Stationsweg',
  'Schoolstraat',
  'Julianastraat',
  'Beatrixlaan',
  'Wilhelminastraat',
  'Eikenlaan',
  'Lindelaan',
  'Industrieweg',
  'Nieuwstraat',
  'Marktplein',
  'Parallelweg',
  'Oranjestraat',
  'Vondelstraat',
  'Rembrandtplein',
  'Zuiderkade',
  'Van Goghstraat',
  'Ds. Koelmanstraat',
  'Burg. de Withstraat',
  'Prinsengracht',
  'Havenstraat',
];
const TOEVOEGINGEN = ['A', 'B', 'bis', '1', '2', 'huis', 'II', 'III', 'rd'];
const KOSTEN = [
  'Bewindvoering',
  'Eigen risico zorgverzekering',
  'Inrichtingskosten',
  'Duurzame gebruiksgoederen',
  'Tandartskosten',
  'Kosten kinderopvang',
  'Woonkostentoeslag',
  'Verhuiskosten',
  'Reiskosten ziekenbezoek',
];
const VOORZIENINGEN = [
  'Werkfit-traject',
  'Participatieplaats',
  'Beschut werk',
  'Sollicitatietraining',
  'Taalcursus NT2',
  'Proefplaatsing',
  'Jobcoaching',
  'Leerwerktraject',
  'Vrijwilligerswerk met begeleiding',
];

/** Names and postcode ranges of a few gemeenten; others get a generic name and any postcode. */
const GEMEENTEN: Record<string, { naam: string; postcodes: [number, number] }> = {
  '0363': { naam: 'Amsterdam', postcodes: [1011, 1109] },
  '0599': { naam: 'Rotterdam', postcodes: [3011, 3089] },
  '0518': { naam: "'s-Gravenhage", postcodes: [2491, 2599] },
  '0344': { naam: 'Utrecht', postcodes: [3511, 3585] },
  '0014': { naam: 'Groningen', postcodes: [9711, 9747] },
  '0772': { naam: 'Eindhoven', postcodes: [5611, 5658] },
};
// Letter pairs PostNL does not hand out.
const POSTCODE_LETTERS_NIET = new Set(['SA', 'SD', 'SS']);
const LETTERS = 'ABCDEFGHJKLMNPRSTVWXZ';

// ------------------------------------------------------------------------ the generator

interface Ctx {
  rng: Rng;
  codes: Codetabellen;
  gemeente: string;
  bron: { cdKolomSuwi: number; cdPartijSuwi: string };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function dag(jaar: number, maand: number, d: number): Datum {
  return `${pad(jaar, 4)}${pad(maand)}${pad(d)}` as Datum;
}

/** A day as a number of days since 1970, and back; enough for the generator's arithmetic. */
function toDays(d: Datum): number {
  return Math.floor(
    Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) / 86_400_000,
  );
}
function fromDays(n: number): Datum {
  const t = new Date(n * 86_400_000);
  return dag(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}
const PEIL = toDays(dag(PEILDATUM.jaar, PEILDATUM.maand, PEILDATUM.dag));

function randomDay(rng: Rng, from: number, to: number): Datum {
  return fromDays(rng.int(from, Math.max(from, to)));
}

/** A code valid on the day, drawn from its table (`prefer` wins when valid, with the given chance). */
function code(c: Ctx, tabel: string, op?: Datum, prefer?: string, p = 0.8): string {
  const valid = c.codes.geldigeCodes(tabel, op);
  if (valid.length === 0) throw new Error(`code table ${tabel} has no code valid on the date`);
  if (prefer !== undefined && valid.some((v) => v.code === prefer) && c.rng.chance(p)) return prefer;
  return c.rng.pick(valid).code;
}

function voorletters(voornamen: string): string {
  return voornamen
    .split(' ')
    .map((n) => n.charAt(0).toUpperCase())
    .join('')
    .replace(/[^A-Z]/g, '')
    .slice(0, 6);
}

function naam(rng: Rng, man: boolean): { voornamen: string; voorvoegsel?: string; achternaam: string } {
  const pool = man ? VOORNAMEN_M : VOORNAMEN_V;
  const n = rng.chance(0.5) ? 1 : rng.chance(0.7) ? 2 : 3;
  const voornamen = Array.from({ length: n }, () => rng.pick(pool))
    .filter((x, i, a) => a.indexOf(x) === i)
    .join(' ');
  if (rng.chance(0.3)) {
    const [voorvoegsel, achternaam] = rng.pick(VOORVOEGSELS_ACHTERNAAM);
    return { voornamen, voorvoegsel, achternaam };
  }
  const achternaam = rng.chance(0.05)
    ? `${rng.pick(ACHTERNAMEN)}-${rng.pick(ACHTERNAMEN)}`
    : rng.pick(ACHTERNAMEN);
  return { voornamen, achternaam };
}

/** A birth date, sometimes partly unknown (as in the BRP for people born abroad). */
function geboortedatum(rng: Rng, minAge: number, maxAge: number): Datum {
  const d = fromDays(PEIL - rng.int(minAge * 365, maxAge * 365));
  const r = rng.next();
  if (r < 0.01) return `${d.slice(0, 4)}0000` as Datum;
  if (r < 0.03) return `${d.slice(0, 6)}00` as Datum;
  return d;
}

function postcode(rng: Rng, gemeente: string): string {
  const range = GEMEENTEN[gemeente]?.postcodes ?? [1000, 9999];
  let letters: string;
  do letters = rng.pick([...LETTERS]) + rng.pick([...LETTERS]);
  while (POSTCODE_LETTERS_NIET.has(letters));
  return `${rng.int(range[0], range[1])}${letters}`;
}

function gemeentenaam(gemeente: string): string {
  return GEMEENTEN[gemeente]?.naam ?? `Gemeente ${gemeente}`;
}

function client(c: Ctx, bsn: string): Client {
  const { rng } = c;
  const man = rng.chance(0.48);
  const n = naam(rng, man);
  const stad = gemeentenaam(c.gemeente);
  return {
    burgerservicenr: bsn,
    voornamen: n.voornamen,
    voorletters: voorletters(n.voornamen),
    ...(n.voorvoegsel !== undefined && { voorvoegsel: n.voorvoegsel }),
    significantDeelVanDeAchternaam: n.achternaam,
    geslacht: rng.chance(0.005) ? '0' : man ? '1' : '2',
    geboortedat: geboortedatum(rng, 18, 80),
    cdLeefvorm: code(c, 'CdLeefvorm', fromDays(PEIL)),
    domicilieAdres: {
      postcd: postcode(rng, c.gemeente),
      woonplaatsnaam: stad,
      gemeentenaam: stad,
      straatnaam: rng.pick(STRATEN),
      huisnr: rng.int(1, rng.chance(0.9) ? 250 : 2400),
      ...(rng.chance(0.15) && { huisnrtoevoeging: rng.pick(TOEVOEGINGEN) }),
    },
    huisvesting: { cdRelatieBewonerHuisvesting: Number(code(c, 'CdRelatieBewonerHuisvesting')) },
    ...(rng.chance(0.04) && {
      schendingInlichtingenplicht: { datWaarschSchendInlichtingplicht: randomDay(rng, PEIL - 1500, PEIL) },
    }),
    dossierGsd: {
      dossiercd: `${c.gemeente}-${pad(rng.int(0, 9_999_999), 7)}`,
      datOpnameGegevensInIbSysteem: randomDay(rng, PEIL - 3000, PEIL),
    },
    bron: c.bron,
  } as unknown as Client;
}

function partner(c: Ctx, bsn: string): PartnerBijstand {
  const n = naam(c.rng, c.rng.chance(0.5));
  return {
    burgerservicenr: bsn,
    voorletters: voorletters(n.voornamen),
    ...(n.voorvoegsel !== undefined && { voorvoegsel: n.voorvoegsel }),
    significantDeelVanDeAchternaam: n.achternaam,
    geboortedat: geboortedatum(c.rng, 18, 80),
  } as unknown as PartnerBijstand;
}

function szWet(c: Ctx, op: Datum): { cdSzWet: string } {
  return {
    cdSzWet: code(c, 'CdSzWet', op, c.codes.oordeel('CdSzWet', 'PW', op) === 'geldig' ? 'PW' : 'WWB'),
  };
}

/** Norm amounts per month in cents, roughly the Participatiewet norms. */
const NORM = {
  '01': 109_543,
  '02': 76_680,
  '03': 156_490,
  '04': 54_772,
  '05': 21_909,
  '06': 32_863,
} as Record<string, number>;

function uitkeringsverhouding(
  c: Ctx,
  p: PartnerBijstand | undefined,
  begin: number,
  loopt: boolean,
): Uitkeringsverhouding {
  const { rng } = c;
  const eind = loopt ? undefined : rng.int(begin + 30, Math.min(PEIL, begin + 2500));
  const b = fromDays(begin);
  const periodes: Uitkeringsperiode[] = [];
  const last = eind ?? PEIL;
  const count = rng.int(1, 3);
  const step = Math.max(1, Math.floor((last - begin) / count));
  for (let i = 0; i < count; i++) {
    const pb = begin + i * step;
    const pe = i === count - 1 ? eind : begin + (i + 1) * step - 1;
    const pbD = fromDays(pb);
    const norm = code(c, 'CdSrtNormbedrag', pbD, '01', 0.5);
    const normBedrag = Math.round((NORM[norm] ?? 100_000) * (1 + rng.int(-3, 5) / 100));
    const inkomsten = rng.chance(0.3) ? rng.int(5_000, 60_000) : 0;
    const maatregelen = rng.chance(0.1)
      ? [
          {
            datBMaatregelMbtUitkering: fromDays(rng.int(pb, pb + 60)),
            ...(rng.chance(0.7) && { datEMaatregelMbtUitkering: fromDays(pb + 61 + rng.int(0, 90)) }),
            redenMaatregelMbtBijstandUitk: {
              cdRedenMaatregelMbtBijstandUitk: code(c, 'CdRedenMaatregelMbtBijstandUitk', pbD),
              gevolgenMaatregelMbtBijstandUitk: {
                bedrVerminderingUitkMbtMaatregel: bedrag(
                  Math.round(normBedrag * rng.pick([0.05, 0.1, 0.2, 1])),
                  '06',
                ),
              },
            },
          },
        ]
      : [];
    periodes.push({
      datBUitkeringsperiode: pbD,
      ...(pe !== undefined && { datEUitkeringsperiode: fromDays(pe) }),
      maatregelMbtUitkering: maatregelen,
      inkomstenBijstandUitkering: {
        bedrTotaalInkomstenUitkering: bedrag(inkomsten, '06'),
        bedrBetaalbaarGesteldeUitkering: bedrag(Math.max(0, normBedrag - inkomsten), '06'),
      },
      normbedrag: [{ cdSrtNormbedrag: norm, cdMunteenheid: 'EUR', waardeBedr: BigInt(normBedrag) }],
    } as unknown as Uitkeringsperiode);
  }
  return {
    datBUitkeringsverhouding: b,
    ...(eind !== undefined && { datEUitkeringsverhouding: fromDays(eind) }),
    szWet: szWet(c, b),
    specifiekeGegevensBijstandUitk: {
      ...(eind !== undefined && {
        cdAanleidingEindeBijstandUitk: code(c, 'CdAanleidingEindeBijstandUitk', fromDays(eind)),
      }),
      ...(rng.chance(0.05) && { cdClassificatieBbz: code(c, 'CdClassificatieBbz', b) }),
      ...(rng.chance(0.2) && { aantKostendelers: rng.int(1, 4) }),
    },
    inkomstenInvloedOpBijstandUitk: Array.from({ length: rng.chance(0.25) ? rng.int(1, 2) : 0 }, () => ({
      cdSrtOverigeInkomsten: Number(code(c, 'CdSrtOverigeInkomsten', b)),
    })),
    ...(rng.chance(0.1) && {
      vrijstellingArbeidsplicht: {
        cdVrijstellingArbeidsplichtBijst: code(c, 'CdVrijstellingArbeidsplichtBijst', b),
        ...(rng.chance(0.5) && {
          datEVrijstellingArbeidsplicht: fromDays(begin + rng.int(90, 720)),
          cdRedenEVrijstArbeidsplichtBijst: code(c, 'CdRedenEVrijstArbeidsplichtBijst', b),
        }),
      },
    }),
    ...(p && { partnerUitkeringsverhouding: p }),
    uitkeringsperiode: periodes,
    bron: c.bron,
  } as unknown as Uitkeringsverhouding;
}

function vordering(c: Ctx, nr: number, partnerBsn: string | undefined): Vordering {
  const { rng } = c;
  const besluit = randomDay(rng, PEIL - 3650, PEIL - 10);
  const reden = code(c, 'CdRedenVordering', besluit);
  const aanvang = rng.int(5_000, 800_000);
  const status = code(c, 'CdStatusVordering', besluit);
  const fraude = rng.chance(0.15);
  return {
    identificatienrVordering: `${c.gemeente}${pad(nr, 11)}`,
    datBesluitVordering: besluit,
    cdRedenVordering: reden,
    bedrAanvangVordering: bedrag(aanvang),
    cdStatusVordering: status,
    bedrSaldoVordering: bedrag(rng.chance(0.3) ? 0 : rng.int(0, aanvang)),
    ...(rng.chance(0.7) && { datOnherroepelijkVordering: fromDays(toDays(besluit) + rng.int(42, 120)) }),
    szWet: szWet(c, besluit),
    partnerVordering: partnerBsn ? [{ burgerservicenr: partnerBsn }] : [],
    ...(fraude && {
      fraude: {
        indRecidive: code(c, 'StdIndJN', besluit, '2'),
        indRobuusteIncassoToegepast: code(c, 'StdIndJN', besluit),
        cdHoogteBestuurlijkeBoete: code(c, 'CdHoogteBestuurlijkeBoete', besluit),
        cdSrtSanctie: code(c, 'CdSrtSanctie', besluit),
        ...(rng.chance(0.3) && {
          parketnrJustitie: `${pad(rng.int(10, 99))}/${pad(rng.int(0, 999_999), 6)}-${pad(rng.int(10, 26))}`,
        }),
        cdRecidivetermijn: code(c, 'CdRecidivetermijn', besluit),
      },
    }),
    bron: c.bron,
  } as unknown as Vordering;
}

/** One client's dossier, from its own random stream. */
export function syntheticDossier(
  codes: Codetabellen,
  gemeente: string,
  seed: string,
  index: number,
  bsn: string,
  partnerBsn: string,
): Dossier {
  const rng = new Rng(hash32(`${seed}\u0000${gemeente}\u0000${index}`));
  const c: Ctx = { rng, codes, gemeente, bron: { cdKolomSuwi: 4, cdPartijSuwi: gemeente } };
  const cl = client(c, bsn);
  const p = rng.chance(0.35) ? partner(c, partnerBsn) : undefined;
  const d: Dossier = { client: cl } as Dossier;

  if (rng.chance(0.9)) {
    const uv: Uitkeringsverhouding[] = [];
    const aanvragen: AanvraagUitkering[] = [];
    let begin = PEIL - rng.int(30, 5000);
    const n = rng.chance(0.8) ? 1 : 2;
    for (let i = 0; i < n; i++) {
      const loopt = i === n - 1 && rng.chance(0.65);
      const aanvraag = fromDays(begin - rng.int(14, 56));
      aanvragen.push({
        datAanvraagUitkering: aanvraag,
        szWet: szWet(c, aanvraag),
        beslissingOpAanvraagUitkering: {
          cdBeslissingOpAanvraagUitkering: code(c, 'CdBeslissingOpAanvraagUitkering', aanvraag, '01'),
          datDagtekeningBeslisOpAanvrUitk: fromDays(begin - rng.int(0, 13)),
        },
        ...(p && { partnerAanvraagUitkering: p }),
        bron: c.bron,
      } as unknown as AanvraagUitkering);
      const u = uitkeringsverhouding(c, p, begin, loopt);
      uv.push(u);
      const e = u.datEUitkeringsverhouding;
      begin = e === undefined ? PEIL : Math.min(PEIL - 1, toDays(e) + rng.int(30, 400));
      if (begin >= PEIL - 30) break;
    }
    const vorderingen = Array.from({ length: rng.chance(0.3) ? rng.int(1, 2) : 0 }, (_, i) =>
      vordering(c, index * 4 + i, p?.burgerservicenr),
    );
    const bijzonder: SpecifiekeGegevensBijzBijstand[] = Array.from(
      { length: rng.chance(0.25) ? rng.int(1, 3) : 0 },
      () => {
        const betaal = randomDay(rng, PEIL - 2000, PEIL);
        return {
          cdClusterBijzBijstand: code(c, 'CdClusterBijzBijstand', betaal),
          omsSrtKostenBijzBijstand: rng.pick(KOSTEN),
          datBetaalbaarBijzBijstand: betaal,
          szWet: szWet(c, betaal),
          ...(p && rng.chance(0.5) && { partnerBijzBijstand: p }),
          bron: c.bron,
        } as unknown as SpecifiekeGegevensBijzBijstand;
      },
    );
    d.bijstandsregelingen = {
      aanvraagUitkering: aanvragen,
      vordering: vorderingen,
      specifiekeGegevensBijzBijstand: bijzonder,
      uitkeringsverhouding: uv,
    } as unknown as Dossier['bijstandsregelingen'];
  }

  if (rng.chance(0.5) || d.bijstandsregelingen === undefined) {
    const atl: AtlRelatie = {
      arbeidsvermogen: { cdArbeidsvermogen: code(c, 'CdArbeidsvermogen', fromDays(PEIL)) },
      doelReintegratievoorziening: { cdDoelRv: code(c, 'CdDoelRv', fromDays(PEIL)) },
      reIntegratievoorziening: Array.from({ length: rng.int(0, 3) }, (_, i) => {
        const b = PEIL - rng.int(10, 2500);
        const bD = fromDays(b);
        const type = code(c, 'CdTypeRvGsd', bD);
        return {
          registratienrRvGsd: `RV${c.gemeente}${pad(index % 100_000_000, 8)}${i}`.slice(0, 15),
          datBRv: bD,
          ...(rng.chance(0.6) && { datERv: fromDays(Math.min(PEIL + 365, b + rng.int(30, 720))) }),
          cdTypeRvGsd: type,
          omsRv: rng.pick(VOORZIENINGEN),
          ...(rng.chance(0.15) && {
            loonkostensubsidie: {
              percLoonwaardeTovWml: { cdPositiefNegatief: '+', percentage: pad(rng.int(30, 90) * 100, 5) },
            },
          }),
        };
      }),
      bron: c.bron,
    } as unknown as AtlRelatie;
    let trede = rng.int(1, 4);
    const ladder: Participatieladder[] = [];
    let op = PEIL - rng.int(100, 1500);
    for (let i = rng.int(0, 3); i > 0; i--) {
      ladder.push({
        tredeParticipatieladder: trede,
        datVaststellingTrede: fromDays(op),
        bron: c.bron,
      } as unknown as Participatieladder);
      trede = Math.max(1, Math.min(6, trede + rng.pick([-1, 0, 1, 1, 2])));
      op = Math.min(PEIL, op + rng.int(90, 400));
    }
    d.reintegratie = { atlRelatie: [atl], participatieladder: ladder } as unknown as Dossier['reintegratie'];
  }
  return d;
}

/** Writes a synthetic verzamelbestand (volledig); returns the number of clients written. */
export async function generateVerzamelbestand(o: GenerateOptions): Promise<number> {
  const versie: FormaatVersie | undefined = o.formatVersion ? versieByNaam(o.formatVersion) : NIEUWSTE_VERSIE;
  if (!versie) throw new RangeError(`onbekende formaatversie ${o.formatVersion}`);
  if (!/^[0-9]{4}$/.test(o.gemeente)) throw new RangeError('de gemeentecode heeft vier cijfers');
  if (!Number.isSafeInteger(o.clients) || o.clients < 0)
    throw new RangeError('het aantal cliënten is ongeldig');
  const shared = o.sharedBsns ?? 0;
  if (!Number.isSafeInteger(shared) || shared < 0 || shared > Math.min(o.clients, SHARED_POOL_SIZE))
    throw new RangeError('--shared-bsns ligt niet tussen 0 en het aantal cliënten');
  if (o.clients * 2 > OWN_SPACE) throw new RangeError(`hoogstens ${OWN_SPACE / 2} cliënten per bestand`);
  const seed = o.seed ?? '1';
  const codes = Codetabellen.load();

  const out = createWriteStream(o.out);
  const list = o.bsnList ? createWriteStream(o.bsnList) : undefined;
  const closed = Promise.all([once(out, 'close'), list ? once(list, 'close') : undefined]);
  try {
    const w = new VerzamelbestandWriter(
      out,
      {
        cdPartijSuwi: o.gemeente,
        soortLevering: 'volledig',
        datTijdAanmaak: o.aangemaakt ?? DEFAULT_AANGEMAAKT,
        formaatversie: versie.versie,
        aantalRecords: o.clients,
      } as never,
      versie,
    );
    let listed: string[] = [];
    for (let i = 0; i < o.clients; i++) {
      const bsn = i < shared ? sharedBsn(i) : ownBsn(o.gemeente, seed, i);
      await w.dossier(
        syntheticDossier(codes, o.gemeente, seed, i, bsn, ownBsn(o.gemeente, seed, o.clients + i)),
      );
      if (list) {
        listed.push(bsn);
        if (listed.length >= 10_000) {
          if (!list.write(`${listed.join('\n')}\n`)) await once(list, 'drain');
          listed = [];
        }
      }
      if (o.onProgress && (i + 1) % 1000 === 0) o.onProgress(i + 1);
    }
    await w.end();
    if (list && listed.length) list.write(`${listed.join('\n')}\n`);
    out.end();
    list?.end();
    await closed;
    o.onProgress?.(o.clients);
    return o.clients;
  } catch (e) {
    out.destroy();
    list?.destroy();
    throw e;
  }
}
