/**
 * What the codecs write validates against the published XSD (../shared/reference/suwiml),
 * checked by xmllint: generated data sets covering every optional branch, and every kind of
 * answer of every service. With DKD_SAMPLES_DIR set, the documents are also written there,
 * so that .ci/run can run xmllint over them itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Dossier } from '../../src/domain/model.js';
import { DATA_SERVICES, ibVerwijsindexV0300 } from '../../src/suwiml/services/index.js';
import { encodeFout, melding } from '../../src/suwiml/fwi.js';
import { nodeArb } from '../helpers/arbitraries.js';
import { requireReference, schemaFor, xmllint } from '../helpers/reference.js';

const SAMPLES = 120;

function keep(service: string, kind: string, docs: { name: string; xml: string }[]) {
  const dir = process.env.DKD_SAMPLES_DIR;
  if (!dir) return;
  const d = path.join(dir, service, kind);
  mkdirSync(d, { recursive: true });
  for (const x of docs) writeFileSync(path.join(d, x.name), x.xml);
}

function check(service: string, kind: 'action' | 'reaction' | 'fwi', docs: { name: string; xml: string }[]) {
  keep(service, kind, docs);
  const r = xmllint(schemaFor(service, kind), docs);
  expect(r.failures.slice(0, 3)).toEqual([]);
  expect(r.ok).toBe(true);
}

const waarschuwing = melding(
  'Waarschuwing',
  'DKD-W001',
  'Gemeente 0363 heeft niet binnen de termijn geantwoord',
  'CN=DKD hub',
  ['gemeente=0363'],
);
const fout = melding('Fout', 'DKD-F002', 'Het Burgerservicenr voldoet niet aan de elfproef', 'CN=DKD hub');

beforeAll(() => requireReference());

for (const svc of DATA_SERVICES) {
  describe(`${svc.path} against the published XSD`, () => {
    it('generated data answers, with and without FWI', () => {
      const dossiers = fc.sample(nodeArb(Dossier, 3), { numRuns: SAMPLES, seed: 42 });
      const docs = dossiers.map((d, i) => ({
        name: `gegevens-${i}.xml`,
        xml: svc.encodeAntwoord({
          soort: 'gegevens',
          dossier: d,
          meldingen: i % 3 === 0 ? [waarschuwing] : [],
        }),
      }));
      check(svc.path, 'reaction', docs);
    });
    it('FWI-only, NietsGevonden and NietGerechtigd answers', () => {
      check(svc.path, 'reaction', [
        { name: 'fwi.xml', xml: svc.encodeAntwoord({ soort: 'fwi', meldingen: [fout, waarschuwing] }) },
        { name: 'nietsgevonden.xml', xml: svc.encodeAntwoord({ soort: 'nietsGevonden' }) },
        { name: 'nietgerechtigd.xml', xml: svc.encodeAntwoord({ soort: 'nietGerechtigd' }) },
      ]);
    });
    it('questions', () => {
      check(svc.path, 'action', [{ name: 'vraag.xml', xml: svc.encodeRequest('123456782' as never) }]);
    });
    it('the Fout of a SOAP fault', () => {
      check(svc.path, 'fwi', [{ name: 'fout.xml', xml: encodeFout(fout) }]);
    });
  });
}

describe('IBVerwijsindex-v0300 against the published XSD', () => {
  it('generated questions', () => {
    const qs = fc.sample(nodeArb(ibVerwijsindexV0300.request, 3), { numRuns: SAMPLES, seed: 7 });
    check(
      ibVerwijsindexV0300.path,
      'action',
      qs.map((q, i) => ({ name: `vraag-${i}.xml`, xml: ibVerwijsindexV0300.encodeRequest(q) })),
    );
  });
  it('answers: acknowledgement, FWI, both', () => {
    check(ibVerwijsindexV0300.path, 'reaction', [
      { name: 'ack.xml', xml: ibVerwijsindexV0300.encodeAntwoord({ acknowledgement: true, meldingen: [] }) },
      {
        name: 'fwi.xml',
        xml: ibVerwijsindexV0300.encodeAntwoord({ acknowledgement: false, meldingen: [fout] }),
      },
      {
        name: 'beide.xml',
        xml: ibVerwijsindexV0300.encodeAntwoord({ acknowledgement: true, meldingen: [waarschuwing] }),
      },
    ]);
  });
});
