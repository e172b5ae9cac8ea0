/**
 * Value types of the municipal DKD data set, after the Suwi-ML basis schema v0801.
 *
 * Every value in the domain model is made through one of these types, so a value that
 * exists is a valid one: a `Bsn` passes the eleven test, a `Datum` is a possible
 * (partial) date, a name fits its length. Each type knows its lexical form in Suwi-ML
 * (`parse`/`format`) and describes its facets, so that codecs, the verzamelbestand
 * schema and the test generators are all derived from one definition.
 *
 * This module imports nothing of ours.
 */

declare const brand: unique symbol;
/** A value of base type B that has passed the checks of the type named N. */
export type Brand<B, N extends string> = B & { readonly [brand]: N };

/** Why a lexical value was refused: a stable rule code and a Dutch/English message without the value. */
export class Violation {
  constructor(
    readonly rule: string,
    readonly message: string,
  ) {}
}

/** What the schema says about a simple type; used for documentation, XSD output and generators. */
export interface Facets {
  readonly base: 'string' | 'nonNegativeInteger';
  readonly length?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minInclusive?: number;
  readonly maxInclusive?: number;
  readonly totalDigits?: number;
  readonly enumeration?: readonly string[];
}

export interface ValueType<T> {
  /** The name of the simple type in Suwi-ML (e.g. `Burgerservicenr`). */
  readonly name: string;
  readonly facets: Facets;
  /** Personal data: the value must not appear in logs, error texts or findings. */
  readonly sensitive: boolean;
  parse(text: string): T | Violation;
  format(value: T): string;
}

export class ValueError extends Error {
  constructor(
    readonly typeName: string,
    readonly violation: Violation,
  ) {
    super(`${typeName}: ${violation.message}`);
    this.name = 'ValueError';
  }
}

/** Makes a value of a type from its lexical form, or throws a ValueError (without the value in it). */
export function make<T>(type: ValueType<T>, text: string): T {
  const v = type.parse(text);
  if (v instanceof Violation) throw new ValueError(type.name, v);
  return v;
}

/** As `make`, for a value that may be absent. */
export function maybe<T>(type: ValueType<T>, text: string | undefined | null): T | undefined {
  return text === undefined || text === null ? undefined : make(type, text);
}

// The Char production of XML 1.0: tab, line feed and carriage return are the only control characters allowed.
// eslint-disable-next-line no-control-regex
const XML_CHAR = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/**
 * A character that XML_CHAR has to look at: anything but tab, line feed, carriage return
 * and the plain characters of the Basic Multilingual Plane (so also every surrogate). A
 * plain expression without the u flag, which the engine runs much faster; most values
 * have no such character and need neither XML_CHAR nor counting code points.
 */
// eslint-disable-next-line no-control-regex
const NOT_PLAIN = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD]/;

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

interface StringOpts {
  length?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /**
   * A test that says exactly what the pattern says, for a value of the right length that
   * passed the XML character test, faster than the regular expression (see DATUM_PATTERN).
   */
  matches?: (s: string) => boolean;
  enumeration?: readonly string[];
  sensitive?: boolean;
  extra?: (s: string) => Violation | undefined;
}

/**
 * An XSD pattern as a JavaScript regular expression body (to be anchored, with the u flag).
 * XSD's \d means a Unicode decimal digit, and validators disagree on which those are:
 * libxml2 follows an old Unicode table (Ethiopic U+1369-U+1371 are digits there, newer
 * digit blocks are not). The hub is stricter than every reading, so that what it accepts
 * and writes is valid for all of them: \d is 0-9 only, and \D excludes every digit of
 * today's Unicode plus the old Ethiopic ones.
 */
export function xsdPatternToJs(pattern: string): string {
  return pattern.replace(/\\d/g, '[0-9]').replace(/\\D/g, '[^\\p{Nd}\\u1369-\\u1371]');
}

/** Whether every character is an ASCII digit (the pattern \d*, as xsdPatternToJs reads it). */
function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** A restriction of xs:string with the facets of the schema. Length counts characters (code points). */
export function stringType<N extends string>(name: N, o: StringOpts): ValueType<Brand<string, N>> {
  const re = o.pattern === undefined ? undefined : new RegExp(`^(?:${xsdPatternToJs(o.pattern)})$`, 'u');
  const facets: Facets = {
    base: 'string',
    ...(o.length !== undefined && { length: o.length }),
    ...(o.minLength !== undefined && { minLength: o.minLength }),
    ...(o.maxLength !== undefined && { maxLength: o.maxLength }),
    ...(o.pattern !== undefined && { pattern: o.pattern }),
    ...(o.enumeration !== undefined && { enumeration: o.enumeration }),
  };
  // The options as constants of the closure: this runs for every value of a bulk load, and
  // reading them from option objects of many shapes is slow.
  const { length, minLength, maxLength, pattern, enumeration, extra } = o;
  // \d* is the pattern of most codes: a loop says the same as the expression, faster.
  const matches = o.matches ?? (pattern === '\\d*' ? allDigits : undefined);
  const check = (s: string): Violation | undefined => {
    let len = s.length;
    if (NOT_PLAIN.test(s)) {
      if (!XML_CHAR.test(s)) return new Violation('xml-teken', 'bevat een teken dat in XML niet mag');
      // Code points, without making an array of them unless there is a surrogate pair.
      if (HIGH_SURROGATE.test(s)) len = [...s].length;
    }
    if (length !== undefined && len !== length)
      return new Violation('length', `moet precies ${length} tekens lang zijn, is ${len}`);
    if (minLength !== undefined && len < minLength)
      return new Violation('minLength', `moet minstens ${minLength} tekens lang zijn, is ${len}`);
    if (maxLength !== undefined && len > maxLength)
      return new Violation('maxLength', `mag hoogstens ${maxLength} tekens lang zijn, is ${len}`);
    if (re && !(matches !== undefined ? matches(s) : re.test(s)))
      return new Violation('pattern', `voldoet niet aan het patroon ${pattern}`);
    if (enumeration && !enumeration.includes(s))
      return new Violation('enumeration', `is geen van ${enumeration.join(', ')}`);
    return extra?.(s);
  };
  return {
    name,
    facets,
    sensitive: o.sensitive ?? false,
    parse(text) {
      return check(text) ?? (text as Brand<string, N>);
    },
    format(value) {
      const v = check(value);
      if (v) throw new ValueError(name, v);
      return value;
    },
  };
}

interface IntOpts {
  minInclusive?: number;
  maxInclusive?: number;
  totalDigits: number;
}

/** A restriction of xs:nonNegativeInteger small enough for a JS number (totalDigits <= 15). */
export function intType(name: string, o: IntOpts): ValueType<number> {
  const max = o.maxInclusive ?? 10 ** o.totalDigits - 1;
  const min = o.minInclusive ?? 0;
  const facets: Facets = {
    base: 'nonNegativeInteger',
    totalDigits: o.totalDigits,
    ...(o.minInclusive !== undefined && { minInclusive: o.minInclusive }),
    ...(o.maxInclusive !== undefined && { maxInclusive: o.maxInclusive }),
  };
  const check = (n: number): Violation | undefined =>
    !Number.isSafeInteger(n) || n < min || n > max
      ? new Violation('range', `moet een geheel getal van ${min} tot en met ${max} zijn`)
      : undefined;
  return {
    name,
    facets,
    sensitive: false,
    parse(text) {
      // The common case, plain digits: the same outcome as below without the expressions.
      if (text.length > 0 && text.length <= 15 && allDigits(text)) {
        let lz = 0;
        while (lz < text.length && text.charCodeAt(lz) === 0x30) lz++;
        if (text.length - lz > o.totalDigits)
          return new Violation('totalDigits', `mag hoogstens ${o.totalDigits} cijfers hebben`);
        const n = Number(text);
        return check(n) ?? n;
      }
      // xs:nonNegativeInteger lexical space: optional '+', digits; whitespace is collapsed.
      const t = text.trim();
      if (!/^\+?[0-9]+$/.test(t))
        return new Violation('nonNegativeInteger', 'is geen niet-negatief geheel getal');
      const digits = t.replace(/^\+?0*/, '');
      if (digits.length > o.totalDigits)
        return new Violation('totalDigits', `mag hoogstens ${o.totalDigits} cijfers hebben`);
      const n = Number(digits || '0');
      return check(n) ?? n;
    },
    format(value) {
      const v = check(value);
      if (v) throw new ValueError(name, v);
      return String(value);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Burgerservicenummer

export type Bsn = Brand<string, 'Burgerservicenr'>;

/** The eleven test (elfproef) of a BSN: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11. */
export function elfproef(digits: string): boolean {
  if (digits.length !== 9 || !allDigits(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * (digits.charCodeAt(i) - 48);
  sum -= digits.charCodeAt(8) - 48;
  return sum % 11 === 0 && digits !== '000000000';
}

/**
 * Burgerservicenr: 9 digits (the schema) that pass the eleven test (the law). A value that
 * breaks the eleven test is refused with its own rule, `elfproef`, so that the finding tells
 * a typing error from a malformed field.
 */
export const Burgerservicenr: ValueType<Bsn> = stringType('Burgerservicenr', {
  length: 9,
  pattern: '\\d*',
  sensitive: true,
  extra: (s) => (elfproef(s) ? undefined : new Violation('elfproef', 'voldoet niet aan de elfproef')),
});

// ---------------------------------------------------------------------------------------
// Datum: YYYYMMDD, month and/or day 00 when unknown, 00000000 wholly unknown.

export type Datum = Brand<string, 'Datum'>;

const DATUM_PATTERN =
  '(([0]{8})|([0]{4}((0[1-9])|(1[0-2]))((0[1-9])|([1-2][0-9])|(3[0-1])))|(([1-9][0-9]{3})|(0[1-9][0-9]{2})|(00[1-9][0-9])|(000[1-9]))((0[0-9])|(1[0-2]))((0[0-9])|([1-2][0-9])|(3[0-1])))';

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    // An unknown year (0000) may hold 29 February: the day could exist.
    const leap = year === 0 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The number written by the ASCII digits s[from .. from+count). */
function digitsAt(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + s.charCodeAt(i) - 0x30;
  return n;
}

/**
 * DATUM_PATTERN for a value of eight characters, without the expression: 00000000; or
 * year 0000 with a month 01-12 and a day 01-31; or a year 0001-9999 with a month 00-12
 * and a day 00-31. The unit tests hold it against the expression.
 */
export function datumMatches(s: string): boolean {
  if (s.length !== 8 || !allDigits(s)) return false;
  const y = digitsAt(s, 0, 4);
  const m = digitsAt(s, 4, 2);
  const d = digitsAt(s, 6, 2);
  if (y === 0) return (m === 0 && d === 0) || (m >= 1 && m <= 12 && d >= 1 && d <= 31);
  return m <= 12 && d <= 31;
}

/**
 * Datum as Suwi-ML defines it. On top of the schema's pattern, the value must be a possible
 * date: a known day lies in its month (no 31 April, no 29 February in 2023), and a day is
 * only known when the month is.
 */
export const Datum: ValueType<Datum> = stringType('Datum', {
  length: 8,
  pattern: DATUM_PATTERN,
  matches: datumMatches,
  extra: (s) => {
    // The pattern has passed: eight ASCII digits.
    const y = digitsAt(s, 0, 4);
    const m = digitsAt(s, 4, 2);
    const d = digitsAt(s, 6, 2);
    if (m === 0 && d !== 0) return new Violation('datum-bestaat-niet', 'heeft een dag maar geen maand');
    if (m !== 0 && d !== 0 && d > daysInMonth(y, m))
      return new Violation('datum-bestaat-niet', 'is geen bestaande datum');
    return undefined;
  },
});

export interface DatumDelen {
  /** undefined when unknown (0000) */
  jaar?: number;
  maand?: number;
  dag?: number;
}

export function datumDelen(d: Datum): DatumDelen {
  const jaar = Number(d.slice(0, 4));
  const maand = Number(d.slice(4, 6));
  const dag = Number(d.slice(6, 8));
  return { ...(jaar && { jaar }), ...(maand && { maand }), ...(dag && { dag }) };
}

export function datum(jaar: number, maand = 0, dag = 0): Datum {
  const s = `${String(jaar).padStart(4, '0')}${String(maand).padStart(2, '0')}${String(dag).padStart(2, '0')}`;
  return make(Datum, s);
}

/** The earliest and latest day (as YYYYMMDD numbers) a partial date can stand for; undefined if the year is unknown. */
export function datumBereik(d: Datum): { vroegst: number; laatst: number } | undefined {
  // Arithmetic on the digits rather than datumDelen: this runs for every code of every
  // record of a verzamelbestand.
  const n = Number(d);
  const jaar = Math.floor(n / 10000);
  const maand = Math.floor(n / 100) % 100;
  const dag = n % 100;
  if (jaar === 0) return undefined;
  if (maand === 0) return { vroegst: jaar * 10000 + 101, laatst: jaar * 10000 + 1231 };
  const base = jaar * 10000 + maand * 100;
  if (dag === 0) return { vroegst: base + 1, laatst: base + daysInMonth(jaar, maand) };
  return { vroegst: base + dag, laatst: base + dag };
}

/**
 * True when `eind` certainly lies before `begin`. Partial dates are ranges: 202003 is before
 * 20200415, but not before 20200301 (it may be the 31st of March... no: it may be the 1st).
 * Unknown years never conflict.
 */
export function eindVoorBegin(begin: Datum, eind: Datum): boolean {
  const b = datumBereik(begin);
  const e = datumBereik(eind);
  return b !== undefined && e !== undefined && e.laatst < b.vroegst;
}

/** Today as a Datum, from the given clock (local date in Europe/Amsterdam is not needed: UTC day is fine for validity). */
export function vandaag(now: Date = new Date()): Datum {
  return datum(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate());
}

// ---------------------------------------------------------------------------------------
// Amounts

export const CdPositiefNegatief = stringType('CdPositiefNegatief', { enumeration: ['+', '-'] });
export type CdPositiefNegatief = Brand<string, 'CdPositiefNegatief'>;

export const CdPeriode = stringType('CdPeriode', {
  enumeration: ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '20'],
});
export type CdPeriode = Brand<string, 'CdPeriode'>;

export const CdMunteenheid = stringType('CdMunteenheid', { length: 3, pattern: '\\D*' });
export type CdMunteenheid = Brand<string, 'CdMunteenheid'>;

/** WaardeBedr: a non-negative integer of at most 18 digits, in cents; bigint because 18 digits exceed a double. */
export type WaardeBedr = Brand<bigint, 'WaardeBedr'>;
const WAARDE_MAX = 10n ** 18n - 1n;
export const WaardeBedr: ValueType<WaardeBedr> = {
  name: 'WaardeBedr',
  facets: { base: 'nonNegativeInteger', totalDigits: 18 },
  sensitive: false,
  parse(text) {
    // The common case, plain digits: the same outcome as below without the expressions.
    if (text.length > 0 && text.length <= 18 && allDigits(text)) return BigInt(text) as WaardeBedr;
    const t = text.trim();
    if (!/^\+?[0-9]+$/.test(t))
      return new Violation('nonNegativeInteger', 'is geen niet-negatief geheel getal');
    const digits = t.replace(/^\+?0*/, '');
    if (digits.length > 18) return new Violation('totalDigits', 'mag hoogstens 18 cijfers hebben');
    return BigInt(digits || '0') as WaardeBedr;
  },
  format(value) {
    if (typeof value !== 'bigint' || value < 0n || value > WAARDE_MAX)
      throw new ValueError('WaardeBedr', new Violation('range', 'moet 0 tot en met 18 negens zijn'));
    return value.toString();
  },
};

export function waardeBedr(cents: bigint | number): WaardeBedr {
  return make(WaardeBedr, BigInt(cents).toString());
}

// ---------------------------------------------------------------------------------------
// Percentage (StandaardPerc): five digits, two of them decimals (05000 = 50,00 %).

export type Percentage = Brand<string, 'Percentage'>;
export const Percentage = stringType('Percentage', { length: 5, pattern: '[0-9]{5}' });
export function percentage(honderdsten: number): Percentage {
  return make(Percentage, String(honderdsten).padStart(5, '0'));
}

// ---------------------------------------------------------------------------------------
// Text and code types of the basis schema and the services.

export const NaamPersoonA200 = stringType('NaamPersoonA200', {
  maxLength: 200,
  pattern: '\\D*',
  sensitive: true,
});
export type NaamPersoonA200 = Brand<string, 'NaamPersoonA200'>;
export const Voorletters = stringType('Voorletters', {
  maxLength: 6,
  pattern: '([A-Z]{1,6})|[.]',
  sensitive: true,
});
export type Voorletters = Brand<string, 'Voorletters'>;
export const Voorvoegsels = stringType('Voorvoegsels', { maxLength: 10, pattern: '\\D*', sensitive: true });
export type Voorvoegsels = Brand<string, 'Voorvoegsels'>;
export const NaamAdresNederlandAN24 = stringType('NaamAdresNederlandAN24', {
  maxLength: 24,
  sensitive: true,
});
export type NaamAdresNederlandAN24 = Brand<string, 'NaamAdresNederlandAN24'>;
export const NaamAdresNederlandAN40 = stringType('NaamAdresNederlandAN40', { maxLength: 40 });
export type NaamAdresNederlandAN40 = Brand<string, 'NaamAdresNederlandAN40'>;
export const NaamAdresNederlandAN70 = stringType('NaamAdresNederlandAN70', {
  maxLength: 70,
  sensitive: true,
});
export type NaamAdresNederlandAN70 = Brand<string, 'NaamAdresNederlandAN70'>;
export const NaamAdresNederlandAN80 = stringType('NaamAdresNederlandAN80', { maxLength: 80 });
export type NaamAdresNederlandAN80 = Brand<string, 'NaamAdresNederlandAN80'>;
export const NummerAdresNederlandAN6 = stringType('NummerAdresNederlandAN6', {
  maxLength: 6,
  sensitive: true,
});
export type NummerAdresNederlandAN6 = Brand<string, 'NummerAdresNederlandAN6'>;
export const NummerAdresNederlandN5 = intType('NummerAdresNederlandN5', { totalDigits: 5 });
export const Postcd = stringType('Postcd', {
  length: 6,
  pattern: '[1-9][0-9]{3}([a-z]|[A-Z]){2}',
  sensitive: true,
});
export type Postcd = Brand<string, 'Postcd'>;
export const NummerN15 = stringType('NummerN15', { length: 15 });
export type NummerN15 = Brand<string, 'NummerN15'>;
export const OmschrijvingAN40 = stringType('OmschrijvingAN40', { maxLength: 40 });
export type OmschrijvingAN40 = Brand<string, 'OmschrijvingAN40'>;
export const OmschrijvingAN100 = stringType('OmschrijvingAN100', { maxLength: 100 });
export type OmschrijvingAN100 = Brand<string, 'OmschrijvingAN100'>;
export const AantalN2 = intType('AantalN2', { minInclusive: 0, maxInclusive: 99, totalDigits: 2 });

export const Geslacht = stringType('Geslacht', { length: 1, pattern: '\\d*' });
export type Geslacht = Brand<string, 'Geslacht'>;
export const StdIndJN = stringType('StdIndJN', { length: 1, pattern: '\\d*' });
export type StdIndJN = Brand<string, 'StdIndJN'>;

/** Two-digit numeric code (`length 2, \d*`), the shape of most Suwi code tables. */
function code2(name: string) {
  return stringType(name, { length: 2, pattern: '\\d*' });
}

export const CdKolomSuwi = intType('CdKolomSuwi', { minInclusive: 0, maxInclusive: 99, totalDigits: 2 });
export const CdPartijSuwi = stringType('CdPartijSuwi', { length: 4, pattern: '\\d*' });
export type CdPartijSuwi = Brand<string, 'CdPartijSuwi'>;
export const CdVestigingSuwi = stringType('CdVestigingSuwi', { length: 4, pattern: '\\d*' });
export type CdVestigingSuwi = Brand<string, 'CdVestigingSuwi'>;
export const CdSzWet = stringType('CdSzWet', { maxLength: 5, pattern: '\\D*' });
export type CdSzWet = Brand<string, 'CdSzWet'>;
export const CdLeefvorm = code2('CdLeefvorm');
export type CdLeefvorm = Brand<string, 'CdLeefvorm'>;
export const CdRelatieBewonerHuisvesting = intType('CdRelatieBewonerHuisvesting', {
  minInclusive: 0,
  maxInclusive: 99,
  totalDigits: 2,
});
export const CdBeslissingOpAanvraagUitkering = code2('CdBeslissingOpAanvraagUitkering');
export type CdBeslissingOpAanvraagUitkering = Brand<string, 'CdBeslissingOpAanvraagUitkering'>;
export const CdRedenVordering = code2('CdRedenVordering');
export type CdRedenVordering = Brand<string, 'CdRedenVordering'>;
export const CdStatusVordering = code2('CdStatusVordering');
export type CdStatusVordering = Brand<string, 'CdStatusVordering'>;
export const CdSrtNormbedrag = code2('CdSrtNormbedrag');
export type CdSrtNormbedrag = Brand<string, 'CdSrtNormbedrag'>;
export const CdSrtOverigeInkomsten = intType('CdSrtOverigeInkomsten', {
  minInclusive: 0,
  maxInclusive: 99,
  totalDigits: 2,
});
export const CdClassificatieBbz = stringType('CdClassificatieBbz', { length: 1, pattern: '\\d*' });
export type CdClassificatieBbz = Brand<string, 'CdClassificatieBbz'>;

// Types defined by the Bijstandsregelingen service itself.
export const CdAanleidingEindeBijstandUitk = code2('CdAanleidingEindeBijstandUitk');
export type CdAanleidingEindeBijstandUitk = Brand<string, 'CdAanleidingEindeBijstandUitk'>;
export const CdClusterBijzBijstand = stringType('CdClusterBijzBijstand', { length: 1 });
export type CdClusterBijzBijstand = Brand<string, 'CdClusterBijzBijstand'>;
export const CdHoogteBestuurlijkeBoete = stringType('CdHoogteBestuurlijkeBoete', { length: 1 });
export type CdHoogteBestuurlijkeBoete = Brand<string, 'CdHoogteBestuurlijkeBoete'>;
export const CdRecidivetermijn = stringType('CdRecidivetermijn', { length: 1 });
export type CdRecidivetermijn = Brand<string, 'CdRecidivetermijn'>;
export const CdRedenEVrijstArbeidsplichtBijst = stringType('CdRedenEVrijstArbeidsplichtBijst', { length: 2 });
export type CdRedenEVrijstArbeidsplichtBijst = Brand<string, 'CdRedenEVrijstArbeidsplichtBijst'>;
export const CdRedenMaatregelMbtBijstandUitk = code2('CdRedenMaatregelMbtBijstandUitk');
export type CdRedenMaatregelMbtBijstandUitk = Brand<string, 'CdRedenMaatregelMbtBijstandUitk'>;
export const CdSrtSanctie = stringType('CdSrtSanctie', { length: 1 });
export type CdSrtSanctie = Brand<string, 'CdSrtSanctie'>;
export const CdVrijstellingArbeidsplichtBijst = stringType('CdVrijstellingArbeidsplichtBijst', { length: 1 });
export type CdVrijstellingArbeidsplichtBijst = Brand<string, 'CdVrijstellingArbeidsplichtBijst'>;
export const ParketnrJustitie = stringType('ParketnrJustitie', { maxLength: 15 });
export type ParketnrJustitie = Brand<string, 'ParketnrJustitie'>;

// Types defined by the GSDDossierReintegratie service.
export const CdArbeidsvermogen = stringType('CdArbeidsvermogen', { length: 2 });
export type CdArbeidsvermogen = Brand<string, 'CdArbeidsvermogen'>;
export const CdDoelRv = stringType('CdDoelRv', { length: 1 });
export type CdDoelRv = Brand<string, 'CdDoelRv'>;
export const RegistratienrRvGsd = stringType('RegistratienrRvGsd', { maxLength: 15 });
export type RegistratienrRvGsd = Brand<string, 'RegistratienrRvGsd'>;
export const CdTypeRvGsd = stringType('CdTypeRvGsd', { length: 2 });
export type CdTypeRvGsd = Brand<string, 'CdTypeRvGsd'>;

// Types defined by IBVerwijsindex.
export const CdClusteringIb = stringType('CdClusteringIb', { maxLength: 2 });
export type CdClusteringIb = Brand<string, 'CdClusteringIb'>;

/** Participatieladder: rung 1 to 6 (not in Suwi-ML v0200; the DKD data set names it). */
export const Trede = intType('TredeParticipatieladder', { minInclusive: 1, maxInclusive: 6, totalDigits: 1 });

/** Plain text of an FWI Melding (xs:string). */
export const Tekst = stringType('string', {});
export type Tekst = Brand<string, 'string'>;
