/**
 * The fast path for records (src/batch/fast.ts) against the generic path (scanner tree,
 * decodeFields, rules): generated verzamelbestanden and many mutations of them, read in
 * chunks of every size, must give the same outcome both ways: the same file refusal (rule,
 * message, line, details) or the same records, batch by batch, each with the same
 * Gecontroleerd (soort, BSN, dossier with the same keys in the same order, findings with
 * path, rule, message, value and line). A scanner-level test does the same with small
 * limits (elements, elements per record, depth), and the fast path must really be taken.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordChecker } from '../../src/batch/check.js';
import { FastRecordDecoder } from '../../src/batch/fast.js';
import { type Kop, V0100 } from '../../src/batch/format.js';
import { BestandFout, readVerzamelbestand, type RecordElement } from '../../src/batch/reader.js';
import { XmlScanner } from '../../src/batch/scan.js';
import { verwerk } from '../../src/batch/ingest.js';
import { Codetabellen } from '../../src/domain/codetabellen.js';
import type { Dossier } from '../../src/domain/model.js';
import { generateVerzamelbestand, ownBsn, syntheticDossier } from '../../src/sim/generator.js';
import { decodeFields, encodeElement, encodeFields, type Finding } from '../../src/suwiml/xml/codec.js';
import { XmlError, type XElement, type XmlLimits } from '../../src/suwiml/xml/tree.js';
import { bsnArb, nodeArb } from '../helpers/arbitraries.js';

const codes = Codetabellen.load();
const dir = mkdtempSync(join(tmpdir(), 'dkd-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const G = '0363';

// ------------------------------------------------------------------ documents

type Rec = { dossier: Dossier } | { verwijdering: string };

function document(records: Rec[], soort: 'volledig' | 'mutatie', eol: string): string {
  const kop = {
    cdPartijSuwi: G,
    soortLevering: soort,
    datTijdAanmaak: '2026-11-01T06:00:00Z',
    formaatversie: 'v0100',
    aantalRecords: records.length,
  } as Kop;
  const head: string[] = [];
  encodeFields(V0100.kop.fields, kop as unknown as Record<string, unknown>, head);
  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>${eol}<vb:Verzamelbestand xmlns:vb="${V0100.namespace}">${eol}<Kop>${head.join('')}</Kop>${eol}`,
  ];
  for (const r of records) {
    if ('dossier' in r) encodeElement('Dossier', V0100.dossier, V0100.fromDossier(r.dossier), parts);
    else encodeElement('Verwijdering', V0100.verwijdering, { burgerservicenr: r.verwijdering }, parts);
    parts.push(eol);
  }
  parts.push(`</vb:Verzamelbestand>${eol}`);
  return parts.join('');
}

/** Realistic dossiers (the generator's: rules pass) and arbitrary ones (codes often unknown). */
const dossierArb: fc.Arbitrary<Dossier> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.nat(1000), fc.constantFrom('a', 'b', 'c'))
      .map(([i, seed]) => syntheticDossier(codes, G, seed, i, ownBsn(G, seed, i), ownBsn(G, seed, i + 5000))),
  },
  { weight: 2, arbitrary: nodeArb(V0100.dossier, 2) as unknown as fc.Arbitrary<Dossier> },
);

const recordArb: fc.Arbitrary<Rec> = fc.oneof(
  { weight: 5, arbitrary: dossierArb.map((dossier) => ({ dossier })) },
  { weight: 1, arbitrary: bsnArb.map((verwijdering) => ({ verwijdering })) },
);

const documentArb = fc
  .tuple(
    fc.array(recordArb, { minLength: 0, maxLength: 4 }),
    fc.constantFrom('volledig', 'mutatie') as fc.Arbitrary<'volledig' | 'mutatie'>,
    fc.constantFrom('\n', '\n', '\r\n', '', '\n  '),
  )
  .map(([records, soort, eol]) => document(records, soort, eol));

// ------------------------------------------------------------------ mutations

/** Start tags in the text (name and position), for mutations of whole elements. */
function startTags(doc: string): { name: string; at: number }[] {
  return [...doc.matchAll(/<([A-Za-z]+)>/g)].map((m) => ({ name: m[1]!, at: m.index }));
}

/** The end of the element that starts at `at` (after its end tag), or -1. */
function elementEnd(doc: string, name: string, at: number): number {
  const close = doc.indexOf(`</${name}>`, at);
  return close < 0 ? -1 : close + name.length + 3;
}

const INSERTS = [
  '<',
  '>',
  '&',
  '&amp;',
  '&#65;',
  '&#x20AC;',
  '&bogus;',
  ']]>',
  '\r',
  '\r\n',
  ' ',
  '\t',
  '\n',
  '\u00a0',
  '<!-- c -->',
  '<![CDATA[x]]>',
  '<?pi x?>',
  '<!DOCTYPE a>',
  ' a="1"',
  ' xmlns="urn:x"',
  ' xmlns:p="urn:p"',
  'p:',
  '<x/>',
  '</x>',
  '<Bron/>',
  'x',
  '0',
  '9',
  '/',
  '\u0001',
  'é',
  '😀',
];
const VALUES = [
  '',
  ' ',
  'x',
  '0',
  '99999999',
  '000000000',
  '123456789',
  '20230229',
  ' 12 ',
  '+5',
  '-1',
  'A'.repeat(300),
  'Anna\r\nMaria',
  'a\rb',
  '\r',
  'Jan & Piet',
  'x]]>y',
  'é😀',
  '\u00a0',
];

type Mutation =
  | { kind: 'insert'; at: number; s: string }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'cut'; at: number }
  | {
      kind: 'drop' | 'duplicate' | 'swap' | 'empty' | 'value' | 'attribute' | 'prefix';
      which: number;
      s: string;
    }
  | { kind: 'crlf' | 'indent' | 'default-ns' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), s: fc.constantFrom(...INSERTS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('value' as const),
    which: fc.nat(),
    s: fc.constantFrom(...VALUES),
  }),
  fc.record({
    kind: fc.constantFrom(
      'drop' as const,
      'duplicate' as const,
      'swap' as const,
      'empty' as const,
      'value' as const,
      'attribute' as const,
      'prefix' as const,
    ),
    which: fc.nat(),
    s: fc.constantFrom(...VALUES),
  }),
  fc.record({ kind: fc.constantFrom('crlf' as const, 'indent' as const, 'default-ns' as const) }),
);

function mutate(doc: string, m: Mutation): string {
  switch (m.kind) {
    case 'insert':
    case 'delete':
    case 'cut': {
      // On code points: a surrogate pair is never cut in two.
      const cps = Array.from(doc);
      const i = m.at % (cps.length + 1);
      if (m.kind === 'cut') return cps.slice(0, i).join('');
      if (m.kind === 'delete') return [...cps.slice(0, i), ...cps.slice(i + m.n)].join('');
      return [...cps.slice(0, i), m.s, ...cps.slice(i)].join('');
    }
    case 'crlf':
      return doc.replace(/\n/g, '\r\n');
    case 'indent':
      return doc.replace(/></g, '>\n\t <');
    case 'default-ns':
      return doc.replace('<vb:Verzamelbestand ', '<vb:Verzamelbestand xmlns="urn:x" ');
    default: {
      const tags = startTags(doc);
      if (tags.length === 0) return doc;
      const t = tags[m.which % tags.length]!;
      const end = elementEnd(doc, t.name, t.at);
      if (end < 0) return doc;
      const el = doc.slice(t.at, end);
      switch (m.kind) {
        case 'drop':
          return doc.slice(0, t.at) + doc.slice(end);
        case 'duplicate':
          return doc.slice(0, end) + el + doc.slice(end);
        case 'swap': {
          const next = tags.find((x) => x.at >= end);
          if (!next) return doc;
          const nextEnd = elementEnd(doc, next.name, next.at);
          if (nextEnd < 0) return doc;
          return (
            doc.slice(0, t.at) +
            doc.slice(next.at, nextEnd) +
            doc.slice(end, next.at) +
            el +
            doc.slice(nextEnd)
          );
        }
        case 'empty':
          return `${doc.slice(0, t.at)}<${t.name}/>${doc.slice(end)}`;
        case 'value': {
          // The text of a leaf (an element without child elements), or the element's content.
          const inner = el.slice(t.name.length + 2, el.length - t.name.length - 3);
          if (inner.includes('<')) return doc;
          return `${doc.slice(0, t.at)}<${t.name}>${m.s.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${t.name}>${doc.slice(end)}`;
        }
        case 'attribute':
          return `${doc.slice(0, t.at)}<${t.name} a="1">${doc.slice(t.at + t.name.length + 2)}`;
        case 'prefix':
          return `${doc.slice(0, t.at)}<q:${t.name} xmlns:q="urn:q">${el.slice(t.name.length + 2, el.length - t.name.length - 3)}</q:${t.name}>${doc.slice(end)}`;
      }
    }
  }
}

// ------------------------------------------------------------------ running both ways

/** Serialized with bigints and in key order, so that key order counts too. */
function ser(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

interface Outcome {
  events: unknown[];
  error?: unknown;
  records?: number;
  fast: number;
}

let fileNo = 0;

async function read(file: string, fastPath: boolean, chunkBytes: number): Promise<Outcome> {
  const events: unknown[] = [];
  let checker: RecordChecker | undefined;
  let fast = 0;
  try {
    const res = await readVerzamelbestand(file, {
      fastPath,
      chunkBytes,
      hash: false,
      onKop: (k) => {
        events.push(['kop', k.versie.versie, k.kop]);
        checker = new RecordChecker({
          codes,
          versie: k.versie,
          gemeente: k.kop.cdPartijSuwi,
          soort: k.kop.soortLevering as 'volledig' | 'mutatie',
        });
      },
      onBatch: (recs: RecordElement[]) => {
        for (const r of recs) if (r.decoded !== undefined) fast++;
        events.push(['batch', recs.map((r) => [r.nr, checker!.check(r)])]);
      },
    });
    return { events, records: res.records, fast };
  } catch (e) {
    if (!(e instanceof BestandFout)) throw e;
    return { events, error: { rule: e.rule, message: e.message, line: e.line, findings: e.findings }, fast };
  }
}

async function agree(doc: string, chunkBytes: number): Promise<Outcome> {
  const file = join(dir, `doc${fileNo++ % 8}.xml`);
  writeFileSync(file, doc);
  const generic = await read(file, false, chunkBytes);
  const fast = await read(file, true, chunkBytes);
  expect(generic.fast).toBe(0);
  const { fast: _f, ...f } = fast;
  const { fast: _g, ...g } = generic;
  expect(f).toStrictEqual(g);
  expect(ser(f)).toBe(ser(g));
  return fast;
}

/** Bytes per read; chunks of a few characters are the scanner-level tests' (in memory, faster). */
const chunkArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 16, max: 700 }) },
  { weight: 2, arbitrary: fc.constantFrom(1024, 4096, 32 * 1024, 64 * 1024) },
);

describe('the fast path and the generic path agree', () => {
  it('on generated verzamelbestanden, in chunks of any size', async () => {
    let fast = 0;
    let records = 0;
    await fc.assert(
      fc.asyncProperty(documentArb, chunkArb, async (doc, chunk) => {
        const out = await agree(doc, chunk);
        fast += out.fast;
        records += out.records ?? 0;
      }),
      { numRuns: 100 },
    );
    // The property would hold trivially if the fast path were never taken. Arbitrary
    // dossiers often hold text with references (&amp;), which go the generic way.
    expect(records).toBeGreaterThan(100);
    expect(fast).toBeGreaterThan(records * 0.2);
  }, 120_000);

  it('on mutated verzamelbestanden: the same refusals, records, findings and lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        documentArb,
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        chunkArb,
        async (doc, ms, chunk) => {
          await agree(
            ms.reduce((d, m) => mutate(d, m), doc),
            chunk,
          );
        },
      ),
      { numRuns: 300 },
    );
  }, 240_000);

  it('on a record cut at every position', async () => {
    const doc = document(
      [{ dossier: syntheticDossier(codes, G, 'cut', 1, ownBsn(G, 'cut', 1), ownBsn(G, 'cut', 2)) }],
      'volledig',
      '\n',
    );
    const start = doc.indexOf('<Dossier>');
    const end = doc.indexOf('</Dossier>') + 10;
    for (let at = start; at <= end; at += 11) await agree(doc.slice(0, at), 256);
  }, 120_000);

  it('on duplicated BSNs, deletions in a full delivery and wrong Bron', async () => {
    const d = syntheticDossier(codes, G, 'dup', 1, ownBsn(G, 'dup', 1), ownBsn(G, 'dup', 2));
    const other = {
      ...d,
      client: { ...d.client, bron: { cdKolomSuwi: 4, cdPartijSuwi: '0599' } },
    } as Dossier;
    for (const soort of ['volledig', 'mutatie'] as const) {
      const out = await agree(
        document(
          [{ dossier: d }, { dossier: d }, { verwijdering: d.client.burgerservicenr }, { dossier: other }],
          soort,
          '\n',
        ),
        1000,
      );
      expect(out.fast).toBe(4);
    }
  });

  it('in the whole validation report', async () => {
    await fc.assert(
      fc.asyncProperty(documentArb, fc.array(mutationArb, { maxLength: 2 }), async (doc, ms) => {
        const file = join(dir, `rapport${fileNo++ % 4}.xml`);
        writeFileSync(
          file,
          ms.reduce((x, m) => mutate(x, m), doc),
        );
        const now = () => new Date('2026-12-01T00:00:00Z');
        const run = (fastPath: boolean) =>
          verwerk({ file, modus: 'validate', codes, now, fastPath, sha256: 'x', bestandsnaam: 'f.xml' });
        expect(ser(await run(true))).toBe(ser(await run(false)));
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});

// ------------------------------------------------------------------ the scanner with small limits

interface ScanOutcome {
  records: unknown[];
  error?: { rule: string; message: string; line?: number };
  fast: number;
}

/** Records as the checker sees them: a fast record as its value, a tree as decodeFields's value if it has no findings. */
function scanRun(chunks: string[], limits: XmlLimits, maxRecordElements: number, fast: boolean): ScanOutcome {
  const records: unknown[] = [];
  const decoder = new FastRecordDecoder(V0100);
  let kopSeen = false;
  const s: XmlScanner = new XmlScanner({
    limits,
    emitDepth: 2,
    maxRecordElements,
    onElement: (el: XElement, index: number) => {
      if (!kopSeen) {
        kopSeen = true;
        if (fast) s.useFastPath(decoder);
        return;
      }
      const fields =
        el.local === 'Dossier'
          ? V0100.dossier.fields
          : el.local === 'Verwijdering'
            ? V0100.verwijdering.fields
            : [];
      const findings: Finding[] = [];
      const value = decodeFields(fields, el, `/${el.local}`, findings);
      records.push(
        findings.length === 0 && el.uri === '' && el.attrs.length === 0 && fields.length > 0
          ? [index, el.line, el.local, ser(value)]
          : [index, el.line, 'tree', el.name, el.uri, el.children.length],
      );
    },
    onFastElement: (line: number, index: number) => {
      records.push([index, line, decoder.local, ser(decoder.value)]);
    },
  });
  try {
    for (let i = 0; i < chunks.length; i++) {
      s.write(chunks[i]!);
      records.push(['write', i]);
    }
    s.end();
    return { records, fast: s.fastRecords };
  } catch (e) {
    if (!(e instanceof XmlError)) throw e;
    return { records, error: { rule: e.rule, message: e.message, line: e.line }, fast: s.fastRecords };
  }
}

function split(doc: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (doc.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of points) {
    out.push(doc.slice(last, p));
    last = p;
  }
  out.push(doc.slice(last));
  return out.filter((c) => c.length > 0);
}

describe('the scanner with the fast path', () => {
  it('counts elements and depth as the generic path does: the same limits, at the same point', () => {
    fc.assert(
      fc.property(
        documentArb,
        fc.array(mutationArb, { maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 3, max: 400 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 2, max: 9 }),
        (doc, ms, cuts, maxElements, maxRecordElements, maxDepth) => {
          const chunks = split(
            ms.reduce((d, m) => mutate(d, m), doc),
            cuts,
          );
          const limits: XmlLimits = {
            maxBytes: Infinity,
            maxDepth,
            maxElements,
            maxAttributes: 8,
            maxMillis: Infinity,
          };
          const g = scanRun(chunks, limits, maxRecordElements, false);
          const f = scanRun(chunks, limits, maxRecordElements, true);
          expect(g.fast).toBe(0);
          expect(f.records).toStrictEqual(g.records);
          expect(f.error).toStrictEqual(g.error);
        },
      ),
      { numRuns: 1500 },
    );
  }, 120_000);

  it('agrees in chunks of one to five characters', () => {
    fc.assert(
      fc.property(
        documentArb,
        fc.array(mutationArb, { maxLength: 2 }),
        fc.integer({ min: 1, max: 5 }),
        (doc, ms, size) => {
          const text = ms.reduce((d, m) => mutate(d, m), doc);
          const chunks: string[] = [];
          for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
          const limits: XmlLimits = {
            maxBytes: Infinity,
            maxDepth: 24,
            maxElements: 1_000_000,
            maxAttributes: 8,
            maxMillis: Infinity,
          };
          const g = scanRun(chunks, limits, 100_000, false);
          const f = scanRun(chunks, limits, 100_000, true);
          expect(f.records).toStrictEqual(g.records);
          expect(f.error).toStrictEqual(g.error);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it('takes the fast path for the records of a generated file', async () => {
    const file = join(dir, 'gen.xml');
    await generateVerzamelbestand({ gemeente: G, clients: 300, seed: 'fast', out: file });
    const on = await readVerzamelbestand(file, { hash: false });
    expect(on.records).toBe(300);
    expect(on.fastRecords).toBe(300);
    const off = await readVerzamelbestand(file, { fastPath: false });
    expect(off.fastRecords).toBe(0);
    expect(off.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(on.hash).toBeUndefined();
    // A record the fast path leaves alone (a reference) goes the generic way, the rest not.
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(file, 'utf8').replace('<Voornamen>', '<Voornamen>&#65;');
    writeFileSync(file, text);
    const one = await readVerzamelbestand(file, { hash: false });
    expect(one.records - one.fastRecords).toBe(1);
  });
});

describe('the reader decodes UTF-8 chunk by chunk', () => {
  /** The records read, whatever the batches (their size follows the chunks). */
  const records = (o: Outcome) => ({
    error: o.error,
    records: o.records,
    events: o.events.flatMap((e) =>
      (e as unknown[])[0] === 'batch' ? ((e as unknown[])[1] as unknown[]) : [e],
    ),
  });

  it('characters cut by a chunk end, a BOM and bytes that are not UTF-8 read as in one piece', async () => {
    const file = join(dir, 'utf8.xml');
    await generateVerzamelbestand({ gemeente: G, clients: 40, seed: 'utf8', out: file });
    const { readFileSync } = await import('node:fs');
    // Names with characters of two, three and four bytes, all through the file.
    let n = 0;
    const text = readFileSync(file, 'utf8').replace(
      /<Voornamen>/g,
      () => `<Voornamen>${['Zoë', 'Jürgen€', 'Ŝara𝄞', 'Ærø'][n++ % 4]} `,
    );
    expect(n).toBeGreaterThan(30);
    writeFileSync(file, text);
    const size = Buffer.byteLength(text);
    const whole = records(await read(file, true, size));
    expect(whole.records).toBe(40);
    expect(ser(whole.events)).toContain('Ŝara𝄞');
    for (const chunk of [16, 17, 19, 64, 333, 1024, 4099])
      expect(records(await read(file, true, chunk)), `chunks of ${chunk}`).toStrictEqual(whole);

    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    for (const chunk of [16, 1024, size + 3])
      expect(records(await read(file, true, chunk)), `BOM, chunks of ${chunk}`).toStrictEqual(whole);

    // A byte that is no UTF-8 far into the file, and a character cut off at its end.
    const half = Buffer.from(text).indexOf('<Dossier>', size / 2);
    for (const bad of [
      Buffer.concat([
        Buffer.from(text).subarray(0, half),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(text).subarray(half),
      ]),
      Buffer.concat([Buffer.from(text), Buffer.from([0xe2, 0x82])]),
    ]) {
      writeFileSync(file, bad);
      for (const chunk of [16, 1024, bad.length])
        expect((await read(file, true, chunk)).error, `chunks of ${chunk}`).toMatchObject({
          rule: 'xml-codering',
        });
    }
  }, 60_000);
});
