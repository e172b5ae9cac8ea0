import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Burgerservicenr,
  Datum,
  eindVoorBegin,
  elfproef,
  make,
  NaamPersoonA200,
  Postcd,
  ValueError,
  Violation,
  Voorletters,
  WaardeBedr,
  CdSzWet,
  NummerAdresNederlandN5,
  datumBereik,
} from '../../src/domain/values.js';
import { bedrag, centen } from '../../src/domain/model.js';
import { bsnArb } from '../helpers/arbitraries.js';

const rule = (r: unknown) => (r instanceof Violation ? r.rule : 'ok');

describe('Burgerservicenr', () => {
  it('accepts a number that passes the elfproef', () => {
    expect(rule(Burgerservicenr.parse('123456782'))).toBe('ok');
    expect(elfproef('111222333')).toBe(true);
  });
  it('refuses a typing error with the rule elfproef', () => {
    expect(rule(Burgerservicenr.parse('123456781'))).toBe('elfproef');
  });
  it('refuses wrong lengths and non-digits by the schema facets', () => {
    expect(rule(Burgerservicenr.parse('12345678'))).toBe('length');
    expect(rule(Burgerservicenr.parse('12345678a'))).toBe('pattern');
    expect(rule(Burgerservicenr.parse(' 23456782'))).toBe('pattern');
  });
  it('refuses 000000000 although its sum is 0', () => {
    expect(rule(Burgerservicenr.parse('000000000'))).toBe('elfproef');
  });
  it('treats non-ASCII decimal digits as digits, as XSD \\d does', () => {
    expect(rule(NaamPersoonA200.parse('Jan٣'))).toBe('pattern');
  });
  it('every generated BSN passes, and changing one digit breaks it', () => {
    fc.assert(
      fc.property(bsnArb, fc.integer({ min: 0, max: 7 }), (bsn, i) => {
        expect(elfproef(bsn)).toBe(true);
        const d = (Number(bsn[i]) + 1) % 10;
        const changed = bsn.slice(0, i) + String(d) + bsn.slice(i + 1);
        expect(elfproef(changed)).toBe(false);
      }),
    );
  });
  it('does not put the value in the error text', () => {
    try {
      make(Burgerservicenr, '123456781');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValueError);
      expect(String((e as Error).message)).not.toContain('123456781');
    }
  });
});

describe('Datum', () => {
  it('keeps partial dates as they are', () => {
    for (const s of ['20200315', '20200300', '20200000', '00000000', '00000315'])
      expect(make(Datum, s), s).toBe(s);
  });
  it('refuses dates that do not exist', () => {
    expect(rule(Datum.parse('20230229'))).toBe('datum-bestaat-niet');
    expect(rule(Datum.parse('20240431'))).toBe('datum-bestaat-niet');
    expect(rule(Datum.parse('20200015'))).toBe('datum-bestaat-niet');
    expect(rule(Datum.parse('20201301'))).toBe('pattern');
    expect(rule(Datum.parse('2020-03-15'))).toBe('length');
  });
  it('accepts 29 February in a leap year and in an unknown year', () => {
    expect(rule(Datum.parse('20240229'))).toBe('ok');
    expect(rule(Datum.parse('00000229'))).toBe('ok');
  });
  it('compares partial dates as ranges', () => {
    const d = (s: string) => make(Datum, s);
    expect(eindVoorBegin(d('20200415'), d('202003' + '00'))).toBe(true);
    expect(eindVoorBegin(d('20200301'), d('20200300'))).toBe(false);
    expect(eindVoorBegin(d('20200301'), d('00000000'))).toBe(false);
    expect(datumBereik(d('20240200'))).toEqual({ vroegst: 20240201, laatst: 20240229 });
  });
});

describe('StandaardBedr and WaardeBedr', () => {
  it('holds 18 digits exactly, as cents in a bigint', () => {
    const max = make(WaardeBedr, '999999999999999999');
    expect(max).toBe(999999999999999999n);
    expect(rule(WaardeBedr.parse('1000000000000000000'))).toBe('totalDigits');
    expect(rule(WaardeBedr.parse('-5'))).toBe('nonNegativeInteger');
  });
  it('builds a negative amount with its sign and period unit', () => {
    const b = bedrag(-12345, '06');
    expect(b).toEqual({
      cdMunteenheid: 'EUR',
      cdPositiefNegatief: '-',
      waardeBedr: 12345n,
      cdPeriodeEenheidGeldigheidBedr: '06',
    });
    expect(centen(b)).toBe(-12345n);
  });
});

describe('string and number facets', () => {
  it('counts characters, not UTF-16 units', () => {
    expect(rule(CdSzWet.parse('😀😀😀😀😀'))).toBe('ok');
    expect(rule(CdSzWet.parse('😀😀😀😀😀😀'))).toBe('maxLength');
  });
  it('checks the patterns of the schema', () => {
    expect(rule(Postcd.parse('1234AB'))).toBe('ok');
    expect(rule(Postcd.parse('0234AB'))).toBe('pattern');
    expect(rule(Voorletters.parse('.'))).toBe('ok');
    expect(rule(Voorletters.parse('J.'))).toBe('pattern');
  });
  it('refuses characters XML cannot carry', () => {
    expect(rule(NaamPersoonA200.parse('a\u0001b'))).toBe('xml-teken');
  });
  it('reads numbers with collapsed whitespace and refuses too many digits', () => {
    expect(NummerAdresNederlandN5.parse(' 12 ')).toBe(12);
    expect(rule(NummerAdresNederlandN5.parse('123456'))).toBe('totalDigits');
  });
});
