import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Codetabellen } from '../../src/domain/codetabellen.js';
import { Dossier } from '../../src/domain/model.js';
import { walk } from '../../src/domain/schema.js';
import { datumBereik, elfproef, type Datum } from '../../src/domain/values.js';
import { V0100, verzamelbestandXsd } from '../../src/batch/format.js';
import { loadDossiers } from '../../src/batch/reader.js';
import { generateVerzamelbestand, PEILDATUM } from '../../src/sim/generator.js';

const dir = mkdtempSync(join(tmpdir(), 'dkd-generate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const XSD = new URL('../../schemas/verzamelbestand-v0100.xsd', import.meta.url).pathname;

async function gen(name: string, o: Partial<Parameters<typeof generateVerzamelbestand>[0]> = {}) {
  const out = join(dir, `${name}.xml`);
  const bsnList = join(dir, `${name}.bsn`);
  await generateVerzamelbestand({ gemeente: '0363', clients: 300, seed: 's', out, bsnList, ...o });
  return { out, bsnList };
}

describe('dkd generate', () => {
  it('the committed XSD is the one the format descriptions write', () => {
    expect(readFileSync(XSD, 'utf8')).toBe(verzamelbestandXsd(V0100));
  });

  it('writes a file that is valid against the XSD of its format version', async () => {
    const { out } = await gen('valid', { clients: 500 });
    // xmllint prints "validates" on stderr and exits 0 only for a valid document.
    execFileSync('xmllint', ['--noout', '--schema', XSD, out], { stdio: 'pipe' });
  });

  it('every client decodes, every BSN passes the elfproef, BSNs are unique and partners are not clients', async () => {
    const { out, bsnList } = await gen('decode', { clients: 400 });
    const f = await loadDossiers(out);
    expect(f).toMatchObject({ gemeente: '0363', soort: 'volledig' });
    expect(f.dossiers).toHaveLength(400);
    const bsns = f.dossiers.map((d) => d.client.burgerservicenr);
    expect(bsns.every(elfproef)).toBe(true);
    expect(new Set(bsns).size).toBe(400);
    expect(readFileSync(bsnList, 'utf8')).toBe(`${bsns.join('\n')}\n`);
    const partners = new Set<string>();
    for (const d of f.dossiers)
      for (const u of d.bijstandsregelingen?.uitkeringsverhouding ?? [])
        if (u.partnerUitkeringsverhouding) partners.add(u.partnerUitkeringsverhouding.burgerservicenr);
    expect(partners.size).toBeGreaterThan(20);
    expect([...partners].filter((p) => bsns.includes(p as never))).toEqual([]);
  });

  it('draws every code from the code tables, valid on its date, and has a plausible mix', async () => {
    const { out } = await gen('mix', { clients: 600 });
    const { dossiers } = await loadDossiers(out);
    const codes = Codetabellen.load();
    const coded = new Map<string, string>();
    walk(Dossier, (f, path) => {
      if (f.node.kind === 'leaf' && codes.has(f.node.type.name)) coded.set(path, f.node.type.name);
    });
    let checked = 0;
    const visit = (v: unknown, path: string, op: Datum | undefined) => {
      if (Array.isArray(v)) return v.forEach((x) => visit(x, path, op));
      if (v === null || typeof v !== 'object') {
        const tabel = coded.get(path);
        if (tabel) {
          checked++;
          expect(codes.oordeel(tabel, String(v), op), `${path}`).toBe('geldig');
        }
        return;
      }
      const o = v as Record<string, unknown>;
      const first = Object.entries(o).find(
        ([k, x]) => /^datB|^datAanvraag|^datBesluit|^datBetaal/.test(k) && x,
      );
      const nextOp = (first?.[1] as Datum | undefined) ?? op;
      for (const [k, x] of Object.entries(o))
        visit(x, `${path}/${k.charAt(0).toUpperCase()}${k.slice(1)}`, nextOp);
    };
    for (const d of dossiers) visit(d, '', undefined);
    expect(checked).toBeGreaterThan(10_000);

    const uv = dossiers.flatMap((d) => d.bijstandsregelingen?.uitkeringsverhouding ?? []);
    const lopend = uv.filter((u) => u.datEUitkeringsverhouding === undefined).length;
    expect(lopend).toBeGreaterThan(uv.length * 0.3);
    expect(uv.length - lopend).toBeGreaterThan(uv.length * 0.1);
    const peil = PEILDATUM.jaar * 10000 + PEILDATUM.maand * 100 + PEILDATUM.dag;
    for (const u of uv) {
      const b = datumBereik(u.datBUitkeringsverhouding)!.vroegst;
      expect(b).toBeLessThanOrEqual(peil);
      if (u.datEUitkeringsverhouding)
        expect(datumBereik(u.datEUitkeringsverhouding)!.vroegst).toBeGreaterThanOrEqual(b);
      expect(u.uitkeringsperiode.every((p) => p.normbedrag.length > 0)).toBe(true);
    }
    const partieel = dossiers.filter((d) => d.client.geboortedat?.endsWith('00')).length;
    expect(partieel).toBeGreaterThan(0);
    expect(dossiers.some((d) => d.bijstandsregelingen?.vordering.length)).toBe(true);
    expect(dossiers.some((d) => d.bijstandsregelingen?.specifiekeGegevensBijzBijstand.length)).toBe(true);
    expect(dossiers.some((d) => d.reintegratie?.participatieladder.length)).toBe(true);
    expect(
      dossiers.some((d) =>
        d.reintegratie?.atlRelatie.some((a) => a.reIntegratievoorziening.some((r) => r.loonkostensubsidie)),
      ),
    ).toBe(true);
    for (const d of dossiers) expect(d.client.domicilieAdres?.postcd).toMatch(/^[1-9][0-9]{3}[A-Z]{2}$/);
  });

  it('is deterministic for a seed, and another seed gives another file', async () => {
    const a = await gen('a1');
    const b = await gen('a2');
    const c = await gen('c', { seed: 'other' });
    expect(readFileSync(a.out).equals(readFileSync(b.out))).toBe(true);
    expect(readFileSync(a.out).equals(readFileSync(c.out))).toBe(false);
  });

  it('--shared-bsns: files of different gemeenten and seeds overlap on exactly the first K BSNs', async () => {
    const a = await gen('sa', { gemeente: '0363', seed: 'x', sharedBsns: 40 });
    const b = await gen('sb', { gemeente: '0599', seed: 'y', sharedBsns: 40 });
    const la = readFileSync(a.bsnList, 'utf8').trim().split('\n');
    const lb = readFileSync(b.bsnList, 'utf8').trim().split('\n');
    expect(la.slice(0, 40)).toEqual(lb.slice(0, 40));
    const setB = new Set(lb);
    expect(la.filter((x) => setB.has(x))).toEqual(la.slice(0, 40));
  });
});
