/**
 * The value types are tuned for bulk loads (no u-flag expression for plain text, loops for
 * `\d*`, Datum and plain digits). This test holds every type against a reference: the
 * straightforward reading of its facets with the regular expressions, as the types were
 * written before, on valid, nearly valid and arbitrary text. Same value or same Violation
 * (rule and message).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as format from '../../src/batch/format.js';
import * as v from '../../src/domain/values.js';

type Parse = (s: string) => unknown;

// eslint-disable-next-line no-control-regex
const XML_CHAR = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** The string types' check as written before the tuning, from the facets (and an extra test). */
function referenceString(f: v.Facets, extra?: (s: string) => v.Violation | undefined): Parse {
  const re = f.pattern === undefined ? undefined : new RegExp(`^(?:${v.xsdPatternToJs(f.pattern)})$`, 'u');
  return (s) => {
    if (!XML_CHAR.test(s)) return new v.Violation('xml-teken', 'bevat een teken dat in XML niet mag');
    const len = /[\uD800-\uDBFF]/.test(s) ? [...s].length : s.length;
    if (f.length !== undefined && len !== f.length)
      return new v.Violation('length', `moet precies ${f.length} tekens lang zijn, is ${len}`);
    if (f.minLength !== undefined && len < f.minLength)
      return new v.Violation('minLength', `moet minstens ${f.minLength} tekens lang zijn, is ${len}`);
    if (f.maxLength !== undefined && len > f.maxLength)
      return new v.Violation('maxLength', `mag hoogstens ${f.maxLength} tekens lang zijn, is ${len}`);
    if (re && !re.test(s)) return new v.Violation('pattern', `voldoet niet aan het patroon ${f.pattern}`);
    if (f.enumeration && !f.enumeration.includes(s))
      return new v.Violation('enumeration', `is geen van ${f.enumeration.join(', ')}`);
    return extra?.(s) ?? s;
  };
}

/** xs:nonNegativeInteger types as written before, from the facets. */
function referenceInt(f: v.Facets): Parse {
  const max = f.maxInclusive ?? 10 ** f.totalDigits! - 1;
  const min = f.minInclusive ?? 0;
  return (text) => {
    const t = text.trim();
    if (!/^\+?[0-9]+$/.test(t))
      return new v.Violation('nonNegativeInteger', 'is geen niet-negatief geheel getal');
    const digits = t.replace(/^\+?0*/, '');
    if (digits.length > f.totalDigits!)
      return new v.Violation('totalDigits', `mag hoogstens ${f.totalDigits} cijfers hebben`);
    const n = Number(digits || '0');
    return !Number.isSafeInteger(n) || n < min || n > max
      ? new v.Violation('range', `moet een geheel getal van ${min} tot en met ${max} zijn`)
      : n;
  };
}

function referenceWaardeBedr(text: string): unknown {
  const t = text.trim();
  if (!/^\+?[0-9]+$/.test(t))
    return new v.Violation('nonNegativeInteger', 'is geen niet-negatief geheel getal');
  const digits = t.replace(/^\+?0*/, '');
  if (digits.length > 18) return new v.Violation('totalDigits', 'mag hoogstens 18 cijfers hebben');
  return BigInt(digits || '0');
}

function referenceDatumExtra(s: string): v.Violation | undefined {
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const leap = y === 0 || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  const days = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
  if (m === 0 && d !== 0) return new v.Violation('datum-bestaat-niet', 'heeft een dag maar geen maand');
  if (m !== 0 && d !== 0 && d > days) return new v.Violation('datum-bestaat-niet', 'is geen bestaande datum');
  return undefined;
}

function referenceElfproef(s: string): v.Violation | undefined {
  if (!/^[0-9]{9}$/.test(s) || s === '000000000')
    return new v.Violation('elfproef', 'voldoet niet aan de elfproef');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * (s.charCodeAt(i) - 48);
  sum -= s.charCodeAt(8) - 48;
  return sum % 11 === 0 ? undefined : new v.Violation('elfproef', 'voldoet niet aan de elfproef');
}

/** Every value type of the domain and of the verzamelbestand format, with its reference. */
function typesWithReference(): [v.ValueType<unknown>, Parse][] {
  const out: [v.ValueType<unknown>, Parse][] = [];
  const seen = new Set<unknown>();
  for (const x of [...Object.values(v), ...Object.values(format)]) {
    if (typeof x !== 'object' || x === null || !('parse' in x) || !('facets' in x) || seen.has(x)) continue;
    seen.add(x);
    const t = x as v.ValueType<unknown>;
    let ref: Parse;
    if (t === v.WaardeBedr) ref = referenceWaardeBedr;
    else if (t.facets.base === 'nonNegativeInteger') ref = referenceInt(t.facets);
    else if (t === v.Datum) ref = referenceString(t.facets, referenceDatumExtra);
    else if (t === v.Burgerservicenr) ref = referenceString(t.facets, referenceElfproef);
    else if (t === format.DatTijd)
      continue; // an extra test of its own, not tuned
    else ref = referenceString(t.facets);
    out.push([t, ref]);
  }
  return out;
}

const digit = fc.constantFrom(...'0123456789');
const textArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: digit, maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '+', ' ', '0', '00', '\t', '-'),
        fc.string({ unit: digit, minLength: 1, maxLength: 19 }),
        fc.constantFrom('', ' ', '\n', 'x'),
      )
      .map((a) => a.join('')),
  },
  {
    weight: 3,
    arbitrary: fc.string({
      unit: fc.constantFrom(...'0123AZaz .-+éŞ😀\t\r\n\u0001\uFFFE\u00a0\u0661\u1369', '\uD800', '\uDC00'),
      maxLength: 12,
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 19 }),
        fc.integer({ min: 0, max: 39 }),
      )
      .map(([y, m, d]) => `${y}`.padStart(4, '0') + `${m}`.padStart(2, '0') + `${d}`.padStart(2, '0')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('PW', 'EUR', '1028NG', 'AB', '.', 'volledig', 'v0100', '01', '20'),
  },
);

describe('the tuned value types and their reference', () => {
  const types = typesWithReference();

  it('cover the types', () => {
    expect(types.length).toBeGreaterThan(40);
  });

  it('give the same value or the same violation for any text', () => {
    fc.assert(
      fc.property(textArb, (s) => {
        for (const [t, ref] of types)
          expect(t.parse(s), `${t.name} ${JSON.stringify(s)}`).toStrictEqual(ref(s));
      }),
      { numRuns: 4000 },
    );
  });

  it('datumMatches says what the Datum pattern says', () => {
    const re = new RegExp(`^(?:${v.xsdPatternToJs(v.Datum.facets.pattern!)})$`, 'u');
    fc.assert(
      fc.property(textArb, (s) => {
        expect(v.datumMatches(s), s).toBe(re.test(s));
      }),
      { numRuns: 4000 },
    );
    for (const s of [
      '00000000',
      '00000100',
      '00010000',
      '00001231',
      '99991231',
      '00000001',
      '20241300',
      '20240032',
    ])
      expect(v.datumMatches(s), s).toBe(re.test(s));
  });
});
