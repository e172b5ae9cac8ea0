/**
 * fast-check arbitraries derived from the domain descriptions: every value they make is a
 * valid one (it passes its type's parse), and every optional element is sometimes there
 * and sometimes not, so round-trip properties reach every branch of a structure.
 */
import fc from 'fast-check';
import type { AnyNode, Infer, SequenceNode } from '../../src/domain/schema.js';
import { Violation, type ValueType } from '../../src/domain/values.js';

const XML_TEXT_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCXYZ &<>"\'éëïöüçñß-.,/\t\n\r€😀'];

function text(min: number, max: number, digits: boolean): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...XML_TEXT_CHARS) },
    { weight: 1, arbitrary: digits ? fc.constantFrom(...'0123456789') : fc.constant('x') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  );
  return fc.string({ unit, minLength: min, maxLength: Math.min(max, 40) });
}

export const bsnArb: fc.Arbitrary<string> = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 })
  .map((d) => {
    const sum = d.reduce((s, x, i) => s + (9 - i) * x, 0);
    const check = sum % 11;
    return check === 10 ? null : d.join('') + String(check);
  })
  .filter((s): s is string => s !== null && s !== '000000000');

export const datumArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10).replaceAll('-', '')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1900, max: 2099 }).map((y) => `${y}0000`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1900, max: 2099 }), fc.integer({ min: 1, max: 12 }))
      .map(([y, m]) => `${y}${String(m).padStart(2, '0')}00`),
  },
  { weight: 1, arbitrary: fc.constant('00000000') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
      .map(([m, d]) => `0000${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`),
  },
);

function raw(t: ValueType<unknown>): fc.Arbitrary<string> {
  const f = t.facets;
  if (t.name === 'Burgerservicenr') return bsnArb;
  if (t.name === 'Datum') return datumArb;
  if (f.enumeration) return fc.constantFrom(...f.enumeration);
  if (f.base === 'nonNegativeInteger') {
    const max = f.maxInclusive ?? 10 ** Math.min(f.totalDigits ?? 15, 15) - 1;
    if (t.name === 'WaardeBedr')
      return fc
        .oneof(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), fc.bigInt({ min: 0n, max: 100000n }))
        .map(String);
    return fc.integer({ min: f.minInclusive ?? 0, max }).map(String);
  }
  const min = f.length ?? f.minLength ?? 0;
  const max = f.length ?? f.maxLength ?? 60;
  if (f.pattern) {
    if (f.pattern === '\\d*')
      return fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    if (f.pattern === '\\D*') return text(min, max, false);
    return fc
      .stringMatching(new RegExp(`^(?:${f.pattern})$`), { maxLength: max })
      .filter((s) => [...s].length >= min);
  }
  return text(min, max, true);
}

const cache = new Map<ValueType<unknown>, fc.Arbitrary<unknown>>();

/** Valid values of a simple type. */
export function valueArb<T>(t: ValueType<T>): fc.Arbitrary<T> {
  let a = cache.get(t);
  if (!a) {
    a = raw(t)
      .map((s) => t.parse(s))
      .filter((x) => !(x instanceof Violation));
    cache.set(t, a);
  }
  return a as fc.Arbitrary<T>;
}

/** Valid values of any described node; lists hold up to `maxItems` elements. */
export function nodeArb<N extends AnyNode>(node: N, maxItems = 2): fc.Arbitrary<Infer<N>> {
  if (node.kind === 'leaf') return valueArb(node.type) as fc.Arbitrary<Infer<N>>;
  return sequenceArb(node, maxItems) as fc.Arbitrary<Infer<N>>;
}

function sequenceArb(node: SequenceNode, maxItems: number): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  const optional: string[] = [];
  for (const f of node.fields) {
    const inner = nodeArb(f.node, Math.max(1, maxItems - 1));
    if (f.max === 'n')
      parts[f.key] = fc.array(inner, { minLength: f.min, maxLength: Math.max(f.min, maxItems) });
    else {
      parts[f.key] = inner;
      if (f.min === 0) optional.push(f.key);
    }
  }
  const required = Object.keys(parts).filter((k) => !optional.includes(k));
  return fc.record(parts, { requiredKeys: required });
}
