/**
 * The stored form of a dossier: the compact positional form reads back as exactly the
 * dossier that was written, and the keyed form of earlier versions is still read.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dossier } from '../../src/domain/model.js';
import { walk, type AnyNode } from '../../src/domain/schema.js';
import { decodeDossier, encodeDossier, OPSLAG_VERSIE } from '../../src/domain/json.js';
import { nodeArb, valueArb } from '../helpers/arbitraries.js';
import { BSN, dossier, keyedForm } from '../helpers/dossiers.js';

/** A copy with ordinary prototypes (fast-check makes some records without one). */
function plain(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(plain);
  if (typeof x !== 'object' || x === null) return x;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
}

describe('the compact stored form', () => {
  it('decodeDossier(encodeDossier(d)) deep-equals d: bigints, absent optionals, lists', () => {
    fc.assert(
      fc.property(nodeArb(Dossier, 3), (d) => {
        const text = encodeDossier(d);
        expect(text.startsWith(`[${OPSLAG_VERSIE},`)).toBe(true);
        // toStrictEqual: no key that was absent comes back as undefined, types as written.
        expect(decodeDossier(text)).toStrictEqual(plain(d));
      }),
      { numRuns: 300 },
    );
  });

  it('every leaf of the model holds a string, a number or a bigint', () => {
    const leaves: AnyNode[] = [];
    walk(Dossier, (f) => {
      if (f.node.kind === 'leaf') leaves.push(f.node);
    });
    expect(leaves.length).toBeGreaterThan(50);
    const kinds = new Set<string>();
    for (const leaf of leaves) {
      if (leaf.kind !== 'leaf') continue;
      for (const v of fc.sample(valueArb(leaf.type), 20)) {
        expect(['string', 'number', 'bigint']).toContain(typeof v);
        kinds.add(typeof v);
      }
    }
    expect([...kinds].sort()).toEqual(['bigint', 'number', 'string']);
  });

  it('keeps amounts exact on both sides of 2^53, and tells a missing list from an empty one', () => {
    const d = dossier(BSN.gedeeld, '0363');
    const periode = d.bijstandsregelingen!.uitkeringsverhouding[0]!.uitkeringsperiode[0]!;
    periode.normbedrag = [
      { cdSrtNormbedrag: '01', waardeBedr: 0n },
      { cdSrtNormbedrag: '02', waardeBedr: 2n ** 53n - 1n },
      { cdSrtNormbedrag: '03', waardeBedr: 2n ** 53n + 1n },
      { cdSrtNormbedrag: '04', waardeBedr: 10n ** 18n - 1n },
    ] as typeof periode.normbedrag;
    // A list the model always has, left out by hand: it must not come back as [].
    delete (periode as Partial<typeof periode>).maatregelMbtUitkering;
    // A string with a lone surrogate and characters JSON escapes.
    d.client.voornamen = 'A\ud800"\\\n\u2028B' as typeof d.client.voornamen;
    const back = decodeDossier(encodeDossier(d));
    expect(back).toStrictEqual(d);
    const bedragen = back.bijstandsregelingen!.uitkeringsverhouding[0]!.uitkeringsperiode[0]!.normbedrag;
    expect(bedragen.map((b) => b.waardeBedr)).toEqual([0n, 2n ** 53n - 1n, 2n ** 53n + 1n, 10n ** 18n - 1n]);
    expect(
      'maatregelMbtUitkering' in back.bijstandsregelingen!.uitkeringsverhouding[0]!.uitkeringsperiode[0]!,
    ).toBe(false);
    expect(back.bijstandsregelingen!.specifiekeGegevensBijzBijstand).toEqual([]);
  });

  it('is positional: no element names, absent fields at the end left off', () => {
    const d = dossier(BSN.gedeeld, '0363', { reintegratie: false });
    const text = encodeDossier(d);
    expect(text).not.toContain('burgerservicenr');
    expect(text).not.toContain('null]');
    expect(JSON.parse(text)).toHaveLength(3); // version, client, bijstandsregelingen
    expect(text.length * 2).toBeLessThan(keyedForm(d).length);
  });

  it('refuses an unknown version without showing the content', () => {
    expect(() => decodeDossier(`[99,["${BSN.gedeeld}"]]`)).toThrow(/unknown version/);
    expect(() => decodeDossier(`[99,["${BSN.gedeeld}"]]`)).not.toThrow(new RegExp(BSN.gedeeld));
    expect(() => decodeDossier('"x"')).toThrow(/neither the compact nor the keyed form/);
  });
});

describe('the keyed form of earlier versions', () => {
  it('is still read: decodeDossier(keyed(d)) deep-equals d', () => {
    fc.assert(
      fc.property(nodeArb(Dossier, 2), (d) => {
        const text = keyedForm(d);
        expect(text.startsWith('{')).toBe(true);
        expect(decodeDossier(text)).toEqual(d);
      }),
      { numRuns: 150 },
    );
  });

  it('reads a text as an earlier version wrote it', () => {
    // Verbatim shape of a row of a store written before the compact form.
    const text =
      '{"client":{"burgerservicenr":"111222333","geboortedat":"19800300","domicilieAdres":{"huisnr":138},' +
      '"bron":{"cdKolomSuwi":4,"cdPartijSuwi":"0363"}},"bijstandsregelingen":{"aanvraagUitkering":[],' +
      '"vordering":[{"bedrSaldoVordering":{"cdMunteenheid":"EUR","cdPositiefNegatief":"-","waardeBedr":"12500"},' +
      '"szWet":{"cdSzWet":"PW"},"partnerVordering":[],"bron":{"cdKolomSuwi":4,"cdPartijSuwi":"0363"}}],' +
      '"specifiekeGegevensBijzBijstand":[],"uitkeringsverhouding":[]}}';
    expect(decodeDossier(text)).toStrictEqual({
      client: {
        burgerservicenr: '111222333',
        geboortedat: '19800300',
        domicilieAdres: { huisnr: 138 },
        bron: { cdKolomSuwi: 4, cdPartijSuwi: '0363' },
      },
      bijstandsregelingen: {
        aanvraagUitkering: [],
        vordering: [
          {
            bedrSaldoVordering: { cdMunteenheid: 'EUR', cdPositiefNegatief: '-', waardeBedr: 12500n },
            szWet: { cdSzWet: 'PW' },
            partnerVordering: [],
            bron: { cdKolomSuwi: 4, cdPartijSuwi: '0363' },
          },
        ],
        specifiekeGegevensBijzBijstand: [],
        uitkeringsverhouding: [],
      },
    });
  });
});
