import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Codetabellen } from '../../src/domain/codetabellen.js';
import { walk } from '../../src/domain/schema.js';
import { Dossier } from '../../src/domain/model.js';
import { make, Datum } from '../../src/domain/values.js';

const tabellen = Codetabellen.load();
const d = (s: string) => make(Datum, s);

describe('code tables as data', () => {
  it('has a table for every coded element of the data set', () => {
    const coded = new Set<string>();
    walk(Dossier, (f) => {
      if (f.node.kind === 'leaf' && /^(Cd|Geslacht$|StdIndJN$|Trede)/.test(f.node.type.name))
        coded.add(f.node.type.name);
    });
    // Party and branch codes identify organisations: they are checked against the registry, not a table.
    const registry = ['CdPartijSuwi', 'CdVestigingSuwi'];
    const missing = [...coded].filter((n) => !tabellen.has(n) && !registry.includes(n));
    expect(missing).toEqual([]);
    expect(coded.size).toBeGreaterThan(20);
  });

  it('knows the participatieladder with its six rungs', () => {
    expect(tabellen.geldigeCodes('TredeParticipatieladder').map((c) => c.code)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
    ]);
  });

  it('judges a code by its validity on a date, partial dates as ranges', () => {
    expect(tabellen.oordeel('CdSzWet', 'PW', d('20200101'))).toBe('geldig');
    expect(tabellen.oordeel('CdSzWet', 'PW', d('20100101'))).toBe('niet-geldig-op-datum');
    expect(tabellen.oordeel('CdSzWet', 'WWB', d('20141231'))).toBe('geldig');
    expect(tabellen.oordeel('CdSzWet', 'WWB', d('20150101'))).toBe('niet-geldig-op-datum');
    expect(tabellen.oordeel('CdSzWet', 'WWB', d('20140000'))).toBe('geldig');
    expect(tabellen.oordeel('CdSzWet', 'PW', d('00000000'))).toBe('geldig');
    expect(tabellen.oordeel('CdSzWet', 'XYZ')).toBe('onbekend');
  });

  it('refuses a table file with a bad date or a duplicate code', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ct-'));
    writeFileSync(
      path.join(dir, 'X.json'),
      JSON.stringify({ naam: 'X', codes: [{ code: '1', omschrijving: 'a', ingangsdatum: '20231301' }] }),
    );
    expect(() => Codetabellen.load(dir)).toThrow(/ingangsdatum/);
    writeFileSync(
      path.join(dir, 'X.json'),
      JSON.stringify({
        naam: 'X',
        codes: [1, 1].map(() => ({ code: '1', omschrijving: 'a', ingangsdatum: '20230101' })),
      }),
    );
    expect(() => Codetabellen.load(dir)).toThrow(/twee keer/);
  });
});
